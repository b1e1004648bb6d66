// A transaction: new files, removed files and txn (appId, version) markers,
// committed atomically as the next N.json with optimistic concurrency. Without
// removes it is a blind append; with them (compaction), a concurrent commit
// that removed one of the same files is a conflict.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"

namespace rp::delta {

class Table;

class Transaction {
 public:
  // The table version this transaction read (its commitInfo.readVersion).
  int64_t read_version() const { return read_version_; }

  Transaction& AddFile(delta::AddFile add);
  Transaction& AddFiles(std::vector<delta::AddFile> adds);
  // Removes files the read snapshot holds (its live adds), e.g. those a
  // compaction rewrote: the tombstones carry `data_change`, the partition
  // values and sizes, and the commit time as deletionTimestamp.
  // InvalidArgument at Commit if a path is not live in the read snapshot.
  Transaction& RemoveFiles(const std::vector<delta::AddFile>& files, bool data_change);
  // Records that application `app_id` has committed up to `version`
  // (exactly-once support). One txn per appId: a later call replaces it.
  Transaction& SetTxn(std::string app_id, int64_t version);

  // Publishes the actions as the next commit and returns its version.
  //
  // Writes N.json put-if-absent. If another writer took N, its commit is
  // read: if it changed protocol or metaData, wrote a txn for one of our
  // appIds, or removed a file we remove, Commit fails with Conflict naming
  // the file and the reason (for a txn: the appId and its version — our data
  // may already be there);
  // otherwise the same actions are retried at N+1, up to
  // TableOptions::max_commit_attempts attempts (then Conflict too).
  // `parameters` become commitInfo.operationParameters (as JSON strings, as
  // Spark writes them). After success the Table's snapshot includes the
  // commit, and N.crc / a checkpoint are written (their failure is reported,
  // not returned). A transaction commits at most once.
  Result<int64_t> Commit(std::string operation, const std::map<std::string, std::string>& parameters = {});

 private:
  friend class Table;
  Transaction(Table* table, int64_t read_version) : table_(table), read_version_(read_version) {}

  Table* table_;
  int64_t read_version_;
  std::vector<delta::AddFile> adds_;
  std::vector<delta::RemoveFile> removes_;
  std::map<std::string, int64_t> txns_;
  bool committed_ = false;
};

}  // namespace rp::delta
