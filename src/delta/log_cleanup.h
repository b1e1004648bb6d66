// Metadata cleanup: deleting the commits, checksums and checkpoints in
// _delta_log that no version inside the log retention needs (PROTOCOL.md
// "Metadata Cleanup"; delta-spark MetadataCleanup.cleanUpExpiredLogs).
//
// The rule, as the protocol states it:
//   1. cutoff = now - delta.logRetentionDuration, truncated to midnight UTC
//      (the protocol's "midnight UTC of that day"; delta-spark truncates to
//      the day too, so history is kept up to a day longer than asked).
//   2. The cutoff commit is the newest commit not newer than the cutoff (a
//      commit exactly at the cutoff qualifies). A commit's time is its
//      file's modification time, made monotonic as delta-spark's
//      BufferingLogDeletionIterator does: a commit whose time is not after
//      its predecessor's counts as one millisecond after it, so a clock
//      that went backwards cannot pull younger commits under the cutoff.
//      (We thread only commits through that adjustment; delta-spark threads
//      checksums and checkpoints too, which can only delay its cleanup.)
//   3. The cutoff checkpoint is the newest checkpoint at or below the cutoff
//      commit. Every version from it on stays reconstructable: it, its
//      commit and everything newer are kept. No such checkpoint: nothing is
//      deleted.
//   4. Deleted: commits (N.json), checksums (N.crc) and checkpoints (classic
//      and multi-part) of versions below the cutoff checkpoint, and log
//      compaction files (S.E.compacted.json) starting at or below it.
//
// Our one relaxation: a table with reprocessor.exactLogRetention=true (raw
// tables) cuts at now - retention exactly. Step 1's rounding only keeps more
// history than the retention asks; every version newer than the cutoff stays
// reconstructable either way.
//
// Our further limits, each on the safe side:
//   - Only a classic single-file checkpoint (the kind we read) can be the
//     cutoff checkpoint, it must be non-empty (delta-spark: getLen > 0), and
//     it must not be newer than the one _last_checkpoint names, so the hint
//     never points at a deleted file. No readable _last_checkpoint: nothing
//     is deleted (delta-spark and delta-rs do the same).
//   - _staged_commits/ (catalog-managed tables, which we refuse), _sidecars/
//     (v2 checkpoints, refused too), UUID-named checkpoints, dot files and
//     any name we do not know are never touched.
//   - In-commit timestamps are not consulted: we refuse the inCommitTimestamp
//     writer feature, so file times are the commit times.
//
// Deleting oldest version first, a cleanup killed midway leaves a log that is
// still valid: everything from the cutoff checkpoint on is never touched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/log_store.h"
#include "delta/snapshot.h"

namespace rp::delta {

struct LogCleanupPlan {
  int64_t cutoff_ms = 0;                     // midnight UTC at or before now - retention (or exactly it)
  std::optional<int64_t> cutoff_commit;      // newest commit not newer than cutoff_ms
  std::optional<int64_t> cutoff_checkpoint;  // the oldest version left reconstructable
  std::vector<std::string> files;            // _delta_log names to delete, oldest version first
};

// Decides what cleanup would delete with `retention_ms` at `now_ms`, deleting
// nothing. `exact`: the cutoff is now - retention itself, not the midnight
// before it (reprocessor.exactLogRetention; every other step is the same).
// NotFound if there is no _delta_log.
Result<LogCleanupPlan> PlanLogCleanup(const LogStore& store, int64_t retention_ms, int64_t now_ms,
                                      bool exact = false);

struct LogCleanupResult {
  bool enabled = true;  // false: delta.enableExpiredLogCleanup=false, nothing looked at
  LogCleanupPlan plan;
  int64_t files_deleted = 0;  // files of the plan that existed and are gone
};

// Runs cleanup for the table whose latest state is `snapshot`: honours
// delta.enableExpiredLogCleanup and delta.logRetentionDuration (default 30
// days) and refuses (Unsupported) a protocol we may not write, since cleanup
// is a writer's job. InvalidArgument naming the property if one of those
// properties does not parse; IOError if a deletion fails (files deleted
// before it stay deleted, which is safe).
Result<LogCleanupResult> CleanUpExpiredLogs(const LogStore& store, const Snapshot& snapshot, int64_t now_ms);

}  // namespace rp::delta
