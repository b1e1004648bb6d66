#include "delta/local_storage.h"

#include <arrow/io/file.h>
#include <arrow/io/interfaces.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/uuid.h"
#include "delta/data_file_path.h"

namespace rp::delta {
namespace {

Status Errno(const std::string& what, const std::string& path, int err) {
  return Status::IOError(what + " " + path + ": " + std::strerror(err));
}

Status Missing(const std::string& path) { return Status::NotFound(path + " does not exist"); }

// ENOTDIR: a component of the path is a file, so nothing lives below it.
bool IsMissing(int err) { return err == ENOENT || err == ENOTDIR; }

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

std::string Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
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

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open", dir, errno);
  Status st;
  if (::fsync(fd) != 0) st = Errno("fsync", dir, errno);
  ::close(fd);
  return st;
}

// mkdir -p. A directory made here is a new name in its parent, so the parent
// is fsynced too: otherwise a power loss could take the directory, and every
// durable file in it, away.
Status MakeDirs(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return SyncDir(Parent(dir));
  int err = errno;
  if (err == ENOENT) {
    RP_RETURN_IF_ERROR(MakeDirs(Parent(dir)));
    if (::mkdir(dir.c_str(), 0755) == 0) return SyncDir(Parent(dir));
    err = errno;
  }
  if (err != EEXIST) return Errno("mkdir", dir, err);
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::OK();  // made by a racing writer
  return Status::IOError("not a directory: " + dir);
}

// open(2) with O_CREAT that makes the missing parent directories first.
Result<int> CreateFile(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ENOENT) {
    RP_RETURN_IF_ERROR(MakeDirs(Parent(path)));
    fd = ::open(path.c_str(), flags | O_CREAT | O_CLOEXEC, 0644);
  }
  if (fd < 0) return Errno("create", path, errno);
  return fd;
}

// Writes `content` to a new dot-named temp file beside `path`, fsynced;
// returns the temp file's path. Dot-prefixed so that every Delta reader
// (ours, Spark, delta-rs) and vacuum skip it.
Result<std::string> WriteTemp(const std::string& path, std::string_view content) {
  // Built by appending: GCC 12 at -O3 misreports `"." + std::string(...)` as
  // an overlapping memcpy (-Wrestrict).
  std::string tmp = Parent(path);
  tmp.append("/.").append(BaseName(path)).append(".").append(NewUuid()).append(".tmp");
  RP_ASSIGN_OR_RETURN(int fd, CreateFile(tmp, O_WRONLY | O_EXCL));
  Status st = WriteAll(fd, content, tmp);
  if (st.ok() && ::fsync(fd) != 0) st = Errno("fsync", tmp, errno);
  if (::close(fd) != 0 && st.ok()) st = Errno("close", tmp, errno);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return tmp;
}

// open(2) for reading an object: NotFound when there is no file (a
// directory is not an object either).
Result<int> OpenFileForRead(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (IsMissing(errno)) return Missing(path);
    return Errno("open", path, errno);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Errno("stat", path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Missing(path);
  }
  return fd;
}

Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenRandomAccess(const std::string& path) {
  RP_ASSIGN_OR_RETURN(int fd, OpenFileForRead(path));
  auto file = arrow::io::ReadableFile::Open(fd);  // owns fd from here on
  if (!file.ok()) {
    ::close(fd);
    return Status::IOError("open " + path + ": " + file.status().ToString());
  }
  return std::shared_ptr<arrow::io::RandomAccessFile>(std::move(*file));
}

std::optional<std::string> RealPath(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  if (!real) return std::nullopt;
  std::string out = real;
  std::free(real);
  return out;
}

// An object written in place. Close() makes it durable (the file, then every
// directory from its own up to the root's parent, any of which may hold a
// name that is new); a stream closed any other way deletes it.
class LocalOutputStream final : public arrow::io::OutputStream {
 public:
  LocalOutputStream(int fd, std::string path, std::vector<std::string> dirs)
      : fd_(fd), path_(std::move(path)), dirs_(std::move(dirs)) {
    set_mode(arrow::io::FileMode::WRITE);
  }
  ~LocalOutputStream() override { (void)Abort(); }

  arrow::Status Write(const void* data, int64_t nbytes) override {
    if (closed_) return arrow::Status::Invalid("write to closed ", path_);
    const char* p = static_cast<const char*>(data);
    while (nbytes > 0) {
      ssize_t n = ::write(fd_, p, static_cast<size_t>(nbytes));
      if (n < 0) {
        if (errno == EINTR) continue;
        return arrow::Status::IOError("write ", path_, ": ", std::strerror(errno));
      }
      p += n;
      nbytes -= n;
      position_ += n;
    }
    return arrow::Status::OK();
  }

  arrow::Status Close() override {
    if (closed_) return arrow::Status::OK();
    closed_ = true;
    Status st;
    if (::fsync(fd_) != 0) st = Errno("fsync", path_, errno);
    if (::close(fd_) != 0 && st.ok()) st = Errno("close", path_, errno);
    for (const auto& dir : dirs_) {
      if (!st.ok()) break;
      st = SyncDir(dir);
    }
    if (st.ok()) return arrow::Status::OK();
    ::unlink(path_.c_str());
    return arrow::Status::IOError(st.message());
  }

  arrow::Status Abort() override {
    if (closed_) return arrow::Status::OK();
    closed_ = true;
    ::close(fd_);
    ::unlink(path_.c_str());
    return arrow::Status::OK();
  }

  arrow::Result<int64_t> Tell() const override { return position_; }
  bool closed() const override { return closed_; }

 private:
  int fd_;
  std::string path_;
  std::vector<std::string> dirs_;
  int64_t position_ = 0;
  bool closed_ = false;
};

// Collects the regular files below `dir` (whose keys start with
// `key_prefix`); at the top level only names starting with `first_name`.
Status Walk(const std::string& dir, const std::string& key_prefix, std::string_view first_name,
            std::string_view start_after, bool top, std::vector<ObjectInfo>* out) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) {
    if (IsMissing(errno)) return Status::OK();  // nothing there, or removed while we walked
    return Errno("opendir", dir, errno);
  }
  std::vector<std::string> subdirs;
  errno = 0;
  while (struct dirent* e = ::readdir(d.get())) {
    std::string_view name = e->d_name;
    if (name == "." || name == ".." || (top && name.substr(0, first_name.size()) != first_name)) {
      errno = 0;
      continue;
    }
    std::string key = key_prefix;
    key.append(name);
    unsigned char type = e->d_type;
    struct stat st;
    bool have_stat = false;
    if (type == DT_UNKNOWN) {  // some file systems do not say: ask
      if (::fstatat(::dirfd(d.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (!IsMissing(errno)) return Errno("stat", dir + "/" + std::string(name), errno);
        errno = 0;
        continue;
      }
      have_stat = true;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
    }
    if (type == DT_DIR) {
      // Every key below starts with key + "/": skip the directory when all of
      // them sort before start_after.
      key += '/';
      if (start_after.empty() || start_after < key || start_after.substr(0, key.size()) == key) {
        subdirs.push_back(std::move(key));
      }
    } else if (type == DT_REG && (start_after.empty() || key > start_after)) {
      if (!have_stat && ::fstatat(::dirfd(d.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (!IsMissing(errno)) return Errno("stat", dir + "/" + std::string(name), errno);
        errno = 0;
        continue;
      }
      if (S_ISREG(st.st_mode))
        out->push_back({std::move(key), static_cast<int64_t>(st.st_size), MtimeMs(st)});
    }
    errno = 0;
  }
  if (errno != 0) return Errno("readdir", dir, errno);
  d.reset();  // one open directory per level at most
  for (const auto& sub : subdirs) {
    const std::string name = sub.substr(key_prefix.size(), sub.size() - key_prefix.size() - 1);
    RP_RETURN_IF_ERROR(Walk(dir + "/" + name, sub, {}, start_after, false, out));
  }
  return Status::OK();
}

}  // namespace

LocalStorage::LocalStorage(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  if (root_.empty()) root_ = ".";
}

std::string LocalStorage::PathOf(std::string_view key) const { return LocationOf(key); }

Result<std::string> LocalStorage::PathOfUri(std::string_view uri) {
  if (!uri.empty() && uri[0] == '/') return DecodeLogPath(uri);
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || uri.substr(0, colon).find('/') != std::string_view::npos) {
    return Status::Corruption("not an absolute location: " + std::string(uri));
  }
  std::string scheme(uri.substr(0, colon));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "file") return Status::Unsupported("data file on a non-local file system: " + scheme);
  std::string_view rest = uri.substr(colon + 1);
  if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
    const size_t slash = rest.find('/');
    const std::string_view host = rest.substr(0, slash);
    if (!host.empty() && host != "localhost")
      return Status::Unsupported("data file on host " + std::string(host));
    if (slash == std::string_view::npos) return Status::Corruption("file URI without a path");
    rest.remove_prefix(slash);
  }
  if (rest.empty() || rest[0] != '/') return Status::Corruption("relative file: URI");
  return DecodeLogPath(rest);
}

Result<std::string> LocalStorage::Read(std::string_view key) const {
  const std::string path = PathOf(key);
  RP_ASSIGN_OR_RETURN(int fd, OpenFileForRead(path));
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

Result<std::shared_ptr<arrow::io::RandomAccessFile>> LocalStorage::OpenForRead(std::string_view key) const {
  return OpenRandomAccess(PathOf(key));
}

Result<ObjectInfo> LocalStorage::Stat(std::string_view key) const {
  const std::string path = PathOf(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (IsMissing(errno)) return Missing(path);
    return Errno("stat", path, errno);
  }
  if (S_ISDIR(st.st_mode)) return Missing(path);
  return ObjectInfo{std::string(key), static_cast<int64_t>(st.st_size), MtimeMs(st)};
}

Result<std::vector<ObjectInfo>> LocalStorage::List(std::string_view prefix,
                                                   std::string_view start_after) const {
  // The directory part of the prefix is walked; its last segment filters the
  // names at the top of the walk.
  const size_t slash = prefix.rfind('/');
  const std::string key_prefix(slash == std::string_view::npos ? std::string_view()
                                                               : prefix.substr(0, slash + 1));
  const std::string_view first_name = prefix.substr(key_prefix.size());
  std::string dir = root_;
  if (!key_prefix.empty()) dir = PathOf(std::string_view(key_prefix).substr(0, key_prefix.size() - 1));
  std::vector<ObjectInfo> out;
  RP_RETURN_IF_ERROR(Walk(dir, key_prefix, first_name, start_after, true, &out));
  std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Status LocalStorage::Put(std::string_view key, std::string_view content) const {
  const std::string target = PathOf(key);
  RP_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(target, content));
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Errno("rename to", target, err);
  }
  return SyncDir(Parent(target));
}

Result<bool> LocalStorage::PutIfAbsent(std::string_view key, std::string_view content) const {
  const std::string target = PathOf(key);
  RP_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(target, content));
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
  if (published) (void)SyncDir(Parent(target));
  return published;
}

Result<std::shared_ptr<arrow::io::OutputStream>> LocalStorage::OpenOutputStream(std::string_view key) const {
  const std::string path = PathOf(key);
  RP_ASSIGN_OR_RETURN(int fd, CreateFile(path, O_WRONLY | O_EXCL));
  // The file's own directory holds its new name. Directories above it are
  // durable already: MakeDirs fsyncs a parent whenever it creates a child
  // (fsyncing the whole chain per file cost sync 6 extra fsyncs a file).
  std::vector<std::string> dirs = {Parent(path)};
  return std::shared_ptr<arrow::io::OutputStream>(
      std::make_shared<LocalOutputStream>(fd, path, std::move(dirs)));
}

Result<bool> LocalStorage::Delete(std::string_view key) const {
  const std::string path = PathOf(key);
  if (::unlink(path.c_str()) == 0) return true;
  if (IsMissing(errno)) return false;
  return Errno("delete", path, errno);
}

Status LocalStorage::CreateDirectory(std::string_view key) const { return MakeDirs(PathOf(key)); }

Result<std::optional<std::string>> LocalStorage::KeyOfUri(std::string_view uri) const {
  auto path = PathOfUri(uri);
  if (!path.ok()) {
    if (path.status().code() == Status::Code::kUnsupported) return std::optional<std::string>();
    return path.status();
  }
  std::vector<std::string> roots;
  if (!root_.empty() && root_[0] == '/') roots.push_back(NormalizeKey(root_));
  if (auto real = RealPath(root_)) roots.push_back(NormalizeKey(*real));
  // NormalizeKey drops the leading '/', so both sides compare without it.
  const std::string normalized = NormalizeKey(RealPath(*path).value_or(*path));
  for (const auto& root : roots) {
    if (root.empty()) {  // the root is "/"
      if (!normalized.empty()) return std::optional<std::string>(normalized);
      continue;
    }
    if (normalized.size() > root.size() && normalized.compare(0, root.size(), root) == 0 &&
        normalized[root.size()] == '/') {
      return std::optional<std::string>(normalized.substr(root.size() + 1));
    }
  }
  return std::optional<std::string>();
}

Result<std::shared_ptr<arrow::io::RandomAccessFile>> LocalStorage::OpenUriForRead(
    std::string_view uri) const {
  RP_ASSIGN_OR_RETURN(std::string path, PathOfUri(uri));
  return OpenRandomAccess(path);
}

}  // namespace rp::delta
