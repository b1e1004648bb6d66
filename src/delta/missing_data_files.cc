// Which files of a version are gone, and from which version on none are.
#include "delta/missing_data_files.h"

#include <set>

#include "delta/action_json.h"
#include "delta/data_file_path.h"
#include "delta/log_paths.h"

namespace rp::delta {
namespace {

// Whether storage holds the file a log path names. Relative paths are looked
// up in one listing of the table; absolute ones (rare) are probed.
class Presence {
 public:
  static Result<Presence> Of(const Storage& storage) {
    Presence p(storage);
    RP_ASSIGN_OR_RETURN(auto objects, storage.List(""));
    for (auto& o : objects) p.keys_.insert(std::move(o.key));
    return p;
  }

  Result<bool> Has(const std::string& log_path) const {
    RP_ASSIGN_OR_RETURN(std::optional<std::string> key, DataFileKey(log_path));
    if (key) return keys_.count(*key) > 0;
    auto opened = storage_->OpenUriForRead(log_path);
    if (opened.ok()) return true;
    if (opened.status().IsNotFound()) return false;
    return opened.status();
  }

 private:
  explicit Presence(const Storage& storage) : storage_(&storage) {}
  const Storage* storage_;
  std::set<std::string, std::less<>> keys_;
};

}  // namespace

Result<MissingDataFiles> FindMissingDataFiles(const LogStore& store, const Snapshot& snapshot) {
  RP_ASSIGN_OR_RETURN(Presence presence, Presence::Of(*store.storage()));
  MissingDataFiles out;
  std::set<std::string, std::less<>> missing;  // live at the version being looked at
  auto reset_to = [&](const Snapshot& s) -> Status {
    missing.clear();
    for (const auto& [path, add] : s.files()) {
      RP_ASSIGN_OR_RETURN(bool has, presence.Has(path));
      if (!has) missing.insert(path);
    }
    return Status::OK();
  };
  RP_RETURN_IF_ERROR(reset_to(snapshot));
  out.paths.assign(missing.begin(), missing.end());
  if (missing.empty()) return out;

  RP_ASSIGN_OR_RETURN(LogStore::Listing later, store.List(snapshot.version() + 1));
  int64_t previous = snapshot.version();
  for (int64_t version : later.commits) {
    if (version != previous + 1) {
      // Log cleanup took the commits in between: a checkpoint covers them.
      RP_ASSIGN_OR_RETURN(auto at, LoadSnapshot(store, version));
      RP_RETURN_IF_ERROR(reset_to(*at));
    } else {
      const std::string name = CommitFileName(version);
      RP_ASSIGN_OR_RETURN(std::string content, store.Read(name));
      RP_ASSIGN_OR_RETURN(LogActions actions, ParseCommitFile(content, store.PathOf(name)));
      // Removes before adds, as a commit applies.
      for (const auto& r : actions.removes) missing.erase(r.path);
      for (const auto& a : actions.adds) {
        RP_ASSIGN_OR_RETURN(bool has, presence.Has(a.path));
        if (!has) missing.insert(a.path);
      }
    }
    previous = version;
    if (missing.empty()) {
      if (!out.complete_from) out.complete_from = version;
    } else {
      out.complete_from.reset();  // an earlier complete version is followed by an incomplete one
    }
  }
  return out;
}

Status ExplainMissingDataFiles(const LogStore& store, const Snapshot& snapshot, const Status& failure) {
  auto found = FindMissingDataFiles(store, snapshot);
  if (!found.ok() || found->paths.empty()) return failure;
  const std::string version = "version " + std::to_string(snapshot.version()) + " of " + store.table_root();
  RP_ASSIGN_OR_RETURN(std::optional<std::string> key, DataFileKey(found->paths.front()));
  const std::string first = key ? store.storage()->LocationOf(*key) : found->paths.front();
  const std::string count =
      std::to_string(found->paths.size()) + " of its " + std::to_string(snapshot.num_files()) + " data files";
  if (found->complete_from) {
    return Status::NotFound(version +
                            " references data files that were removed since and deleted by vacuum (" + count +
                            " missing, first " + first + "); read version " +
                            std::to_string(*found->complete_from) + " or later");
  }
  return Status::NotFound(
      version + " references data files that storage does not hold (" + count + " missing, first " + first +
      "), and the latest version lacks files too: they were " + "lost, not only vacuumed");
}

}  // namespace rp::delta
