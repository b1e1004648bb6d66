#include "delta/transaction.h"

#include <simdjson.h>

#include <set>
#include <string_view>

#include "common/json_string.h"
#include "common/log.h"
#include "common/uuid.h"
#include "delta/action_json.h"
#include "delta/json_writer.h"
#include "delta/log_paths.h"
#include "delta/protocol_check.h"
#include "delta/table.h"

namespace rp::delta {
namespace {

// Every add must carry exactly the table's partition columns.
Status ValidateAdds(const std::vector<AddFile>& adds, const Snapshot& snap) {
  const auto& columns = snap.partition_columns();
  for (const auto& a : adds) {
    if (a.path.empty()) return Status::InvalidArgument("an add action has an empty path");
    if (a.size < 0) return Status::InvalidArgument("add " + a.path + " has a negative size");
    bool ok = a.partition_values.size() == columns.size();
    for (const auto& c : columns) ok = ok && a.partition_values.count(c) > 0;
    if (!ok) {
      std::string want;
      for (const auto& c : columns) want += (want.empty() ? "" : ",") + c;
      return Status::InvalidArgument("add " + a.path + " must have partition values for exactly [" + want +
                                     "]");
    }
  }
  return Status::OK();
}

// Sum of stats.numRecords, or nullopt when any add lacks it.
std::optional<int64_t> TotalRecords(const std::vector<AddFile>& adds) {
  simdjson::dom::parser parser;
  int64_t total = 0;
  for (const auto& a : adds) {
    if (!a.stats) return std::nullopt;
    simdjson::dom::element doc;
    int64_t n;
    if (parser.parse(*a.stats).get(doc) != simdjson::SUCCESS ||
        doc["numRecords"].get_int64().get(n) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    total += n;
  }
  return total;
}

// Why a concurrent commit `winner` forbids ours, or OK if we can retry after it.
Status CheckConflict(const LogActions& winner, const std::string& file,
                     const std::map<std::string, int64_t>& ours, const std::vector<RemoveFile>& our_removes) {
  if (winner.protocol) return Status::Conflict("concurrent commit " + file + " changed the table protocol");
  if (winner.metadata) return Status::Conflict("concurrent commit " + file + " changed the table metadata");
  if (!our_removes.empty() && !winner.removes.empty()) {
    std::set<std::string_view> removed;
    for (const auto& r : winner.removes) removed.insert(r.path);
    for (const auto& r : our_removes) {
      if (removed.count(r.path)) {
        return Status::Conflict("concurrent commit " + file + " removed " + r.path +
                                ", which this commit removes too");
      }
    }
  }
  for (const auto& t : winner.txns) {
    if (ours.count(t.app_id)) {
      return Status::Conflict("concurrent commit " + file + " wrote txn for appId '" + t.app_id +
                              "' (version " + std::to_string(t.version) + "); ours was version " +
                              std::to_string(ours.at(t.app_id)));
    }
  }
  return Status::OK();
}

}  // namespace

Transaction& Transaction::AddFile(delta::AddFile add) {
  adds_.push_back(std::move(add));
  return *this;
}

Transaction& Transaction::AddFiles(std::vector<delta::AddFile> adds) {
  if (adds_.empty()) {
    adds_ = std::move(adds);
  } else {
    for (auto& a : adds) adds_.push_back(std::move(a));
  }
  return *this;
}

Transaction& Transaction::RemoveFiles(const std::vector<delta::AddFile>& files, bool data_change) {
  for (const auto& f : files) {
    RemoveFile r;
    r.path = f.path;
    r.data_change = data_change;
    r.extended_file_metadata = true;
    r.partition_values = f.partition_values;
    r.size = f.size;
    // The logical file removed is (path, DV): without its DV the remove
    // would name another one and leave the DV's tombstone unrecorded.
    r.deletion_vector = f.deletion_vector;
    removes_.push_back(std::move(r));
  }
  return *this;
}

Transaction& Transaction::SetTxn(std::string app_id, int64_t version) {
  txns_[std::move(app_id)] = version;
  return *this;
}

Result<int64_t> Transaction::Commit(std::string operation,
                                    const std::map<std::string, std::string>& parameters) {
  if (committed_) return Status::InvalidArgument("this transaction has already committed");
  Table& table = *table_;
  const LogStore& store = table.store_;
  {
    const Snapshot& snap = *table.latest_;
    if (!snap.keeps_tombstones()) {
      // Its conflict checks and the checkpoints after it need them.
      return Status::InvalidArgument("table " + table.path() + " was opened for reading only");
    }
    RP_RETURN_IF_ERROR(CheckWriteSupported(snap.protocol(), snap.metadata()));
    RP_RETURN_IF_ERROR(ValidateAdds(adds_, snap));
    for (const auto& r : removes_) {
      if (r.data_change && snap.append_only()) {
        return Status::InvalidArgument("remove " + r.path +
                                       ": the table is append-only (delta.appendOnly=true); only a rewrite "
                                       "that changes no data (dataChange=false) may remove files");
      }
      if (snap.files().count(r.path)) continue;
      if (snap.tombstones().count(r.path)) {
        return Status::Conflict("remove " + r.path + ": a concurrent commit removed it already (version " +
                                std::to_string(snap.version()) + ")");
      }
      return Status::InvalidArgument("remove " + r.path + ": not a file of the table");
    }
  }
  for (const auto& [app_id, version] : txns_) {
    if (app_id.empty()) return Status::InvalidArgument("txn appId must not be empty");
  }

  const int64_t now = table.Now();
  LogActions actions;
  actions.adds = std::move(adds_);
  adds_.clear();
  for (auto& r : removes_) r.deletion_timestamp = now;
  actions.removes = removes_;
  for (const auto& [app_id, version] : txns_) actions.txns.push_back(Txn{app_id, version, now});
  CommitInfo& info = actions.commit_info.emplace();
  info.timestamp = now;
  info.operation = std::move(operation);
  for (const auto& [k, v] : parameters) info.operation_parameters[k] = JsonQuoted(v);
  info.read_version = read_version_;
  info.is_blind_append = actions.removes.empty();
  int64_t bytes = 0;
  for (const auto& a : actions.adds) bytes += a.size;
  if (actions.removes.empty()) {
    info.operation_metrics["numFiles"] = JsonQuoted(std::to_string(actions.adds.size()));
    info.operation_metrics["numOutputBytes"] = JsonQuoted(std::to_string(bytes));
    if (auto rows = TotalRecords(actions.adds)) {
      info.operation_metrics["numOutputRows"] = JsonQuoted(std::to_string(*rows));
    }
  } else {  // as delta-spark's OPTIMIZE reports
    int64_t removed_bytes = 0;
    for (const auto& r : actions.removes) removed_bytes += r.size.value_or(0);
    info.operation_metrics["numAddedFiles"] = JsonQuoted(std::to_string(actions.adds.size()));
    info.operation_metrics["numRemovedFiles"] = JsonQuoted(std::to_string(actions.removes.size()));
    info.operation_metrics["numAddedBytes"] = JsonQuoted(std::to_string(bytes));
    info.operation_metrics["numRemovedBytes"] = JsonQuoted(std::to_string(removed_bytes));
  }
  info.engine_info = table.options_.engine_info;
  info.txn_id = NewUuid();
  const std::string content = SerializeCommit(actions);

  int64_t version = read_version_ + 1;
  bool published = false;
  for (int attempt = 0; attempt < table.options_.max_commit_attempts; ++attempt, ++version) {
    const std::string name = CommitFileName(version);
    RP_ASSIGN_OR_RETURN(published, store.PutIfAbsent(name, content));
    if (published) break;
    // Lost the race for `version`: see what the winner did.
    RP_ASSIGN_OR_RETURN(std::string winner_content, store.Read(name));
    RP_ASSIGN_OR_RETURN(LogActions winner, ParseCommitFile(winner_content, store.PathOf(name)));
    RP_RETURN_IF_ERROR(CheckConflict(winner, store.PathOf(name), txns_, actions.removes));
    if (table.latest_->version() == version - 1)
      RP_RETURN_IF_ERROR(table.MutableLatest()->Apply(version, winner));
    // Debug, not info: a lost race is routine beside a compactor or another writer.
    if (attempt + 1 < table.options_.max_commit_attempts) {
      Log(LogLevel::kDebug, "delta",
          "{}: version {} was taken by a concurrent writer; retrying as version {}", table.path(), version,
          version + 1);
    }
  }
  if (!published) {
    return Status::Conflict("gave up committing to " + table.path() + " after " +
                            std::to_string(table.options_.max_commit_attempts) + " attempts: versions " +
                            std::to_string(read_version_ + 1) + " to " + std::to_string(version - 1) +
                            " were all taken by concurrent writers");
  }
  committed_ = true;
  Snapshot* latest = table.MutableLatest();
  if (latest->version() == version - 1) {
    RP_RETURN_IF_ERROR(latest->Apply(version, actions));
  } else {
    RP_ASSIGN_OR_RETURN(int64_t applied, UpdateSnapshot(store, latest));
    (void)applied;
  }
  table.AfterCommit(info.txn_id);
  return version;
}

}  // namespace rp::delta
