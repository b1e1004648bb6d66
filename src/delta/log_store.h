// The _delta_log of one table: Delta's names and rules over a Storage
// (storage.h), whose put-if-absent makes commits atomic.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "delta/storage.h"

namespace rp::delta {

class LogStore {
 public:
  explicit LogStore(std::shared_ptr<const Storage> storage);
  // The log of the table at `location` (a path or URI; see OpenStorage).
  static Result<LogStore> Open(std::string_view location, const StorageOptions& options = {});

  const std::shared_ptr<const Storage>& storage() const { return storage_; }
  const std::string& table_root() const { return storage_->location(); }
  // Where the log is, for messages (and for tests of local tables).
  const std::string& log_dir() const { return log_dir_; }
  // Where log file `name` is, for messages: <table_root>/_delta_log/<name>.
  std::string PathOf(std::string_view name) const;
  // The storage key of log file `name`: "_delta_log/<name>".
  static std::string KeyOf(std::string_view name);

  // Commit and classic-checkpoint versions present in _delta_log, ascending.
  // Dot files (temp files, Hadoop .crc files) and _staged_commits are ignored.
  struct Listing {
    std::vector<int64_t> commits;
    std::vector<int64_t> checkpoints;
  };
  // Only versions >= from_version are returned. NotFound if there is no
  // _delta_log: nothing at all under it (told apart from "no versions that
  // recent" only when listing from version 0).
  Result<Listing> List(int64_t from_version = 0) const;

  // Every object directly in _delta_log except dot files, whatever its
  // name, with its size and modification time: what metadata cleanup judges
  // by (Delta ages log files by their storage timestamps). Unsorted.
  // Nothing below it (_staged_commits/, _sidecars/) is listed.
  struct FileInfo {
    std::string name;
    int64_t size = 0;
    int64_t modification_time_ms = 0;
  };
  Result<std::vector<FileInfo>> ListFiles() const;

  // Whether a log file exists (a cheap probe: no read).
  Result<bool> Exists(std::string_view name) const;

  // The whole content of a log file; NotFound if it does not exist.
  Result<std::string> Read(std::string_view name) const;

  // Publishes `content` as `name` unless that name exists (Storage::PutIfAbsent).
  // Never overwrites. Returns true if we published, false if `name` already
  // existed.
  Result<bool> PutIfAbsent(std::string_view name, std::string_view content) const;

  // Atomically replaces `name` (Storage::Put). Only for hints that are meant
  // to be overwritten, such as _last_checkpoint.
  Status PutReplace(std::string_view name, std::string_view content) const;

  // Deletes log file `name`, and the ".<name>.crc" beside it that Hadoop's
  // local file system writes (Spark tables on local disks have them), as
  // Hadoop's delete does. Returns false if `name` did not exist. Only for
  // metadata cleanup: commits are otherwise never deleted.
  Result<bool> Delete(std::string_view name) const;

  // Makes <root>/_delta_log/_staged_commits exist where storage has
  // directories (Storage::CreateDirectory), as Spark creates it.
  Status CreateDirectories() const;

 private:
  std::shared_ptr<const Storage> storage_;
  std::string log_dir_;
};

}  // namespace rp::delta
