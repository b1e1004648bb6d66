// VACUUM: deletes the data files under a table's root that its current
// version no longer needs and that are older than the retention (PROTOCOL.md
// "Data Files"; delta-spark VacuumCommand.gc, delta-rs VacuumMode::Full).
//
// A file under the root goes only if all of these hold:
//   - no live add of the snapshot references it, as its data file or as
//     the file of its deletion vector (deletion_vector.h);
//   - no remove (tombstone) of the snapshot references it (either way) with a
//     deletionTimestamp at or after now - retention (a tombstone without a
//     timestamp counts as 0, i.e. expired, as in delta-spark);
//   - its modification time is before now - retention;
//   - its modification time is before now - kVacuumInFlightGuardMs, whatever
//     the retention: `sync` and `optimize` write data files seconds before
//     they commit them, and a file not yet committed looks exactly like an
//     orphan. (Our rule; Delta relies on the retention alone.)
//   - it is a regular file (symbolic links are neither followed nor deleted)
//     and neither it nor a directory above it is hidden: a name starting with
//     '.' or '_' is hidden, except partition directories ("<column>=…", for
//     a partition column that itself starts with '_') and delta-spark's
//     _change_data and _delta_index. So _delta_log is never entered: vacuum
//     deletes data files only, never log files.
//
// Paths in the log are URI-encoded and relative to the root (or absolute
// file: URIs); they are decoded before being compared with what is on disk.
// Absolute paths outside the root, and paths on other file systems, are never
// touched; a path that cannot be decoded at all fails the vacuum rather than
// risk deleting what it names.
//
// Retention is delta.deletedFileRetentionDuration (default 7 days) unless the
// caller gives one; a shorter one than the table's is refused unless forced,
// as delta-spark's retentionDurationCheck and delta-rs's
// enforce_retention_duration do.
//
// Directories are left in place, even when vacuum empties them: removing one
// could race with a writer that has just found it and is about to create a
// file in it. Nothing is written to the log (no VACUUM START/END commits).
// A vacuum killed midway has simply deleted fewer files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/snapshot.h"
#include "delta/storage.h"

namespace rp::delta {

// Files modified this recently are never deleted (see above).
inline constexpr int64_t kVacuumInFlightGuardMs = 3600LL * 1000;

struct VacuumOptions {
  // Milliseconds since the epoch: "now" for every age comparison.
  int64_t now_ms = 0;
  // Unset: the table's delta.deletedFileRetentionDuration.
  std::optional<int64_t> retention_ms;
  // Accept a retention shorter than the table's.
  bool force = false;
  // Decide and report, delete nothing.
  bool dry_run = false;
};

struct VacuumedFile {
  std::string path;  // relative to the table root, decoded (as on disk)
  int64_t size = 0;
  int64_t modification_time_ms = 0;
};

struct VacuumResult {
  int64_t version = -1;          // the snapshot's version
  int64_t retention_ms = 0;      // the retention applied
  int64_t delete_before_ms = 0;  // only files modified before this could go
  bool dry_run = false;
  // The files deleted (with dry_run: that would be), ordered by path. A file
  // that vanished before vacuum could delete it is not listed.
  std::vector<VacuumedFile> files;
  int64_t bytes = 0;  // their total size
};

// Vacuums the table whose files `storage` holds (Table::storage()) and whose
// latest state is `snapshot`.
// Errors: InvalidArgument for a retention below the table's without `force`,
// a negative one, or an unparsable delta.deletedFileRetentionDuration;
// Unsupported for a protocol we may not write (vacuum is a writer operation:
// PROTOCOL.md "VACUUM Protocol Check"); Corruption for a log path that cannot
// be decoded; IOError naming the file when listing or deleting fails (what
// was deleted before stays deleted).
Result<VacuumResult> Vacuum(const Storage& storage, const Snapshot& snapshot, const VacuumOptions& options);

}  // namespace rp::delta
