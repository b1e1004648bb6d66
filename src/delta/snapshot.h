// The state of a table at one version (PROTOCOL.md "Action Reconciliation"):
// the latest protocol and metaData, the live files keyed by path, the remove
// tombstones, and the latest txn version per appId.
#pragma once

#include <arrow/type_fwd.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "delta/action_json.h"
#include "delta/actions.h"

namespace rp::delta {

class LogStore;

// How much of the state a load keeps.
struct LoadOptions {
  // Tombstones are what a writer needs (conflict checks, the next checkpoint,
  // vacuum); a reader never does. On a busy table they are most of the
  // checkpoint (every file removed within delta.deletedFileRetentionDuration:
  // ~22k beside ~220 live files after a day of sync with auto-compaction), so
  // a reader that skips them opens it several times faster.
  bool tombstones = true;
};

class Snapshot {
 public:
  // Ordered by path, so iteration order is stable across loads.
  using FileMap = std::map<std::string, AddFile, std::less<>>;
  using TombstoneMap = std::map<std::string, RemoveFile, std::less<>>;
  using TxnMap = std::map<std::string, Txn, std::less<>>;

  Snapshot() = default;  // an empty state before version 0 (version() == -1)
  explicit Snapshot(LoadOptions options) : keeps_tombstones_(options.tombstones) {}

  int64_t version() const { return version_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  // The table schema as Arrow (see schema.h); null until metaData is seen.
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  const std::vector<std::string>& partition_columns() const { return metadata_.partition_columns; }

  // Live files, by path.
  const FileMap& files() const { return files_; }
  // Removed files kept for VACUUM; never part of a read. Keyed by logical
  // file (LogicalFileKey, deletion_vector.h): the path, plus the DV's id for
  // a file removed with a deletion vector.
  const TombstoneMap& tombstones() const { return tombstones_; }
  // False for a reader's snapshot (LoadOptions::tombstones): tombstones() is
  // then empty whatever the log says, and nothing may be written from it.
  bool keeps_tombstones() const { return keeps_tombstones_; }
  // Latest txn per appId.
  const TxnMap& txns() const { return txns_; }
  // The latest version recorded for `app_id`, or nullopt if it never committed.
  std::optional<int64_t> TxnVersion(std::string_view app_id) const;

  int64_t num_files() const { return static_cast<int64_t>(files_.size()); }
  int64_t table_size_bytes() const { return table_size_bytes_; }

  // delta.checkpointInterval (default 10; invalid values fall back to it).
  int64_t checkpoint_interval() const;
  // Whether the table asks writers to keep it append-only (delta.appendOnly).
  bool append_only() const;

  // --- Building (used by the log readers and the committer). ---

  // Applies the actions of commit `version`, which must be version() + 1.
  // Within a commit, removes apply before adds.
  Status Apply(int64_t version, const LogActions& actions);
  // Replaces the empty state with a checkpoint's reconciled actions.
  Status ApplyCheckpoint(int64_t version, const LogActions& actions);
  // Forgets the tombstones deleted before `cutoff_ms` (those without a
  // deletionTimestamp are kept), as a checkpoint written now would; returns
  // how many. Without it a long-lived handle holds every remove it ever saw,
  // and every copy of its snapshot copies them all.
  int64_t ExpireTombstones(int64_t cutoff_ms);
  // A complete, readable state: protocol and metaData present, schema
  // convertible, and the protocol one we can read (protocol_check.h).
  Status Validate() const;

 private:
  void ApplyActions(const LogActions& actions);

  int64_t version_ = -1;
  bool keeps_tombstones_ = true;
  bool has_protocol_ = false;
  bool has_metadata_ = false;
  Protocol protocol_;
  Metadata metadata_;
  std::shared_ptr<arrow::Schema> schema_;
  Status schema_status_;
  FileMap files_;
  TombstoneMap tombstones_;
  TxnMap txns_;
  int64_t table_size_bytes_ = 0;
};

// Loads the snapshot at `version` (latest if nullopt): follows _last_checkpoint
// when it is valid (else lists the log) to the newest classic checkpoint at
// or below the target, then replays the later JSON commits, which must be
// contiguous. NotFound if there is no table or no such version; Corruption
// naming the file for a bad commit/checkpoint or a gap; Unsupported for a
// protocol we cannot read.
Result<std::shared_ptr<Snapshot>> LoadSnapshot(const LogStore& store,
                                               std::optional<int64_t> version = std::nullopt,
                                               LoadOptions options = {});

// Applies to `snapshot` every commit written after it (probing version+1,
// version+2, … until one is missing). Returns how many were applied.
Result<int64_t> UpdateSnapshot(const LogStore& store, Snapshot* snapshot);

}  // namespace rp::delta
