#include "delta/vacuum.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string_view>

#include "delta/protocol_check.h"
#include "delta/scan.h"
#include "delta/table_properties.h"

namespace rp::delta {
namespace {

constexpr int64_t kHourMs = 3600LL * 1000;

Status Errno(const std::string& what, const std::string& path, int err) {
  return Status::IOError(what + " " + path + ": " + std::strerror(err));
}

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

// "a//b/./c" -> "a/b/c": the form walking the tree produces.
std::string Normalize(std::string_view path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(start, slash - start);
    if (!seg.empty() && seg != ".") {
      if (!out.empty()) out += '/';
      out.append(seg);
    }
    start = slash + 1;
  }
  return out;
}

std::optional<std::string> RealPath(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  if (!real) return std::nullopt;
  std::string out = real;
  std::free(real);
  return out;
}

// Maps log paths to paths relative to the table root, or nullopt when the
// file is outside the root (or on another file system): vacuum cannot delete
// it, so it needs no protecting.
class RootRelativizer {
 public:
  explicit RootRelativizer(const std::string& root) : root_(root) {
    if (!root.empty() && root[0] == '/') prefixes_.push_back(Normalize(root));
    if (auto real = RealPath(root)) prefixes_.push_back(Normalize(*real));
  }

  Result<std::optional<std::string>> Relative(const std::string& log_path) const {
    auto local = DataFilePath(root_, log_path);
    if (!local.ok()) {
      if (local.status().code() == Status::Code::kUnsupported) return std::optional<std::string>();
      return local.status().WithContext("log path '" + log_path + "'");
    }
    const bool absolute = !log_path.empty() && (log_path[0] == '/' || log_path.rfind("file:", 0) == 0);
    if (!absolute) return std::optional<std::string>(Normalize(local->substr(root_.size() + 1)));
    // Through symbolic links too: a file named by another path to the root
    // must still be protected.
    const std::string normalized = Normalize(RealPath(*local).value_or(*local));
    for (const auto& prefix : prefixes_) {
      // Normalize drops the leading '/', so prefixes compare without it too.
      if (normalized.size() > prefix.size() && normalized.compare(0, prefix.size(), prefix) == 0 &&
          normalized[prefix.size()] == '/') {
        return std::optional<std::string>(normalized.substr(prefix.size() + 1));
      }
    }
    return std::optional<std::string>();
  }

 private:
  std::string root_;
  std::vector<std::string> prefixes_;
};

struct DiskFile {
  std::string path;  // relative to the root
  int64_t size;
  int64_t mtime_ms;
};

// Every regular, non-hidden file below `dir` (relative `rel`, "" for the root).
Status Walk(const std::string& root, const std::string& rel,
            const std::vector<std::string>& partition_columns, std::vector<DiskFile>* out) {
  const std::string dir_path = rel.empty() ? root : root + "/" + rel;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(dir_path.c_str()), &::closedir);
  if (!dir) {
    if (errno == ENOENT && !rel.empty()) return Status::OK();  // removed while we walked
    if (errno == ENOENT) return Status::NotFound("no table directory at " + root);
    return Errno("opendir", dir_path, errno);
  }
  std::vector<std::string> subdirs;
  errno = 0;
  while (struct dirent* e = ::readdir(dir.get())) {
    std::string_view name = e->d_name;
    if (name == "." || name == ".." || IsHidden(name, partition_columns)) {
      errno = 0;
      continue;
    }
    struct stat st;
    if (::fstatat(::dirfd(dir.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) return Errno("stat", dir_path + "/" + std::string(name), errno);
      errno = 0;
      continue;
    }
    std::string child = rel.empty() ? std::string(name) : rel + "/" + std::string(name);
    if (S_ISDIR(st.st_mode)) {
      subdirs.push_back(std::move(child));
    } else if (S_ISREG(st.st_mode)) {
      out->push_back({std::move(child), static_cast<int64_t>(st.st_size),
                      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000});
    }
    errno = 0;
  }
  if (errno != 0) return Errno("readdir", dir_path, errno);
  dir.reset();  // one open directory per level at most
  for (const auto& sub : subdirs) RP_RETURN_IF_ERROR(Walk(root, sub, partition_columns, out));
  return Status::OK();
}

}  // namespace

Result<VacuumResult> Vacuum(const std::string& table_root, const Snapshot& snapshot,
                            const VacuumOptions& options) {
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

  std::string root = table_root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  const RootRelativizer relativizer(root);
  std::set<std::string, std::less<>> keep;
  for (const auto& [path, add] : snapshot.files()) {
    RP_ASSIGN_OR_RETURN(auto rel, relativizer.Relative(add.path));
    if (rel) keep.insert(std::move(*rel));
  }
  for (const auto& [path, remove] : snapshot.tombstones()) {
    if (remove.deletion_timestamp.value_or(0) < retention_cutoff) continue;
    RP_ASSIGN_OR_RETURN(auto rel, relativizer.Relative(remove.path));
    if (rel) keep.insert(std::move(*rel));
  }

  std::vector<DiskFile> on_disk;
  RP_RETURN_IF_ERROR(Walk(root, "", snapshot.partition_columns(), &on_disk));
  std::vector<VacuumedFile> doomed;
  for (auto& f : on_disk) {
    if (f.mtime_ms >= result.delete_before_ms || keep.count(f.path)) continue;
    doomed.push_back({std::move(f.path), f.size, f.mtime_ms});
  }
  std::sort(doomed.begin(), doomed.end(),
            [](const VacuumedFile& a, const VacuumedFile& b) { return a.path < b.path; });

  for (auto& f : doomed) {
    if (!options.dry_run && ::unlink((root + "/" + f.path).c_str()) != 0) {
      if (errno == ENOENT) continue;  // someone else deleted it
      return Errno("delete", root + "/" + f.path, errno)
          .WithContext("vacuum deleted " + std::to_string(result.files.size()) + " files (" +
                       std::to_string(result.bytes) + " bytes), then failed");
    }
    result.bytes += f.size;
    result.files.push_back(std::move(f));
  }
  return result;
}

}  // namespace rp::delta
