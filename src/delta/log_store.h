// The _delta_log directory of one table on a local POSIX filesystem, with the
// one primitive Delta needs from storage: an atomic put-if-absent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace rp::delta {

class LogStore {
 public:
  explicit LogStore(std::string table_root);

  const std::string& table_root() const { return table_root_; }
  const std::string& log_dir() const { return log_dir_; }
  // <table_root>/_delta_log/<name>
  std::string PathOf(std::string_view name) const;

  // Commit and classic-checkpoint versions present in _delta_log, ascending.
  // Dot files (temp files, Hadoop .crc files) and _staged_commits are ignored.
  struct Listing {
    std::vector<int64_t> commits;
    std::vector<int64_t> checkpoints;
  };
  // Only versions >= from_version are returned. NotFound if there is no _delta_log.
  Result<Listing> List(int64_t from_version = 0) const;

  // Every regular file directly in _delta_log except dot files, whatever its
  // name, with its size and modification time: what metadata cleanup judges
  // by (Delta ages log files by their storage timestamps). Unsorted.
  // Directories (_staged_commits, _sidecars) are not listed.
  struct FileInfo {
    std::string name;
    int64_t size = 0;
    int64_t modification_time_ms = 0;
  };
  Result<std::vector<FileInfo>> ListFiles() const;

  // Whether a log file exists (a cheap probe: no read).
  bool Exists(std::string_view name) const;

  // The whole content of a log file; NotFound if it does not exist.
  Result<std::string> Read(std::string_view name) const;

  // Publishes `content` as `name` unless that name exists: writes a dot-named
  // temp file in _delta_log, fsyncs it, then link()s it to `name` (EEXIST means
  // another writer won) — or renameat2(RENAME_NOREPLACE) where hard links are
  // unsupported — fsyncs the directory and removes the temp file. Never
  // overwrites. Returns true if we published, false if `name` already existed.
  Result<bool> PutIfAbsent(std::string_view name, std::string_view content) const;

  // Atomically replaces `name` (temp file + fsync + rename + directory fsync).
  // Only for hints that are meant to be overwritten, such as _last_checkpoint.
  Status PutReplace(std::string_view name, std::string_view content) const;

  // Deletes log file `name`, and the ".<name>.crc" beside it that Hadoop's
  // local file system writes (Spark tables on local disks have them), as
  // Hadoop's delete does. Returns false if `name` did not exist. Only for
  // metadata cleanup: commits are otherwise never deleted.
  Result<bool> Delete(std::string_view name) const;

  // Creates <root>, <root>/_delta_log and <root>/_delta_log/_staged_commits.
  Status CreateDirectories() const;

 private:
  // Writes `content` to a new dot-named temp file, fsynced; returns its path.
  Result<std::string> WriteTemp(std::string_view name, std::string_view content) const;
  Status SyncDir() const;

  std::string table_root_;
  std::string log_dir_;
};

}  // namespace rp::delta
