// The `sync` job: every raw record of the input topic, with its partition and
// offset, appended to the raw Delta table (raw_table.h), exactly once.
//
// Exactly-once comes from the table, not from Kafka: each commit carries one
// txn action per Kafka partition (appId from the job id and partition,
// version = last offset covered), and every (re)assignment resumes from those
// versions. Group offsets are committed after each Delta commit, only so lag
// can be monitored.
//
// A table that holds rows but no txn of this job for the topic was filled by
// another writer (the seed's Spark job, a sync with another --job-id): it is
// refused, since resuming from the earliest offset would copy every record
// again, unless `adopt` is set, which resumes each partition after the
// highest offset the table holds for it (table_adoption.h has the exact rule).
// A table whose reprocessor.sourceTopic is another topic is always refused.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "delta/storage.h"
#include "kafka/client_config.h"
#include "metrics/job_metrics.h"

namespace rp::jobs {

struct SyncJobOptions {
  kafka::ClientConfig kafka;
  std::string topic = "visits";
  std::string table_path;
  std::string group_id = "reprocessor-sync";
  std::string job_id;  // txn appId prefix; empty: the group id
  // Empty: the table's, else the machine's (a new table records it; an
  // existing table without a zone gets a warning line naming it).
  std::optional<std::string> timezone;
  bool adopt = false;          // adopt a table another writer filled (see above)
  std::string dlq_table_path;  // empty: DefaultDeadLetterTablePath(table_path)
  // Opening the table (and the dead-letter table, unless that one is local):
  // s3:// credentials, endpoint, retries (delta/s3_storage.h).
  delta::StorageOptions storage;
  // A new table's layout and event-time rule; an existing table keeps its own
  // and a different explicit choice is refused (InvalidArgument).
  std::optional<std::string> layout;               // "kafka" (the default) or "seed"
  std::optional<std::string> event_time;           // "json:/event_time" (the default) or "kafka"
  std::optional<std::string> event_time_fallback;  // "kafka" or "none" (the default)
  // Delta properties for a new table, over the raw table's defaults
  // (kRawTableUpkeepDefaults); an existing table's differing value is refused.
  std::map<std::string, std::string> table_properties;
  // A batch is committed when it holds this many records, or this long after
  // its first record arrived: sub-second freshness at low volume, large files
  // at high volume.
  size_t max_batch_records = 100000;
  // Or once its records hold this many key, value and header bytes: memory
  // stays bounded whatever the record size. A batch is held twice (one
  // written while the next is polled) and its rows once more as Arrow
  // columns: ~640 bytes of memory per 120-byte record. 100k seed-shaped
  // records hold ~12 MB, so they reach the record count first; 4 MiB keeps
  // sync near 100 MB but costs ~20% of its throughput in commits
  // (BENCHMARKS.md, "sync").
  size_t max_batch_bytes = 16 << 20;
  std::chrono::milliseconds max_batch_wait{500};
  std::chrono::milliseconds broker_timeout{std::chrono::minutes(5)};
  // Auto-compaction (jobs/compactor.h): a partition's small files are
  // rewritten once it holds `compact_min_files` of them.
  bool auto_compact = true;
  int compact_min_files = 10;
  int64_t compact_target_file_size = 16LL << 20;  // bounds the memory of a run too
  std::chrono::milliseconds compact_interval{std::chrono::seconds(10)};
  // --metrics-address: counts, commits, lag and health go here (must outlive the job).
  metrics::JobMetrics* metrics = nullptr;
};

struct SyncJobStats {
  int64_t records = 0, dead_lettered = 0, commits = 0, files = 0;
  int64_t compactions = 0;  // compaction commits
};

// Runs until `stop` (then commits what it holds and returns OK) or an error.
Status RunSyncJob(const SyncJobOptions& options, const std::atomic<bool>& stop, SyncJobStats* stats);

}  // namespace rp::jobs
