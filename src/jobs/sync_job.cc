#include "jobs/sync_job.h"

#include <algorithm>
#include <climits>
#include <future>
#include <map>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/log.h"
#include "delta/data_file_writer.h"
#include "delta/table.h"
#include "jobs/compactor.h"
#include "jobs/consumer_metrics.h"
#include "jobs/pending_records.h"
#include "jobs/raw_table.h"
#include "jobs/table_adoption.h"
#include "kafka/group_consumer.h"
#include "kafka/message_view.h"
#include "logic/time_zone.h"

namespace rp::jobs {
namespace {

using Clock = std::chrono::steady_clock;

class SyncRunner {
 public:
  SyncRunner(const SyncJobOptions& options, const std::atomic<bool>& stop, SyncJobStats* stats)
      : options_(options), stop_(stop), stats_(stats) {
    job_id_ = options.job_id.empty() ? options.group_id : options.job_id;
    dlq_path_ = options.dlq_table_path;
    table_options_.storage = options.storage;
  }

  Status Run() {
    if (dlq_path_.empty()) {
      RP_ASSIGN_OR_RETURN(dlq_path_, DefaultDeadLetterTablePath(options_.table_path));
    }
    // A local dead-letter table beside an S3 one takes no storage options.
    if (!delta::IsLocalLocation(dlq_path_)) dlq_table_options_.storage = options_.storage;
    kafka::GroupConsumerOptions copts;
    copts.group_id = options_.group_id;
    copts.topics = {options_.topic};
    copts.start_offset = [this](const std::string& topic, int32_t partition) {
      return StartOffset(topic, partition);
    };
    copts.on_revoked = [this](const std::vector<kafka::TopicPartition>& tps) { DropPending(tps); };
    // The consumer checks the topic exists, so a mistyped topic creates no table.
    // Partitions are only assigned (and the table consulted) inside Poll().
    // A shorter local queue than librdkafka's (100000 records or 64 MB per
    // partition): the broker answers a fetch in a few ms, so 10000 records
    // (or 4 MB) a partition still cover the job's pauses, and the process
    // peaks ~45 MB lower. Half that saved 8 MB more, but the partitions
    // drifted apart in event time: a batch then spanned more hours, 60% more
    // files (BENCHMARKS.md, "sync"). -X wins.
    kafka::ClientConfig config = options_.kafka;
    if (!config.Get("queued.min.messages")) config.Set("queued.min.messages", "10000");
    if (!config.Get("queued.max.messages.kbytes")) config.Set("queued.max.messages.kbytes", "4096");
    RP_ASSIGN_OR_RETURN(consumer_, kafka::GroupConsumer::Create(config, copts));
    RP_RETURN_IF_ERROR(OpenTable());
    if (options_.auto_compact) {
      CompactorOptions c;
      c.table_path = options_.table_path;
      c.storage = options_.storage;
      c.optimize.target_file_size = options_.compact_target_file_size;
      c.optimize.min_files = options_.compact_min_files;
      c.optimize.tiered = true;                           // bounded write amplification (optimize.h)
      c.optimize.sort_columns = {"partition", "offset"};  // tight offset stats per file
      c.optimize.writer = RawTableWriterOptions(settings_.layout);
      c.min_interval = options_.compact_interval;
      c.metrics = options_.metrics;
      RP_ASSIGN_OR_RETURN(compactor_, Compactor::Start(std::move(c)));
    }
    Log(LogLevel::kInfo, "sync", "{} -> {} (layout {}, event time {}{}, zone {}, job {})", options_.topic,
        options_.table_path, RawLayoutName(settings_.layout), settings_.event_time.ToString(),
        settings_.event_time.fallback_kafka ? " else kafka" : "", zone_.name(), job_id_);

    if (options_.metrics) {
      options_.metrics->SetTableVersion(table_->snapshot()->version());
      options_.metrics->health().SetPhase(metrics::JobPhase::kRunning);
    }
    Status status;
    Clock::time_point batch_started{};
    while (!stop_.load()) {
      const size_t before = pending_.size();
      auto wait = std::chrono::milliseconds(100);
      if (!pending_.empty()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            batch_started + options_.max_batch_wait - Clock::now());
        wait = std::clamp(left, std::chrono::milliseconds(0), wait);
      }
      // Small polls: messages are copied and released every few thousand.
      const size_t room = std::min<size_t>(options_.max_batch_records - pending_.size(), 4096);
      status = consumer_->Poll(&polled_, room, wait, wait);
      for (const auto& m : polled_) pending_.Add(viewer_.View(*m));
      if (options_.metrics) {
        int64_t bytes = 0;
        for (const auto& m : polled_) bytes += static_cast<int64_t>(m->len + m->key_len);
        options_.metrics->RecordsIn(static_cast<int64_t>(polled_.size()), bytes);
      }
      polled_.clear();  // releases librdkafka's fetch buffers now, not at the commit
      if (status.ok() && !callback_status_.ok()) status = callback_status_;
      // A commit the writer finished: its positions and counts now, not at the next batch.
      if (status.ok() && in_flight_ &&
          in_flight_->result.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        status = FinishCommit();
      }
      consumer_metrics_.Turn(*consumer_, &committed_);
      if (status.ok() && pending_.size() == before) status = consumer_->CheckBrokers(options_.broker_timeout);
      if (!status.ok()) break;
      if (before == 0 && !pending_.empty()) batch_started = Clock::now();
      if (!pending_.empty() &&
          (pending_.size() >= options_.max_batch_records || pending_.bytes() >= options_.max_batch_bytes ||
           Clock::now() >= batch_started + options_.max_batch_wait)) {
        status = CommitPending();
        if (!status.ok()) break;
      }
    }
    if (options_.metrics) options_.metrics->health().SetPhase(metrics::JobPhase::kStopping);
    // Graceful stop: commit what we hold. After a failure, commit nothing more:
    // the table stays at its last complete commit and a restart resumes from it.
    if (status.ok()) status = FinishCommit();
    if (status.ok() && !pending_.empty()) status = CommitPending();
    if (status.ok()) status = FinishCommit();
    if (in_flight_) {
      in_flight_->result.wait();  // after a failure: the writer's outcome no longer matters
      in_flight_.reset();
    }
    if (compactor_) {
      stats_->compactions = compactor_->stats().commits;
      compactor_.reset();  // a run under way finishes first
    }
    Status closed = consumer_->Close();
    if (!closed.ok()) Log(LogLevel::kWarn, "sync", "close: {}", closed.message());
    Log(LogLevel::kInfo, "sync", "stopped: {} records in {} commits, {} dead-lettered, {} compactions",
        stats_->records, stats_->commits, stats_->dead_lettered, stats_->compactions);
    return status;
  }

 private:
  // The table's settings win; an explicit flag that contradicts them is
  // refused, since the rows already stored were placed by them.
  Status OpenTable() {
    std::optional<logic::TimeZone> zone;
    if (options_.timezone) {
      RP_ASSIGN_OR_RETURN(zone, logic::TimeZone::Find(*options_.timezone));
    }
    RawTableSettings settings;
    settings.layout = RawLayout::kKafka;
    if (options_.layout) {
      RP_ASSIGN_OR_RETURN(settings.layout, ParseRawLayout(*options_.layout));
    }
    RP_ASSIGN_OR_RETURN(
        settings.event_time,
        logic::EventTimeSpec::Parse(options_.event_time.value_or(std::string(logic::kDefaultEventTimeSpec))));
    if (options_.event_time_fallback) {
      if (*options_.event_time_fallback != "kafka" && *options_.event_time_fallback != "none") {
        return Status::InvalidArgument("--event-time-fallback must be kafka or none, not '" +
                                       *options_.event_time_fallback + "'");
      }
      settings.event_time.fallback_kafka = *options_.event_time_fallback == "kafka";
    }
    auto existing = delta::Table::Open(options_.table_path, table_options_);
    if (existing.ok()) {
      RP_ASSIGN_OR_RETURN(RawTableSettings have,
                          ReadRawTableSettings((*existing)->snapshot()->metadata().configuration));
      auto refuse = [&](const std::string& what, const std::string& has, const std::string& flag) {
        return Status::InvalidArgument("table " + options_.table_path + " has " + what + " " + has + "; " +
                                       flag + " would store records differently");
      };
      if (have.source_topic && *have.source_topic != options_.topic) {
        return Status::InvalidArgument("table " + options_.table_path + " holds topic " + *have.source_topic +
                                       "; --topic " + options_.topic +
                                       " would mix another topic's offsets into it");
      }
      zone_missing_ = !have.time_zone && !zone;
      if (have.time_zone) {
        RP_ASSIGN_OR_RETURN(logic::TimeZone table_zone, logic::TimeZone::Find(*have.time_zone));
        if (zone && zone->name() != table_zone.name()) {
          return Status::InvalidArgument("table " + options_.table_path + " is partitioned in zone " +
                                         *have.time_zone + "; --timezone " + zone->name() +
                                         " would partition differently");
        }
        zone = table_zone;
      }
      if (options_.layout && settings.layout != have.layout) {
        return refuse("layout", RawLayoutName(have.layout), "--layout " + *options_.layout);
      }
      if (options_.event_time && settings.event_time.ToString() != have.event_time.ToString()) {
        return refuse("event time", have.event_time.ToString(), "--event-time " + *options_.event_time);
      }
      if (options_.event_time_fallback &&
          settings.event_time.fallback_kafka != have.event_time.fallback_kafka) {
        return refuse("event-time fallback", have.event_time.fallback_kafka ? "kafka" : "none",
                      "--event-time-fallback " + *options_.event_time_fallback);
      }
      for (const auto& [key, value] : options_.table_properties) {
        const auto& conf = (*existing)->snapshot()->metadata().configuration;
        auto it = conf.find(key);
        if (it == conf.end() || it->second != value) {
          return Status::InvalidArgument("table " + options_.table_path + " has " + key + " " +
                                         (it == conf.end() ? "unset" : "'" + it->second + "'") +
                                         "; --table-property only applies when sync creates a table");
        }
      }
      settings = have;
    } else if (!existing.status().IsNotFound()) {
      return existing.status();
    }
    zone_ = zone ? *zone : logic::TimeZone::Local();
    settings.time_zone = zone_.name();
    if (!settings.source_topic) settings.source_topic = options_.topic;
    settings_ = settings;
    std::map<std::string, std::string> configuration = RawTableConfiguration(settings);
    RP_RETURN_IF_ERROR(MergeTableProperties(options_.table_properties, &configuration));
    RP_ASSIGN_OR_RETURN(
        table_, delta::Table::OpenOrCreate(options_.table_path, *RawTableSchema(settings.layout),
                                           RawTablePartitionColumns(), configuration, table_options_));
    RP_RETURN_IF_ERROR(ClaimTable());
    if (zone_missing_) {
      // After every refusal: a refused start prints its one error line only.
      Log(LogLevel::kWarn, "sync",
          "table {} has no {}; partitioning in {}, the machine's zone (--timezone to choose)",
          options_.table_path, kConfigTimeZone, zone_.name());
    }
    return Status::OK();
  }

  // Whose table it is (table_adoption.h): refuses one another writer filled,
  // or adopts it with --adopt, before any partition is assigned.
  Status ClaimTable() {
    const auto snapshot = table_->snapshot();
    switch (ClassifyRawTable(*snapshot, job_id_, options_.topic)) {
      case TableOwnership::kOurs:
        if (options_.adopt)
          Log(LogLevel::kInfo, "sync", "--adopt: the table holds job {}'s positions already", job_id_);
        return Status::OK();
      case TableOwnership::kNew:
        if (options_.adopt)
          Log(LogLevel::kInfo, "sync", "--adopt: the table holds no rows; nothing to adopt");
        return Status::OK();
      case TableOwnership::kForeign:
        break;
    }
    if (!options_.adopt) return ForeignTableError(*snapshot, options_.table_path, job_id_, options_.topic);
    auto adopted = AdoptRawTable(table_.get(), settings_.layout, job_id_, options_.topic);
    if (!adopted.ok()) {
      if (!adopted.status().IsConflict()) return adopted.status();
      // Another instance of this job adopted first: its positions stand.
      RP_ASSIGN_OR_RETURN(auto now, table_->Refresh());
      if (ClassifyRawTable(*now, job_id_, options_.topic) != TableOwnership::kOurs) return adopted.status();
      Log(LogLevel::kInfo, "sync", "another instance of job {} adopted the table first", job_id_);
      return Status::OK();
    }
    std::string offsets;
    for (const auto& [partition, offset] : adopted->last_offsets) {
      offsets +=
          fmt::format("{}{}[{}] after {}", offsets.empty() ? "" : ", ", options_.topic, partition, offset);
    }
    if (adopted->version < 0) {
      Log(LogLevel::kInfo, "sync",
          "adopted {}: its files hold no rows of {}; every partition starts at the earliest offset",
          options_.table_path, options_.topic);
    } else {
      Log(LogLevel::kInfo, "sync",
          "adopted {} in version {}: {} ({} files by their statistics, {} read); partitions without rows in "
          "the table start at the earliest offset",
          options_.table_path, adopted->version, offsets, adopted->files_from_stats, adopted->files_read);
    }
    return Status::OK();
  }

  // Where an assigned partition resumes: after the last offset the table holds.
  Result<int64_t> StartOffset(const std::string& topic, int32_t partition) {
    // An assignment can arrive while the consumer closes after OpenTable failed.
    if (!table_) return Status::Internal("partitions assigned before the table was open");
    // The table is not shared with the writer: its commit first.
    RP_RETURN_IF_ERROR(FinishCommit());
    RP_ASSIGN_OR_RETURN(auto snapshot, table_->Refresh());
    std::optional<int64_t> v = snapshot->TxnVersion(SyncAppId(job_id_, topic, partition));
    committed_[partition] = v ? *v : -1;
    Log(LogLevel::kInfo, "sync", "{}[{}] resumes at {}", topic, partition,
        v ? std::to_string(*v + 1) : std::string("the earliest offset"));
    return v ? *v + 1 : RD_KAFKA_OFFSET_BEGINNING;
  }

  void DropPending(const std::vector<kafka::TopicPartition>& tps) {
    // A commit under way completes before the partitions go: whoever gets them
    // next resumes after it, as after a synchronous commit.
    if (Status s = FinishCommit(); !s.ok() && callback_status_.ok()) callback_status_ = s;
    for (const auto& [topic, partition] : tps) {
      committed_.erase(partition);
      // Init-capture: clang before 16 cannot capture a structured binding.
      pending_.EraseIf([p = partition](const PendingRecords::Record& r) { return r.partition == p; });
    }
  }

  // Another writer (a second instance after a rebalance) may have committed
  // some of our partitions since we started them: skip what the table already
  // holds, and if it holds more than we know, move on past it.
  Status ReconcileWithTable() {
    RP_ASSIGN_OR_RETURN(auto snapshot, table_->Refresh());
    std::map<int32_t, int64_t> reseek;
    for (auto& [partition, known] : committed_) {
      std::optional<int64_t> v = snapshot->TxnVersion(SyncAppId(job_id_, options_.topic, partition));
      if (v && *v > known) {
        Log(LogLevel::kWarn, "sync", "{}[{}] was committed up to {} by another writer; skipping ahead",
            options_.topic, partition, *v);
        known = *v;
        reseek[partition] = *v + 1;
      }
    }
    pending_.EraseIf([&](const PendingRecords::Record& r) {
      auto it = committed_.find(r.partition);
      return it == committed_.end() || r.offset <= it->second;
    });
    for (const auto& [partition, offset] : reseek) {
      // With newer records still pending, the fetch position is already past the gap.
      bool newer_pending =
          std::any_of(pending_.begin(), pending_.end(),
                      [p = partition](const PendingRecords::Record& r) { return r.partition == p; });
      if (!newer_pending) RP_RETURN_IF_ERROR(consumer_->Seek({options_.topic, partition}, offset));
    }
    return Status::OK();
  }

  // Hands the pending records to the writer thread, which encodes and commits
  // them while the next batch is polled. At most one batch is in flight: a
  // second waits for it (that bounds memory at two batches). Positions move
  // only through the table's txn versions, so a crash mid-commit loses
  // nothing; committed_ and the group offsets follow in FinishCommit.
  Status CommitPending() {
    RP_RETURN_IF_ERROR(FinishCommit());
    RP_RETURN_IF_ERROR(ReconcileWithTable());
    if (pending_.empty()) return Status::OK();
    in_flight_.emplace();
    in_flight_->records = pending_.TakeRecords();
    in_flight_->result = std::async(
        std::launch::async,
        [this, batch = &in_flight_->records, epoch = stats_->commits] { return Write(*batch, epoch); });
    return Status::OK();
  }

  // What the writer did with one batch.
  struct Written {
    bool lost = false;  // another writer committed first: nothing of ours went in
    std::string lost_reason;
    int64_t version = -1;
    size_t files = 0;
    int64_t file_bytes = 0;
    int64_t stored_rows = 0, stored_bytes = 0;    // the rows stored, their key and value bytes
    std::map<int32_t, int64_t> last_offset;       // per partition, in the batch
    std::map<std::string, int64_t> dead_reasons;  // dead-lettered records by reason
    std::optional<int64_t> dead_version;          // the dead-letter table's new version
    int64_t dead_rows = 0;
    Clock::time_point started;
  };

  // Waits for the batch in flight, if any, and takes over its outcome: the
  // positions, counts, metrics and group offsets. Runs on the polling thread.
  Status FinishCommit() {
    if (!in_flight_) return Status::OK();
    Result<Written> result = in_flight_->result.get();
    InFlight flight = std::move(*in_flight_);
    in_flight_.reset();
    if (!result.ok()) return result.status();
    // Its byte blocks serve the next batch's records (after the lost-commit
    // copy below, which still reads them).
    struct RecycleAtExit {
      PendingRecords* into;
      PendingRecords* used;
      ~RecycleAtExit() { into->Recycle(std::move(*used)); }
    } recycle{&pending_, &flight.records};
    Written& w = *result;
    if (w.dead_version) {
      stats_->dead_lettered += w.dead_rows;
      if (options_.metrics) options_.metrics->DeadLetterTableCommit();
      Log(LogLevel::kInfo, "sync", "dead-letter table version {}: {} records", *w.dead_version, w.dead_rows);
    }
    if (options_.metrics) {
      for (const auto& [reason, n] : w.dead_reasons) options_.metrics->RecordsDeadLettered(reason, n);
    }
    if (w.lost) {
      // Someone else committed these partitions meanwhile: our files stay
      // orphans. The batch goes back in front of what was polled since, and
      // the next commit starts after what the table holds (ReconcileWithTable).
      Log(LogLevel::kWarn, "sync", "commit lost to another writer, redoing: {}", w.lost_reason);
      PendingRecords merged;
      for (const auto* holder : {&flight.records, &pending_}) {
        for (const auto& r : *holder) merged.Add(holder->View(r, options_.topic));
      }
      pending_ = std::move(merged);
      return Status::OK();
    }
    std::map<kafka::TopicPartition, int64_t> next;
    for (const auto& [partition, offset] : w.last_offset) {
      // A partition revoked meanwhile is no longer ours to track.
      if (auto it = committed_.find(partition); it != committed_.end()) it->second = offset;
      next[{options_.topic, partition}] = offset + 1;
    }
    stats_->records += static_cast<int64_t>(flight.records.size());
    stats_->commits += 1;
    stats_->files += static_cast<int64_t>(w.files);
    if (options_.metrics) {
      options_.metrics->RecordsOut(w.stored_rows, w.stored_bytes);
      options_.metrics->DataTableCommit(w.version, static_cast<int64_t>(w.files), w.file_bytes,
                                        std::chrono::duration<double>(Clock::now() - w.started).count());
    }
    Log(LogLevel::kInfo, "sync", "version {}: {} records in {} files", w.version, flight.records.size(),
        w.files);
    if (compactor_) compactor_->Notify();
    // For lag monitoring only; the table's txn versions are the real positions.
    Status s = consumer_->Commit(next, /*async=*/true);
    if (!s.ok()) Log(LogLevel::kWarn, "sync", "committing group offsets: {}", s.message());
    return Status::OK();
  }

  // The writer thread's part: encodes one batch and commits it (and its dead
  // letters). Touches only the tables, which the polling thread leaves alone
  // while a batch is in flight.
  Result<Written> Write(const PendingRecords& batch_records, int64_t epoch) {
    Written w;
    w.started = Clock::now();
    RawBatchBuilder rows(settings_.layout, settings_.event_time, zone_);
    DeadLetterBatchBuilder dead(settings_.layout);
    std::map<int32_t, int64_t> last_dead_offset;
    // Each stored record is placed first, then the rows are appended grouped
    // by partition (groups in order of first appearance, records in batch
    // order within one): the files are those of the batch in its own order,
    // but WriteDataFiles slices each partition instead of gathering a copy.
    const auto records = batch_records.begin();  // records[i], i < batch_records.size()
    const size_t count = batch_records.size();
    std::vector<RawBatchBuilder::Placement> placed(count);
    std::vector<uint32_t> group_of(count);  // kDead: dead-lettered
    constexpr uint32_t kDead = UINT32_MAX;
    // Checking and placing the records (the event-time parse is the larger
    // part of building the rows) is shared with a helper thread, with a
    // reader of its own: this thread is the pipeline's slowest.
    std::vector<const char*> unstorable(count);
    auto place = [&](RawBatchBuilder* builder, size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const kafka::MessageView record = batch_records.View(records[i], options_.topic);
        unstorable[i] = builder->Unstorable(record);
        if (!unstorable[i]) placed[i] = builder->Place(record);
      }
    };
    if (count >= 4096) {
      RawBatchBuilder helper_rows(settings_.layout, settings_.event_time, zone_);
      std::thread helper(place, &helper_rows, count / 2, count);
      place(&rows, 0, count / 2);
      helper.join();
    } else {
      place(&rows, 0, count);
    }
    std::vector<uint32_t> group_size;
    std::unordered_map<int64_t, uint32_t> groups;  // partition values as one key -> group
    int64_t value_bytes = 0, key_bytes = 0, last_key = INT64_MIN;
    uint32_t last_group = 0;
    int32_t last_partition = 0;
    int64_t* last_offset = nullptr;
    for (size_t i = 0; i < count; ++i) {
      const PendingRecords::Record& r = records[i];
      if (const char* reason = unstorable[i]) {
        const kafka::MessageView record = batch_records.View(r, options_.topic);
        // Not storable in the table's layout: keep the whole record in the DLQ table.
        RP_RETURN_IF_ERROR(dead.Append(record, reason));
        last_dead_offset[r.partition] = r.offset;
        ++w.dead_reasons[reason];
        group_of[i] = kDead;
      } else {
        const RawBatchBuilder::Placement& p = placed[i];
        // Month, day and hour fit in 4, 5 and 5 bits; -1: no partition values.
        const int64_t key = p.when ? ((int64_t{p.year} * 16 + p.month) * 32 + p.day) * 32 + p.hour : -1;
        if (key != last_key || group_size.empty()) {
          auto [it, added] = groups.try_emplace(key, static_cast<uint32_t>(group_size.size()));
          if (added) group_size.push_back(0);
          last_key = key;
          last_group = it->second;
        }
        group_of[i] = last_group;
        ++group_size[last_group];
        ++w.stored_rows;
        w.stored_bytes += static_cast<int64_t>(r.key_size + r.value_size);
        value_bytes += static_cast<int64_t>(r.value_size);
        key_bytes += r.key_size;
      }
      if (r.partition != last_partition || !last_offset) {
        last_partition = r.partition;
        last_offset = &w.last_offset[r.partition];  // map entries stay put
      }
      *last_offset = r.offset;
    }
    std::vector<uint32_t> order(static_cast<size_t>(w.stored_rows));
    {
      std::vector<uint32_t> cursor(group_size.size(), 0);
      for (size_t g = 1; g < group_size.size(); ++g) cursor[g] = cursor[g - 1] + group_size[g - 1];
      for (size_t i = 0; i < count; ++i) {
        if (group_of[i] != kDead) order[cursor[group_of[i]]++] = static_cast<uint32_t>(i);
      }
    }
    RP_RETURN_IF_ERROR(rows.Reserve(w.stored_rows, value_bytes, key_bytes));
    for (const uint32_t i : order) {
      RP_RETURN_IF_ERROR(rows.Append(batch_records.View(records[i], options_.topic), placed[i]));
    }
    if (dead.rows() > 0) {
      RP_ASSIGN_OR_RETURN(w.dead_version, CommitDeadLetters(&dead, last_dead_offset));
      if (w.dead_version) w.dead_rows = dead.rows();
    }

    RP_ASSIGN_OR_RETURN(auto batch, rows.Finish());
    std::vector<delta::AddFile> adds;
    if (batch->num_rows() > 0) {
      RP_ASSIGN_OR_RETURN(adds, delta::WriteDataFiles(*table_->storage(), RawTablePartitionColumns(), *batch,
                                                      RawTableWriterOptions(settings_.layout)));
    }
    w.files = adds.size();
    for (const auto& add : adds) w.file_bytes += add.size;
    delta::Transaction txn = table_->NewTransaction();
    txn.AddFiles(std::move(adds));
    for (const auto& [partition, offset] : w.last_offset)
      txn.SetTxn(SyncAppId(job_id_, options_.topic, partition), offset);
    Result<int64_t> version =
        txn.Commit("STREAMING UPDATE",
                   {{"outputMode", "Append"}, {"queryId", job_id_}, {"epochId", std::to_string(epoch)}});
    if (!version.ok()) {
      if (!version.status().IsConflict()) return version.status();
      w.lost = true;
      w.lost_reason = version.status().message();
      return w;
    }
    w.version = *version;
    return w;
  }

  // The dead-letter table's new version, or nullopt when it holds these records already.
  Result<std::optional<int64_t>> CommitDeadLetters(DeadLetterBatchBuilder* dead,
                                                   const std::map<int32_t, int64_t>& last_dead_offset) {
    if (!dlq_table_) {
      RP_ASSIGN_OR_RETURN(
          dlq_table_, delta::Table::OpenOrCreate(dlq_path_, *DeadLetterTableSchema(settings_.layout), {},
                                                 {{kConfigSourceTopic, options_.topic}}, dlq_table_options_));
    }
    RP_ASSIGN_OR_RETURN(auto snapshot, dlq_table_->Refresh());
    RP_ASSIGN_OR_RETURN(auto batch, dead->Finish());
    // After a crash between this commit and the main one, the same records come
    // again: the DLQ table's own txn versions say they are stored already.
    bool all_stored = true;
    for (const auto& [partition, offset] : last_dead_offset) {
      auto v = snapshot->TxnVersion(SyncAppId(job_id_, options_.topic, partition));
      if (!v || *v < offset) all_stored = false;
    }
    if (all_stored) return std::optional<int64_t>();
    RP_ASSIGN_OR_RETURN(auto adds, delta::WriteDataFiles(*dlq_table_->storage(), {}, *batch));
    delta::Transaction txn = dlq_table_->NewTransaction();
    txn.AddFiles(std::move(adds));
    for (const auto& [partition, offset] : last_dead_offset)
      txn.SetTxn(SyncAppId(job_id_, options_.topic, partition), offset);
    RP_ASSIGN_OR_RETURN(int64_t version, txn.Commit("STREAMING UPDATE", {{"outputMode", "Append"}}));
    return std::optional<int64_t>(version);
  }

  const SyncJobOptions& options_;
  const std::atomic<bool>& stop_;
  SyncJobStats* stats_;
  std::string job_id_;
  std::string dlq_path_;
  delta::TableOptions table_options_, dlq_table_options_;  // storage options
  logic::TimeZone zone_ = logic::TimeZone::Utc();
  bool zone_missing_ = false;  // an existing table without a zone, and no --timezone
  RawTableSettings settings_;
  std::unique_ptr<delta::Table> table_;
  std::unique_ptr<delta::Table> dlq_table_;
  std::unique_ptr<Compactor> compactor_;
  std::vector<kafka::MessagePtr> polled_;  // the current Poll's messages, until copied
  kafka::MessageViewer viewer_;
  PendingRecords pending_;
  std::map<int32_t, int64_t> committed_;  // assigned partition -> last offset in the table (-1: none)
  // The batch the writer thread encodes and commits. Declared after the
  // tables it uses, so it is destroyed (and its thread joined) before them.
  struct InFlight {
    PendingRecords records;
    std::future<Result<Written>> result;
  };
  std::optional<InFlight> in_flight_;
  Status callback_status_;  // a failure inside a rebalance callback, for the poll loop
  ConsumerMetrics consumer_metrics_{options_.metrics};
  // Last: destroyed first. Closing it can still run the rebalance callbacks,
  // which use the members above.
  std::unique_ptr<kafka::GroupConsumer> consumer_;
};

}  // namespace

Status RunSyncJob(const SyncJobOptions& options, const std::atomic<bool>& stop, SyncJobStats* stats) {
  SyncJobStats local;
  SyncRunner runner(options, stop, stats ? stats : &local);
  return runner.Run();
}

}  // namespace rp::jobs
