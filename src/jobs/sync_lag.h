// How far a `sync` job's table is behind its topic, per Kafka partition: the
// topic's end offset, the last offset the table holds (the job's txn version
// for the partition, which is where sync resumes: sync_job.h), the records in
// between, and when the table last took records of that partition (the txn's
// lastUpdated). `reprocessor lag` prints it. It reads the table's log and
// asks the partition leaders for their watermarks, nothing more: no group is
// joined, so it can run beside the job at any time, and it measures what the
// table holds, not what a consumer has fetched.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/snapshot.h"
#include "delta/storage.h"
#include "kafka/client_config.h"
#include "kafka/topic_offsets.h"

namespace rp::jobs {

struct PartitionLag {
  int32_t partition = 0;
  int64_t end_offset = 0;                   // the topic's high watermark
  std::optional<int64_t> committed_offset;  // the last offset in the table; none before its first commit
  // Records the table does not hold yet: from its next offset (or, if
  // retention deleted that one, the first offset still in the topic) to the
  // end. Never negative.
  int64_t lag = 0;
  std::optional<int64_t> last_commit_ms;  // ms since the epoch, of the commit that set committed_offset
};

struct SyncLag {
  std::string topic;
  std::string job_id;
  int64_t table_version = -1;
  std::vector<PartitionLag> partitions;  // every partition of the topic, by number
  int64_t total_lag = 0;
};

// The arithmetic, from a table state and the topic's watermarks.
SyncLag ComputeSyncLag(const delta::Snapshot& snapshot, const std::string& job_id, const std::string& topic,
                       const std::map<int32_t, kafka::Watermarks>& watermarks);

struct SyncLagOptions {
  kafka::ClientConfig kafka;
  std::string table_path;
  delta::StorageOptions storage;
  // Empty: the table's source topic (reprocessor.sourceTopic), else "visits".
  std::string topic;
  std::string job_id;  // the sync job's --job-id (its group id by default)
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

// InvalidArgument when there is no table, when --topic contradicts the
// table's source topic, or when the table holds other jobs' positions for the
// topic but none of `job_id` (a forgotten --job-id would report everything as
// lag); NotFound when the topic does not exist.
Result<SyncLag> MeasureSyncLag(const SyncLagOptions& options);

}  // namespace rp::jobs
