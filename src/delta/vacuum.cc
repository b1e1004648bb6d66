#include "delta/vacuum.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "delta/data_file_path.h"
#include "delta/deletion_vector.h"
#include "delta/protocol_check.h"
#include "delta/table_properties.h"

namespace rp::delta {
namespace {

constexpr int64_t kHourMs = 3600LL * 1000;

// Hours, rounded up as delta-spark reports a configured retention.
std::string Hours(int64_t ms) {
  return std::to_string(ms / kHourMs + (ms % kHourMs != 0 ? 1 : 0)) + " hours";
}

// delta-spark's DeltaTableUtils.isHiddenDirectory, applied to every name on
// the way down (its recursive listing filters each level by name).
bool IsHidden(std::string_view name, const std::vector<std::string>& partition_columns) {
  if (name.empty() || (name[0] != '.' && name[0] != '_')) return false;
  if (name.substr(0, 12) == "_delta_index" || name.substr(0, 12) == "_change_data") return false;
  for (const auto& c : partition_columns) {
    if (name.size() > c.size() && name.substr(0, c.size()) == c && name[c.size()] == '=') return false;
  }
  return true;
}

bool HasHiddenSegment(std::string_view key, const std::vector<std::string>& partition_columns) {
  size_t start = 0;
  while (start <= key.size()) {
    size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) slash = key.size();
    if (IsHidden(key.substr(start, slash - start), partition_columns)) return true;
    start = slash + 1;
  }
  return false;
}

// The normalized key a log path names under the table's root, or nullopt
// when the file is outside the root (or on other storage): vacuum cannot
// delete it, so it needs no protecting.
Result<std::optional<std::string>> KeyInRoot(const Storage& storage, const std::string& log_path) {
  auto key = DataFileKey(log_path);
  if (!key.ok()) return key.status().WithContext("log path '" + log_path + "'");
  if (*key) return std::optional<std::string>(NormalizeKey(**key));
  auto in_root = storage.KeyOfUri(log_path);
  if (!in_root.ok()) return in_root.status().WithContext("log path '" + log_path + "'");
  if (*in_root) return std::optional<std::string>(NormalizeKey(**in_root));
  return std::optional<std::string>();
}

}  // namespace

Result<VacuumResult> Vacuum(const Storage& storage, const Snapshot& snapshot, const VacuumOptions& options) {
  if (!snapshot.keeps_tombstones()) {
    return Status::Internal("vacuum needs the tombstones, and this snapshot was loaded without them");
  }
  if (snapshot.version() < 0) return Status::InvalidArgument("vacuum needs a table snapshot (version >= 0)");
  RP_RETURN_IF_ERROR(CheckWriteSupported(snapshot.protocol(), snapshot.metadata()));
  RP_ASSIGN_OR_RETURN(const int64_t configured_ms, DeletedFileRetentionMs(snapshot.metadata()));
  if (options.retention_ms && *options.retention_ms < 0) {
    return Status::InvalidArgument("vacuum retention must not be negative");
  }
  if (options.retention_ms && *options.retention_ms < configured_ms && !options.force) {
    return Status::InvalidArgument("vacuum retention of " + Hours(*options.retention_ms) +
                                   " is below the table's " + std::string(kDeletedFileRetentionProperty) +
                                   " (" + Hours(configured_ms) +
                                   "): readers of older versions and running writers could lose files they "
                                   "need (--force to vacuum anyway)");
  }

  VacuumResult result;
  result.version = snapshot.version();
  result.retention_ms = options.retention_ms.value_or(configured_ms);
  result.dry_run = options.dry_run;
  const int64_t retention_cutoff = options.now_ms - result.retention_ms;
  result.delete_before_ms = std::min(retention_cutoff, options.now_ms - kVacuumInFlightGuardMs);

  std::set<std::string, std::less<>> keep;
  // A logical file needs its data file and its deletion vector's file.
  auto keep_file = [&](const std::string& path, const std::optional<DeletionVectorDescriptor>& dv) -> Status {
    RP_ASSIGN_OR_RETURN(auto key, KeyInRoot(storage, path));
    if (key) keep.insert(std::move(*key));
    if (!dv) return Status::OK();
    RP_ASSIGN_OR_RETURN(std::optional<std::string> dv_path, DeletionVectorFilePath(*dv));
    if (!dv_path) return Status::OK();  // inline
    RP_ASSIGN_OR_RETURN(auto dv_key, KeyInRoot(storage, *dv_path));
    if (dv_key) keep.insert(std::move(*dv_key));
    return Status::OK();
  };
  for (const auto& [path, add] : snapshot.files()) {
    RP_RETURN_IF_ERROR(keep_file(add.path, add.deletion_vector));
  }
  for (const auto& [key, remove] : snapshot.tombstones()) {
    if (remove.deletion_timestamp.value_or(0) < retention_cutoff) continue;
    RP_RETURN_IF_ERROR(keep_file(remove.path, remove.deletion_vector));
  }

  // Listed keys are compared normalized too, so no spelling of a key the
  // log names ("a//b" for "a/b") can pass for an orphan.
  RP_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, storage.List(""));
  std::vector<VacuumedFile> doomed;
  for (auto& o : objects) {
    if (o.modification_time_ms >= result.delete_before_ms ||
        HasHiddenSegment(o.key, snapshot.partition_columns()) || keep.count(NormalizeKey(o.key))) {
      continue;
    }
    doomed.push_back({std::move(o.key), o.size, o.modification_time_ms});
  }
  std::sort(doomed.begin(), doomed.end(),
            [](const VacuumedFile& a, const VacuumedFile& b) { return a.path < b.path; });

  for (auto& f : doomed) {
    if (!options.dry_run) {
      auto deleted = storage.Delete(f.path);
      if (!deleted.ok()) {
        return deleted.status().WithContext("vacuum deleted " + std::to_string(result.files.size()) +
                                            " files (" + std::to_string(result.bytes) +
                                            " bytes), then failed");
      }
      if (!*deleted) continue;  // someone else deleted it
    }
    result.bytes += f.size;
    result.files.push_back(std::move(f));
  }
  return result;
}

}  // namespace rp::delta
