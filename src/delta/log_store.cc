#include "delta/log_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/uuid.h"
#include "delta/log_paths.h"

namespace rp::delta {
namespace {

Status Errno(const std::string& what, const std::string& path, int err) {
  return Status::IOError(what + " " + path + ": " + std::strerror(err));
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::OK();
    return Status::IOError("not a directory: " + path);
  }
  return Errno("mkdir", path, errno);
}

Status MakeDirs(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    std::string prefix = path.substr(0, pos);
    if (!prefix.empty()) RP_RETURN_IF_ERROR(MakeDir(prefix));
  }
  return MakeDir(path);
}

}  // namespace

LogStore::LogStore(std::string table_root) : table_root_(std::move(table_root)) {
  while (table_root_.size() > 1 && table_root_.back() == '/') table_root_.pop_back();
  log_dir_ = table_root_ + "/" + std::string(kLogDir);
}

std::string LogStore::PathOf(std::string_view name) const { return log_dir_ + "/" + std::string(name); }

Result<LogStore::Listing> LogStore::List(int64_t from_version) const {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(log_dir_.c_str()), &::closedir);
  if (!dir) {
    if (errno == ENOENT) return Status::NotFound("no Delta log at " + log_dir_);
    return Errno("opendir", log_dir_, errno);
  }
  Listing out;
  errno = 0;
  while (struct dirent* e = ::readdir(dir.get())) {
    std::string_view name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    if (auto v = ParseCommitFileName(name); v && *v >= from_version) {
      out.commits.push_back(*v);
    } else if (auto c = ParseCheckpointFileName(name); c && *c >= from_version) {
      out.checkpoints.push_back(*c);
    }
  }
  if (errno != 0) return Errno("readdir", log_dir_, errno);
  std::sort(out.commits.begin(), out.commits.end());
  std::sort(out.checkpoints.begin(), out.checkpoints.end());
  return out;
}

Result<std::vector<LogStore::FileInfo>> LogStore::ListFiles() const {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(log_dir_.c_str()), &::closedir);
  if (!dir) {
    if (errno == ENOENT) return Status::NotFound("no Delta log at " + log_dir_);
    return Errno("opendir", log_dir_, errno);
  }
  std::vector<FileInfo> out;
  errno = 0;
  while (struct dirent* e = ::readdir(dir.get())) {
    std::string_view name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    struct stat st;
    if (::fstatat(::dirfd(dir.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) {  // deleted since readdir saw it
        errno = 0;
        continue;
      }
      return Errno("stat", PathOf(name), errno);
    }
    if (!S_ISREG(st.st_mode)) continue;
    out.push_back({std::string(name), static_cast<int64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000});
    errno = 0;
  }
  if (errno != 0) return Errno("readdir", log_dir_, errno);
  return out;
}

bool LogStore::Exists(std::string_view name) const { return ::access(PathOf(name).c_str(), F_OK) == 0; }

Result<std::string> LogStore::Read(std::string_view name) const {
  const std::string path = PathOf(name);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Errno("open", path, errno);
  }
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Errno("read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<std::string> LogStore::WriteTemp(std::string_view name, std::string_view content) const {
  // Dot-prefixed so that every Delta reader (ours, Spark, delta-rs) skips it.
  // Built by appending: GCC 12 at -O3 misreports `"." + std::string(...)` as
  // an overlapping memcpy (-Wrestrict).
  std::string tmp_name = ".";
  tmp_name.append(name).append(".").append(NewUuid()).append(".tmp");
  std::string tmp = PathOf(tmp_name);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create", tmp, errno);
  Status st = WriteAll(fd, content, tmp);
  if (st.ok() && ::fsync(fd) != 0) st = Errno("fsync", tmp, errno);
  if (::close(fd) != 0 && st.ok()) st = Errno("close", tmp, errno);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return tmp;
}

Status LogStore::SyncDir() const {
  int fd = ::open(log_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open", log_dir_, errno);
  Status st;
  if (::fsync(fd) != 0) st = Errno("fsync", log_dir_, errno);
  ::close(fd);
  return st;
}

Result<bool> LogStore::PutIfAbsent(std::string_view name, std::string_view content) const {
  RP_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(name, content));
  const std::string target = PathOf(name);
  bool published = true;
  Status st;
  if (::link(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    if (err == EEXIST) {
      published = false;
    } else if (err == EPERM || err == EOPNOTSUPP || err == EMLINK) {
      // No hard links here (some FUSE/SMB mounts): the kernel's no-replace rename
      // gives the same guarantee.
      if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) != 0) {
        if (errno == EEXIST) {
          published = false;
        } else {
          st = Errno("renameat2(RENAME_NOREPLACE) to", target, errno);
        }
      }
    } else {
      st = Errno("link to", target, err);
    }
  }
  ::unlink(tmp.c_str());  // no-op after a successful renameat2
  if (!st.ok()) return st;
  // Once linked the entry is visible to everyone: a failed directory fsync
  // must not make the caller believe (and retry) a commit that landed.
  if (published) (void)SyncDir();
  return published;
}

Status LogStore::PutReplace(std::string_view name, std::string_view content) const {
  RP_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(name, content));
  const std::string target = PathOf(name);
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Errno("rename to", target, err);
  }
  return SyncDir();
}

Result<bool> LogStore::Delete(std::string_view name) const {
  const std::string path = PathOf(name);
  bool existed = true;
  if (::unlink(path.c_str()) != 0) {
    if (errno != ENOENT) return Errno("delete", path, errno);
    existed = false;
  }
  std::string sidecar_name = ".";
  sidecar_name.append(name).append(".crc");
  const std::string sidecar = PathOf(sidecar_name);
  if (::unlink(sidecar.c_str()) != 0 && errno != ENOENT) return Errno("delete", sidecar, errno);
  return existed;
}

Status LogStore::CreateDirectories() const {
  RP_RETURN_IF_ERROR(MakeDirs(log_dir_));
  return MakeDir(log_dir_ + "/_staged_commits");
}

}  // namespace rp::delta
