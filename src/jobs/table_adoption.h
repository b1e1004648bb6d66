// Whose raw table is it, for one sync job, and adopting a table another
// writer filled.
//
// `sync` resumes each Kafka partition after the txn version its job recorded
// (app id SyncAppId(job, topic, partition)). A table filled by another writer
// (the seed's Spark job, or our sync under another --job-id) holds rows but
// none of those versions, and resuming "from the earliest offset" would copy
// every record again. So, for sync job J on topic T, a table is
//
//   ours     if it holds a txn of J for T, for any partition. Resume from
//            those; a partition without one starts at the earliest offset (J
//            never committed it, so the table holds none of its rows).
//   new      if it holds no txn of J for T and no live files: nothing can be
//            duplicated; every partition starts at the earliest offset.
//   foreign  if it holds no txn of J for T but live files (whoever wrote
//            them, txns of other jobs or none): refused unless adopted.
//
// The check is per table, not per partition: rows another writer appends to a
// table J already owns are not looked for. A table whose
// reprocessor.sourceTopic names another topic is refused before any of this
// (sync_job.cc): its offsets are not T's.
//
// Adopting finds, per Kafka partition, the highest offset among the table's
// live rows (rows of T only, in the kafka layout, which stores the topic):
// from a file's statistics when they are exact, i.e. the file holds one
// partition (min = max, no nulls), else from its (partition, offset) columns.
// One commit then records a txn of J per partition found, and nothing else;
// from then on the table is J's. Until that commit the table is unchanged, so
// a crash before it re-adopts the same offsets, and one after it resumes from
// the txns.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/snapshot.h"
#include "delta/storage.h"
#include "delta/table.h"
#include "jobs/raw_table.h"

namespace rp::jobs {

enum class TableOwnership { kOurs, kNew, kForeign };

TableOwnership ClassifyRawTable(const delta::Snapshot& snapshot, const std::string& job_id,
                                const std::string& topic);

// The job ids whose sync txns for `topic` the table holds (app ids
// "<job>-<topic>-<partition>"), sorted.
std::vector<std::string> SyncJobsInTable(const delta::Snapshot& snapshot, const std::string& topic);

// The one-line refusal of a foreign table (InvalidArgument): what it holds,
// why syncing it would duplicate, and the flags that would not.
Status ForeignTableError(const delta::Snapshot& snapshot, const std::string& table_path,
                         const std::string& job_id, const std::string& topic);

struct MaxOffsets {
  std::map<int32_t, int64_t> by_partition;  // Kafka partition -> highest offset in the table
  int64_t files_from_stats = 0;             // files whose statistics sufficed
  int64_t files_read = 0;                   // files whose columns were read
};

// The highest offset per Kafka partition among a snapshot's live rows. Keeps
// what it learnt per file, so a later snapshot of the same table only costs
// its new files.
class MaxOffsetFinder {
 public:
  MaxOffsetFinder(std::shared_ptr<const delta::Storage> storage, RawLayout layout, std::string topic);
  Result<MaxOffsets> Find(const delta::Snapshot& snapshot);

 private:
  // nullopt when the file's stats do not say exactly.
  std::optional<std::map<int32_t, int64_t>> FromStats(const delta::AddFile& add) const;
  Result<std::map<int32_t, int64_t>> FromData(const delta::Snapshot& snapshot,
                                              const delta::AddFile& add) const;

  std::shared_ptr<const delta::Storage> storage_;
  RawLayout layout_;
  std::string topic_;
  std::map<std::string, std::map<int32_t, int64_t>, std::less<>> per_file_;
};

struct Adoption {
  std::map<int32_t, int64_t> last_offsets;  // the txn versions recorded, by partition
  int64_t version = -1;                     // the commit that recorded them; -1: no rows, nothing recorded
  int64_t files_from_stats = 0, files_read = 0;
};

// Adopts a foreign table for job `job_id` (see above), then refreshes
// `table`. The txns are committed only at the version after the snapshot
// counted: if another writer commits first, the count is made again with its
// files. Conflict, with nothing recorded, if that keeps happening, or if
// another instance of the job adopted first (its positions then stand).
Result<Adoption> AdoptRawTable(delta::Table* table, RawLayout layout, const std::string& job_id,
                               const std::string& topic);

}  // namespace rp::jobs
