#include "metrics/job_metrics.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>

namespace rp::metrics {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Registry;

prometheus::Counter& NewCounter(Registry& r, const std::string& name, const std::string& help) {
  return BuildCounter().Name(name).Help(help).Register(r).Add({});
}

prometheus::Gauge& NewGauge(Registry& r, const std::string& name, const std::string& help) {
  return BuildGauge().Name(name).Help(help).Register(r).Add({});
}

// Commit latency: a local commit takes milliseconds, an S3 one up to seconds
// (retries with backoff), a 100k-record batch a few seconds.
const prometheus::Histogram::BucketBoundaries kCommitBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                0.5,   1,    2.5,   5,    10,  30};

}  // namespace

ScrapeHook& ScrapeHook::operator=(ScrapeHook&& other) noexcept {
  if (this != &other) {
    Reset();
    metrics_ = std::exchange(other.metrics_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void ScrapeHook::Reset() {
  if (metrics_) metrics_->RemoveHook(id_);
  metrics_ = nullptr;
}

JobMetrics::JobMetrics(const BuildInfo& build, HealthPolicy health)
    : registry_(std::make_shared<Registry>()),
      health_(health),
      input_records_(
          NewCounter(*registry_, "reprocessor_input_records_total",
                     "Records taken in: consumed (sync, stream) or read from the table (reprocess)")),
      input_bytes_(NewCounter(*registry_, "reprocessor_input_bytes_total",
                              "Key and value bytes of the records taken in")),
      output_records_(
          NewCounter(*registry_, "reprocessor_output_records_total",
                     "Records written: to the output topic (stream, reprocess) or committed to the "
                     "table (sync)")),
      output_bytes_(NewCounter(*registry_, "reprocessor_output_bytes_total",
                               "Key and value bytes of the records written")),
      filtered_(NewCounter(*registry_, "reprocessor_filtered_records_total",
                           "Records the logic answered with nothing (counted, not written)")),
      dead_lettered_(
          BuildCounter()
              .Name("reprocessor_dead_lettered_records_total")
              .Help("Records dead-lettered (the DLQ topic, or sync's dead-letter table), by reason")
              .Register(*registry_)),
      commits_(BuildCounter()
                   .Name("reprocessor_delta_commits_total")
                   .Help("Delta commits of sync, by table (data or dead_letter; compactions not included)")
                   .Register(*registry_)),
      data_commits_(commits_.Add({{"table", "data"}})),
      dead_letter_commits_(commits_.Add({{"table", "dead_letter"}})),
      commit_duration_(BuildHistogram()
                           .Name("reprocessor_delta_commit_duration_seconds")
                           .Help("Time to write a batch's data files and commit them to the table")
                           .Register(*registry_)
                           .Add({}, kCommitBuckets)),
      files_written_(NewCounter(*registry_, "reprocessor_delta_files_written_total",
                                "Data files added to the table by sync's commits")),
      bytes_written_(NewCounter(*registry_, "reprocessor_delta_written_bytes_total",
                                "Bytes of the data files added by sync's commits")),
      compactions_(NewCounter(*registry_, "reprocessor_delta_compactions_total",
                              "Compaction commits of sync's auto-compaction")),
      table_version_(
          NewGauge(*registry_, "reprocessor_delta_table_version", "The table's latest version seen")),
      last_commit_timestamp_(
          NewGauge(*registry_, "reprocessor_last_commit_timestamp_seconds",
                   "Unix time of the last commit of progress (sync: a Delta commit; stream: "
                   "offsets or a transaction); 0 before the first")),
      last_commit_age_(
          NewGauge(*registry_, "reprocessor_last_commit_age_seconds",
                   "Seconds since the last commit of progress (freshness), at the scrape; before "
                   "the first, since the job started")),
      lag_(BuildGauge()
               .Name("reprocessor_consumer_lag_records")
               .Help(
                   "Records behind the partition's end: end offset minus the next offset to store (sync: the "
                   "table's position) or to consume (stream)")
               .Register(*registry_)),
      assigned_(NewGauge(*registry_, "reprocessor_consumer_assigned_partitions",
                         "Partitions assigned to this member of the consumer group")),
      producer_queue_(NewGauge(*registry_, "reprocessor_producer_queue_messages",
                               "Messages and requests waiting in the producer's queue (rd_kafka_outq_len)")),
      delivery_errors_(NewCounter(*registry_, "reprocessor_producer_delivery_errors_total",
                                  "Records the producer failed to deliver")),
      retries_(NewCounter(*registry_, "reprocessor_producer_retries_total",
                          "Requests the producer retried (librdkafka's txretries, over brokers)")),
      reprocess_rows_(NewGauge(*registry_, "reprocessor_reprocess_rows",
                               "Rows the reprocess slice selected (-1 until known)")),
      reprocess_done_(NewCounter(*registry_, "reprocessor_reprocess_rows_processed_total",
                                 "Rows reprocess has replayed so far")) {
  RegisterBuildInfo(*registry_, build);
  reprocess_rows_.Set(-1);
}

JobMetrics::~JobMetrics() = default;

std::string JobMetrics::Render() {
  std::lock_guard<std::mutex> render_lock(render_mu_);
  {
    std::lock_guard<std::mutex> lock(hooks_mu_);
    for (auto& [id, hook] : hooks_) hook();
  }
  const HealthSnapshot s = health_.Snapshot();
  last_commit_age_.Set(std::max(0.0, std::chrono::duration<double>(s.now - s.last_commit).count()));
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

void JobMetrics::RecordsIn(int64_t records, int64_t bytes) {
  input_records_.Increment(static_cast<double>(records));
  input_bytes_.Increment(static_cast<double>(bytes));
}

void JobMetrics::RecordsOut(int64_t records, int64_t bytes) {
  output_records_.Increment(static_cast<double>(records));
  output_bytes_.Increment(static_cast<double>(bytes));
}

void JobMetrics::RecordsDeadLettered(std::string_view reason, int64_t records) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = reasons_.find(reason);
  if (it == reasons_.end()) {
    const std::string label = reasons_.size() < kMaxDeadLetterReasons ? std::string(reason) : "other";
    it = reasons_.find(label);
    if (it == reasons_.end()) it = reasons_.emplace(label, &dead_lettered_.Add({{"reason", label}})).first;
  }
  it->second->Increment(static_cast<double>(records));
}

void JobMetrics::DataTableCommit(int64_t version, int64_t files, int64_t bytes, double seconds) {
  data_commits_.Increment();
  files_written_.Increment(static_cast<double>(files));
  bytes_written_.Increment(static_cast<double>(bytes));
  commit_duration_.Observe(seconds);
  SetTableVersion(version);
  Committed();
}

void JobMetrics::Compaction(int64_t version) {
  compactions_.Increment();
  SetTableVersion(version);
}

void JobMetrics::SetTableVersion(int64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  if (version <= table_version_seen_) return;
  table_version_seen_ = version;
  table_version_.Set(static_cast<double>(version));
}

void JobMetrics::Committed() {
  last_commit_timestamp_.SetToCurrentTime();
  health_.Committed();
}

void JobMetrics::SetPartitions(const std::vector<PartitionLag>& partitions) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::pair<std::string, int32_t>, prometheus::Gauge*> now;
  int64_t total = 0;
  for (const PartitionLag& p : partitions) {
    auto key = std::make_pair(p.topic, p.partition);
    auto it = partitions_.find(key);
    prometheus::Gauge* gauge = nullptr;
    if (it != partitions_.end()) {
      gauge = it->second;
      partitions_.erase(it);
    } else {
      gauge = &lag_.Add({{"topic", p.topic}, {"partition", std::to_string(p.partition)}});
    }
    // Unknown until a fetch answers: 0 rather than a guess, as the series must exist.
    gauge->Set(static_cast<double>(p.records.value_or(0)));
    total += p.records.value_or(0);
    now.emplace(std::move(key), gauge);
  }
  for (auto& [key, gauge] : partitions_) lag_.Remove(gauge);  // revoked
  partitions_ = std::move(now);
  assigned_.Set(static_cast<double>(partitions.size()));
  health_.SetAssignedPartitions(static_cast<int>(partitions.size()));
  health_.SetLag(total);
}

void JobMetrics::SetProducerState(int64_t queued, int64_t delivery_errors, int64_t retries) {
  producer_queue_.Set(static_cast<double>(queued));
  std::lock_guard<std::mutex> lock(mu_);
  auto advance = [](prometheus::Counter& counter, int64_t total, int64_t* last) {
    counter.Increment(static_cast<double>(total >= *last ? total - *last : total));
    *last = total;
  };
  advance(delivery_errors_, delivery_errors, &last_delivery_errors_);
  advance(retries_, retries, &last_retries_);
}

void JobMetrics::SetReprocessProgress(int64_t done, int64_t total, bool final) {
  reprocess_rows_.Set(static_cast<double>(total));
  health_.SetPhase(final ? JobPhase::kStopping : JobPhase::kRunning);
  health_.LoopTurned();
  std::lock_guard<std::mutex> lock(mu_);
  if (done > last_reprocess_done_) {
    reprocess_done_.Increment(static_cast<double>(done - last_reprocess_done_));
    last_reprocess_done_ = done;
  }
}

ScrapeHook JobMetrics::OnScrape(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(hooks_mu_);
  const uint64_t id = next_hook_++;
  hooks_.emplace(id, std::move(hook));
  return ScrapeHook(this, id);
}

void JobMetrics::RemoveHook(uint64_t id) {
  std::lock_guard<std::mutex> lock(hooks_mu_);
  hooks_.erase(id);
}

}  // namespace rp::metrics
