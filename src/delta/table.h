// A Delta table: create/open, snapshots, and the transactions that append to
// it. The table lives wherever its location says (a path or URI; see
// OpenStorage in storage.h), and every read and write goes through that storage.
//
//   RP_ASSIGN_OR_RETURN(auto table, Table::OpenOrCreate(path, schema, {"year"}, {{"reprocessor.timeZone",
//   "UTC"}})); if (table->snapshot()->TxnVersion("sync-0") >= last_offset) return;  // already committed
//   Transaction txn = table->NewTransaction();
//   txn.AddFiles(std::move(files));
//   txn.SetTxn("sync-0", last_offset);
//   RP_ASSIGN_OR_RETURN(int64_t version, txn.Commit("STREAMING UPDATE", {{"outputMode", "Append"}}));
//
// A Table keeps the latest snapshot in memory and advances it with the commits
// it writes or reads, so committing never re-reads the whole log. It is
// thread-compatible (synchronize calls on one Table externally); snapshots it
// hands out are immutable and may be shared freely.
#pragma once

#include <arrow/type_fwd.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "delta/log_store.h"
#include "delta/snapshot.h"
#include "delta/transaction.h"

namespace rp::delta {

struct TableOptions {
  // Put-if-absent attempts per commit (the first try plus retries after
  // losing a race to another writer) before Commit gives up.
  int max_commit_attempts = 50;
  // After each commit: write N.crc, and a checkpoint every
  // delta.checkpointInterval commits. Failures there never fail the commit.
  bool write_checksums = true;
  bool write_checkpoints = true;
  // After writing a checkpoint: metadata cleanup (log_cleanup.h), deleting
  // log files older than delta.logRetentionDuration that no retained version
  // needs, unless the table sets delta.enableExpiredLogCleanup=false. Off for
  // tests and benchmarks that count log files.
  bool clean_up_expired_logs = true;
  // commitInfo.engineInfo
  std::string engine_info = "stream-reprocessor";
  // Passed to OpenStorage with the table's location.
  StorageOptions storage;
  // A handle that only reads: its snapshots skip the tombstones, which are
  // most of a busy table's checkpoint (LoadOptions), and Commit refuses.
  bool read_only = false;
  // Milliseconds since the epoch; the system clock when unset (tests inject).
  std::function<int64_t()> clock;
  // Called when post-commit work (checksum, checkpoint, cleanup) fails; the default
  // writes one line to stderr.
  std::function<void(const Status&)> on_maintenance_error;
};

class Table {
 public:
  // Opens an existing table at its latest version. `path` is the table's
  // location: a path or a URI (OpenStorage). NotFound if it holds no Delta
  // table; Unsupported if its protocol asks for what we cannot read.
  static Result<std::unique_ptr<Table>> Open(std::string path, TableOptions options = {});

  // Creates a table: _delta_log/, an empty _delta_log/_staged_commits/ (as
  // Spark does), and commit 0 with commitInfo, protocol (reader 1, writer 2;
  // 3/7 with timestampNtz when the schema has a timestamp_ntz column) and
  // metaData (new uuid, parquet, the schema, partition columns, createdTime,
  // `configuration` plus delta.appendOnly=true unless set). InvalidArgument
  // if a table already exists there or the arguments are inconsistent.
  static Result<std::unique_ptr<Table>> Create(std::string path, const arrow::Schema& schema,
                                               std::vector<std::string> partition_columns,
                                               std::map<std::string, std::string> configuration,
                                               TableOptions options = {});

  // Open() if a table exists (InvalidArgument unless its schema and partition
  // columns equal the requested ones), else Create(). Safe against a
  // concurrent creator: whoever loses the race to commit 0 opens.
  static Result<std::unique_ptr<Table>> OpenOrCreate(std::string path, const arrow::Schema& schema,
                                                     std::vector<std::string> partition_columns,
                                                     std::map<std::string, std::string> configuration,
                                                     TableOptions options = {});

  const std::string& path() const { return store_.table_root(); }
  const LogStore& log_store() const { return store_; }
  // Where the table's files are: for WriteDataFiles, Scan, Vacuum.
  const std::shared_ptr<const Storage>& storage() const { return store_.storage(); }
  const TableOptions& options() const { return options_; }

  // The latest state this handle knows, without I/O.
  std::shared_ptr<const Snapshot> snapshot() const { return latest_; }
  // Reads the commits other writers made since, and returns the latest state.
  Result<std::shared_ptr<const Snapshot>> Refresh();
  // The state at `version`; the latest (after Refresh) when nullopt. Older
  // versions are loaded from the log (checkpoint + commits).
  Result<std::shared_ptr<const Snapshot>> GetSnapshot(std::optional<int64_t> version = std::nullopt);

  // A blind-append transaction reading the current snapshot. The Table must
  // outlive it.
  Transaction NewTransaction();

 private:
  friend class Transaction;

  Table(LogStore store, TableOptions options, std::shared_ptr<Snapshot> latest);
  int64_t Now() const;
  // The latest snapshot, copied first if someone else still holds it.
  Snapshot* MutableLatest();
  // N.crc and, at checkpoint versions, the checkpoint and then metadata
  // cleanup; failures are reported through options_.on_maintenance_error,
  // never returned.
  void AfterCommit(const std::optional<std::string>& txn_id);
  // Every delta.checkpointInterval versions: drops the in-memory tombstones a
  // checkpoint would drop (Snapshot::ExpireTombstones), so a handle that runs
  // for days holds what its checkpoints hold, not every remove since it opened.
  void ExpireTombstonesIfDue();

  LogStore store_;
  TableOptions options_;
  std::shared_ptr<Snapshot> latest_;
  int64_t tombstones_expired_at_ = -1;  // the version of the last ExpireTombstonesIfDue pass
};

}  // namespace rp::delta
