#include "delta/log_store.h"

#include <algorithm>

#include "delta/log_paths.h"

namespace rp::delta {
namespace {

// "_delta_log/" (with the slash): what every log key starts with.
std::string LogPrefix() {
  std::string prefix(kLogDir);
  prefix += '/';
  return prefix;
}

}  // namespace

LogStore::LogStore(std::shared_ptr<const Storage> storage)
    : storage_(std::move(storage)), log_dir_(storage_->LocationOf(kLogDir)) {}

Result<LogStore> LogStore::Open(std::string_view location, const StorageOptions& options) {
  RP_ASSIGN_OR_RETURN(std::shared_ptr<Storage> storage, OpenStorage(location, options));
  return LogStore(std::move(storage));
}

std::string LogStore::KeyOf(std::string_view name) { return LogPrefix().append(name); }

std::string LogStore::PathOf(std::string_view name) const { return storage_->LocationOf(KeyOf(name)); }

Result<LogStore::Listing> LogStore::List(int64_t from_version) const {
  // Every file of version v starts with its 20 digits and a '.', so keys
  // greater than the bare digits of from_version start at its files.
  const std::string prefix = LogPrefix();
  const std::string start_after = from_version > 0 ? KeyOf(CommitFileName(from_version).substr(0, 20)) : "";
  RP_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, storage_->List(prefix, start_after));
  if (objects.empty() && start_after.empty()) return Status::NotFound("no Delta log at " + log_dir_);
  Listing out;
  for (const auto& o : objects) {
    std::string_view name = std::string_view(o.key).substr(prefix.size());
    if (name.empty() || name[0] == '.' || name.find('/') != std::string_view::npos) continue;
    if (auto v = ParseCommitFileName(name); v && *v >= from_version) {
      out.commits.push_back(*v);
    } else if (auto c = ParseCheckpointFileName(name); c && *c >= from_version) {
      out.checkpoints.push_back(*c);
    }
  }
  // Keys are sorted, and so are the fixed-width versions in them.
  return out;
}

Result<std::vector<LogStore::FileInfo>> LogStore::ListFiles() const {
  const std::string prefix = LogPrefix();
  RP_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, storage_->List(prefix));
  if (objects.empty()) return Status::NotFound("no Delta log at " + log_dir_);
  std::vector<FileInfo> out;
  for (auto& o : objects) {
    std::string_view name = std::string_view(o.key).substr(prefix.size());
    if (name.empty() || name[0] == '.' || name.find('/') != std::string_view::npos) continue;
    out.push_back({std::string(name), o.size, o.modification_time_ms});
  }
  return out;
}

Result<bool> LogStore::Exists(std::string_view name) const { return storage_->Exists(KeyOf(name)); }

Result<std::string> LogStore::Read(std::string_view name) const { return storage_->Read(KeyOf(name)); }

Result<bool> LogStore::PutIfAbsent(std::string_view name, std::string_view content) const {
  return storage_->PutIfAbsent(KeyOf(name), content);
}

Status LogStore::PutReplace(std::string_view name, std::string_view content) const {
  return storage_->Put(KeyOf(name), content);
}

Result<bool> LogStore::Delete(std::string_view name) const {
  RP_ASSIGN_OR_RETURN(bool existed, storage_->Delete(KeyOf(name)));
  std::string sidecar = ".";
  sidecar.append(name).append(".crc");
  RP_ASSIGN_OR_RETURN(bool had_sidecar, storage_->Delete(KeyOf(sidecar)));
  (void)had_sidecar;
  return existed;
}

Status LogStore::CreateDirectories() const { return storage_->CreateDirectory(KeyOf("_staged_commits")); }

}  // namespace rp::delta
