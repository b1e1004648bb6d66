#include "jobs/stream_job.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <map>
#include <thread>
#include <vector>

#include "common/log.h"
#include "jobs/consumer_metrics.h"
#include "jobs/delivery_tracker.h"
#include "kafka/group_consumer.h"
#include "kafka/message_view.h"
#include "kafka/producer.h"

namespace rp::jobs {

Result<Delivery> ParseDelivery(std::string_view name) {
  if (name == "at-least-once") return Delivery::kAtLeastOnce;
  if (name == "exactly-once") return Delivery::kExactlyOnce;
  return Status::InvalidArgument("unknown delivery '" + std::string(name) +
                                 "' (at-least-once or exactly-once)");
}

std::string DefaultInstanceId() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "default";
  return host;
}

std::string TransactionalId(const StreamJobOptions& options) {
  const std::string instance = options.instance_id.empty() ? DefaultInstanceId() : options.instance_id;
  return "reprocessor-stream-" + options.group_id + "-" + options.input_topic + "-" + instance;
}

namespace {

using Clock = std::chrono::steady_clock;

// Next offsets (last + 1) per partition of a batch, and the first offsets to
// rewind to if the batch has to be redone.
struct BatchPositions {
  std::map<kafka::TopicPartition, int64_t> next;
  std::map<kafka::TopicPartition, int64_t> first;
};

BatchPositions PositionsOf(const std::vector<kafka::MessagePtr>& batch) {
  BatchPositions pos;
  kafka::MessageViewer viewer;
  for (const auto& m : batch) {
    const kafka::MessageView& v = viewer.View(*m);
    kafka::TopicPartition tp{std::string(v.topic), v.partition};
    pos.next[tp] = v.offset + 1;
    pos.first.emplace(tp, v.offset);
  }
  return pos;
}

// Retries `op` while it fails, until the broker timeout or a stop request.
template <typename Op>
Status RetryUntil(const char* what, const StreamJobOptions& options, const std::atomic<bool>& stop, Op op) {
  const auto deadline = Clock::now() + options.broker_timeout;
  while (true) {
    Status s = op();
    if (s.ok()) return s;
    if (Clock::now() >= deadline) {
      return Status::Timeout(std::string(what) + " failed for " +
                             std::to_string(options.broker_timeout.count() / 1000) + " s: " + s.message());
    }
    Log(LogLevel::kWarn, "stream", "{} failed, retrying: {}", what, s.message());
    if (stop.load()) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

class StreamRunner {
 public:
  StreamRunner(const StreamJobOptions& options, const std::atomic<bool>& stop, StreamJobStats* stats)
      : options_(options), stop_(stop), stats_(stats) {}

  Status Run() {
    const bool eos = options_.delivery == Delivery::kExactlyOnce;
    kafka::ProducerOptions popts;
    if (eos) popts.transactional_id = TransactionalId(options_);
    // A logic that does not load is the user's to fix before anything connects.
    RP_ASSIGN_OR_RETURN(logic_, logic::OpenLogic(options_.logic));
    // The consumer checks the input topic first: a mistyped topic creates no DLQ topic.
    kafka::GroupConsumerOptions copts;
    copts.group_id = options_.group_id;
    copts.topics = {options_.input_topic};
    copts.read_committed = eos;
    // At-least-once: before partitions go to another member, their output
    // must be acknowledged and their positions committed.
    if (!eos) {
      copts.on_revoked = [this](const std::vector<kafka::TopicPartition>&) {
        if (failing_ || !producer_) return;  // what was committed stands; a restart redoes the rest
        Status s = DrainAndCommit();
        if (!s.ok()) Log(LogLevel::kWarn, "stream", "before giving up partitions: {}", s.message());
      };
    }
    RP_ASSIGN_OR_RETURN(consumer_, kafka::GroupConsumer::Create(options_.kafka, copts));
    kafka::ClientConfig producer_config = options_.kafka;
    // Records wait at most this long for batch-mates; librdkafka's 5 ms
    // default was half of the latency budget at 10k records/s.
    if (!producer_config.Get("linger.ms")) producer_config.Set("linger.ms", "1");
    // A killed instance's open transaction holds back read_committed readers
    // and the next owner of its partitions (whose committed offsets stay
    // unstable) until the coordinator aborts it: after 10 s rather than
    // librdkafka's 60 s default. A batch's transaction lasts well under that.
    if (eos && !producer_config.Get("transaction.timeout.ms"))
      producer_config.Set("transaction.timeout.ms", "10000");
    // The producer's retries reach the metrics through its statistics.
    if (options_.metrics && !producer_config.Get("statistics.interval.ms"))
      producer_config.Set("statistics.interval.ms", "1000");
    RP_ASSIGN_OR_RETURN(producer_, kafka::Producer::Create(producer_config, popts));
    if (!eos) producer_->SetDeliveryListener([this](uint64_t token) { tracker_.Delivered(token); });
    OutputRouterOptions output = options_.output;
    output.metrics = options_.metrics;
    RP_ASSIGN_OR_RETURN(router_, OutputRouter::Create(producer_.get(), logic_.get(), std::move(output)));
    if (eos) {
      // Fences any earlier instance with the same transactional id and aborts its open transaction.
      RP_RETURN_IF_ERROR(producer_->InitTransactions(options_.broker_timeout));
    }
    Log(LogLevel::kInfo, "stream", "{} -> {} -> {} ({}), group {}{}", options_.input_topic,
        logic_->Describe(), router_->output_topic(), eos ? "exactly-once" : "at-least-once",
        options_.group_id, eos ? ", transactional id " + *popts.transactional_id : std::string());

    std::vector<kafka::MessagePtr> batch;
    auto last_report = Clock::now();
    Status status;
    if (options_.metrics) options_.metrics->health().SetPhase(metrics::JobPhase::kRunning);
    ConsumerMetrics consumer_metrics(options_.metrics);
    while (!stop_.load()) {
      consumer_metrics.Turn(*consumer_);
      batch.clear();
      // At-least-once takes whatever has arrived (no linger): output is not
      // waited for per batch, so small batches cost nothing.
      status = consumer_->Poll(&batch, options_.max_batch_records, options_.max_batch_wait,
                               eos ? options_.linger : std::chrono::milliseconds(0));
      if (status.ok() && batch.empty()) status = consumer_->CheckBrokers(options_.broker_timeout);
      if (!status.ok()) break;
      if (!batch.empty()) {
        status = eos ? ProcessTransactional(batch) : ProcessAtLeastOnce(batch);
        if (!status.ok()) break;
      } else {
        producer_->Poll();
        if (!eos) {
          status = CommitDelivered(false);
          if (!status.ok()) break;
        }
      }
      if (Clock::now() - last_report > std::chrono::seconds(10)) {
        last_report = Clock::now();
        Log(LogLevel::kInfo, "stream", "consumed {} produced {} filtered {} dead-lettered {}",
            stats_->consumed, stats_->produced, stats_->filtered, stats_->dead_lettered);
      }
    }
    if (options_.metrics) options_.metrics->health().SetPhase(metrics::JobPhase::kStopping);
    // A graceful stop leaves nothing in flight: everything consumed is
    // delivered and committed. After a failure, what was committed stands.
    if (status.ok() && !eos) status = DrainAndCommit();
    failing_ = !status.ok();
    Status closed = consumer_->Close();
    if (status.ok() && !closed.ok()) Log(LogLevel::kWarn, "stream", "close: {}", closed.message());
    Log(LogLevel::kInfo, "stream", "stopped: consumed {} produced {} filtered {} dead-lettered {}",
        stats_->consumed, stats_->produced, stats_->filtered, stats_->dead_lettered);
    return status;
  }

 private:
  Status ProduceBatch(const std::vector<kafka::MessagePtr>& batch, bool track) {
    for (const auto& m : batch) {
      const kafka::MessageView& v = viewer_.View(*m);
      SourceRecord r{v.topic, v.partition, v.offset, v.key, v.value};
      r.timestamp_ms = v.timestamp_ms;
      r.headers = v.headers;
      if (track) r.delivery_token = tracker_.Track(m->partition, m->offset);
      RP_RETURN_IF_ERROR(router_->Process(r));
    }
    return Status::OK();
  }

  void Account(size_t n) {
    stats_->consumed += static_cast<int64_t>(n);
    stats_->produced = router_->produced();
    stats_->filtered = router_->filtered();
    stats_->dead_lettered = router_->dead_lettered();
    ++stats_->batches;
  }

  // Output is produced and the loop moves on; delivery reports advance the
  // committable positions (DeliveryTracker), committed every kCommitInterval.
  //
  // What a crash replays stays bounded: at most max_batch_records records
  // are in flight (the loop waits for acknowledgements beyond that), and
  // positions are committed once max_batch_records records were consumed
  // since the last commit, or kCommitInterval passed.
  Status ProcessAtLeastOnce(const std::vector<kafka::MessagePtr>& batch) {
    RP_RETURN_IF_ERROR(ProduceBatch(batch, /*track=*/true));
    producer_->Poll();
    Account(batch.size());
    consumed_since_commit_ += batch.size();
    const auto deadline = Clock::now() + options_.broker_timeout;
    while (tracker_.in_flight() > options_.max_batch_records && !stop_.load()) {
      if (Clock::now() >= deadline) {
        return Status::Timeout(std::to_string(tracker_.in_flight()) + " output records unacknowledged for " +
                               std::to_string(options_.broker_timeout.count() / 1000) + " s");
      }
      producer_->Poll(std::chrono::milliseconds(5));
    }
    return CommitDelivered(false);
  }

  // Commits the positions whose output is acknowledged: asynchronously at
  // most every kCommitInterval, or now and synchronously when `now`.
  Status CommitDelivered(bool now) {
    for (const auto& [partition, next] : tracker_.TakeCommittable()) {
      uncommitted_[{options_.input_topic, partition}] = next;
    }
    if (uncommitted_.empty()) return Status::OK();
    if (!now && Clock::now() - last_commit_ < kCommitInterval &&
        consumed_since_commit_ < options_.max_batch_records) {
      return Status::OK();
    }
    Status s = RetryUntil("committing offsets", options_, stop_,
                          [&] { return consumer_->Commit(uncommitted_, /*async=*/!now); });
    if (s.ok()) {
      uncommitted_.clear();
      last_commit_ = Clock::now();
      consumed_since_commit_ = 0;
      if (options_.metrics) options_.metrics->Committed();
    }
    return s;
  }

  // Waits for every produced record's acknowledgement, then commits.
  Status DrainAndCommit() {
    RP_RETURN_IF_ERROR(RetryUntil("delivering output", options_, stop_,
                                  [&] { return producer_->Flush(options_.broker_timeout); }));
    return CommitDelivered(true);
  }

  Status ProcessTransactional(const std::vector<kafka::MessagePtr>& batch) {
    BatchPositions pos = PositionsOf(batch);
    RP_RETURN_IF_ERROR(producer_->BeginTransaction());
    Status s = ProduceBatch(batch, /*track=*/false);
    if (s.ok()) {
      s = producer_->SendOffsetsToTransaction(consumer_->handle(), pos.next, options_.broker_timeout);
    }
    if (s.ok()) s = producer_->CommitTransaction(options_.broker_timeout);
    if (s.ok()) {
      if (options_.metrics) options_.metrics->Committed();
      Account(batch.size());
      return s;
    }
    if (s.IsConflict()) return s;  // fatal (fenced): exit, a restart recovers
    Log(LogLevel::kWarn, "stream", "transaction aborted, redoing the batch: {}", s.message());
    RP_RETURN_IF_ERROR(producer_->AbortTransaction(options_.broker_timeout));
    // Partitions revoked meanwhile (a stale generation is a common reason for
    // the abort) are their new owner's to redo from the committed offsets.
    const std::vector<kafka::TopicPartition> owned = consumer_->Assignment();
    for (const auto& [tp, off] : pos.first) {
      if (std::find(owned.begin(), owned.end(), tp) == owned.end()) continue;
      RP_RETURN_IF_ERROR(consumer_->Seek(tp, off));
    }
    return Status::OK();
  }

  const StreamJobOptions& options_;
  const std::atomic<bool>& stop_;
  StreamJobStats* stats_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<logic::Logic> logic_;
  std::unique_ptr<OutputRouter> router_;
  kafka::MessageViewer viewer_;  // the current record's view (its headers array is reused)
  // At-least-once only.
  static constexpr std::chrono::milliseconds kCommitInterval{100};
  DeliveryTracker tracker_;
  std::map<kafka::TopicPartition, int64_t> uncommitted_;
  Clock::time_point last_commit_{};
  size_t consumed_since_commit_ = 0;
  bool failing_ = false;  // after an error, revocations commit nothing more
  // Last: destroyed first. Closing it can still run the rebalance callbacks,
  // which use the members above.
  std::unique_ptr<kafka::GroupConsumer> consumer_;
};

}  // namespace

Status RunStreamJob(const StreamJobOptions& options, const std::atomic<bool>& stop, StreamJobStats* stats) {
  StreamJobStats local;
  StreamRunner runner(options, stop, stats ? stats : &local);
  return runner.Run();
}

}  // namespace rp::jobs
