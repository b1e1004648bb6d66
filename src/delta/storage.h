// The storage seam: every byte src/delta reads or writes goes through a
// Storage, so a table can live on a local disk or, later, in an object store.
//
// A Storage holds objects under one root (a table's directory or bucket
// prefix). Objects are named by keys relative to that root: '/'-separated,
// no leading '/', no "." or ".." segments, e.g. "_delta_log/00000000000000000007.json"
// or "year=2025/part-00000-….parquet". There are no directories as objects:
// a key's parents exist implicitly, listing is by key prefix, and writing a
// key needs nothing created first. Keys are decoded names (what a file
// system shows), never the URI-encoded form the Delta log stores.
//
// What Delta needs from storage, and no more (compare LevelDB's Env,
// delta-kernel-rs's StorageHandler, the object_store crate delta-rs uses):
// whole and random-access reads, a sorted recursive listing with sizes and
// modification times, durable writes, a put-if-absent for commits, and
// deletion. Every method is safe to call from many threads at once. A missing
// object is NotFound wherever an object is required; other failures are
// IOError naming the object's location.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace arrow::io {
class OutputStream;
class RandomAccessFile;
}  // namespace arrow::io

namespace rp::delta {

// Settings for opening storage, passed through untouched to the
// implementation (S3: aws_region, aws_endpoint_url, credentials; s3_storage.h).
// The local implementation takes none.
using StorageOptions = std::map<std::string, std::string>;

// An object as a listing or Stat reports it.
struct ObjectInfo {
  std::string key;
  int64_t size = 0;
  int64_t modification_time_ms = 0;  // ms since the epoch, as the storage records it
};

class Storage {
 public:
  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  virtual ~Storage() = default;

  // The root as opened, without a trailing '/': a path for local storage, a
  // URI for an object store. For messages, and what Table::path() reports.
  virtual const std::string& location() const = 0;
  // location() + "/" + key: where an object is, for messages.
  std::string LocationOf(std::string_view key) const;

  // ---- Reading ----

  // The whole object.
  virtual Result<std::string> Read(std::string_view key) const = 0;
  // The object for Arrow and Parquet to read ranges of (data files,
  // checkpoints). The file may be read from several threads.
  virtual Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenForRead(std::string_view key) const = 0;
  // The object's size and modification time.
  virtual Result<ObjectInfo> Stat(std::string_view key) const = 0;
  // Whether the object exists (Stat without the details).
  Result<bool> Exists(std::string_view key) const;

  // Every object whose key starts with `prefix` (a plain string prefix, so
  // "_delta_log/" lists the log, recursively), and is greater than
  // `start_after` when that is not empty (how the log is listed from a
  // version on: "_delta_log/00000000000000000007" starts at version 7's
  // files). Sorted by key, byte-wise. A prefix nothing lives under gives an
  // empty list, not NotFound: there are no directories to be missing.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix,
                                               std::string_view start_after = {}) const = 0;

  // ---- Writing ----

  // Creates or replaces the object, atomically: readers see the old content
  // or the new, never a mix. Durable once this returns.
  virtual Status Put(std::string_view key, std::string_view content) const = 0;

  // Creates the object unless one exists under `key`, atomically against
  // every other writer of any process: of many racing for one key, exactly
  // one returns true; the others return false and the object is the winner's,
  // complete. Never overwrites. Durable once this returns true. This is the
  // one primitive a Delta commit needs.
  virtual Result<bool> PutIfAbsent(std::string_view key, std::string_view content) const = 0;

  // A stream that writes the object `key` without holding it in memory (a
  // Parquet data file). The object is complete and durable only once Close()
  // succeeds. On any failure the writer must call Abort(), which discards what
  // was written; a stream dropped without Close() or Abort() is discarded as
  // well here, but object stores may publish on destruction, so never rely on
  // that. Before Close() returns, `key` may be absent or (on local disks,
  // which write in place) hold a partial object: stream only to fresh,
  // unique keys that nothing reads until a commit names them.
  virtual Result<std::shared_ptr<arrow::io::OutputStream>> OpenOutputStream(std::string_view key) const = 0;

  // Deletes the object. Returns false if there was none. Never removes
  // anything but the object (on local disks, directories stay).
  virtual Result<bool> Delete(std::string_view key) const = 0;

  // Makes `key` a directory where the storage has directories (local disks:
  // like mkdir -p), so that, say, an empty _delta_log/_staged_commits shows
  // up as Spark creates it. Nothing to do for object stores, where a prefix
  // exists only through the objects under it.
  virtual Status CreateDirectory(std::string_view key) const = 0;

  // ---- Absolute locations ----
  // A Delta log may name files by absolute URI instead of by a path relative
  // to the table ("file:///data/t/part-0.parquet", "s3://bucket/t/part-0.parquet";
  // a bare "/data/t/part-0.parquet" on local disks), percent-encoded as the
  // log stores them. Only the storage knows which of them it holds.

  // The key `uri` names under this root, or nullopt when it names something
  // outside it (elsewhere on the same storage, or on storage of another kind).
  // Corruption if `uri` is malformed.
  virtual Result<std::optional<std::string>> KeyOfUri(std::string_view uri) const = 0;
  // Opens the file `uri` names, under the root or not (tables may reference
  // files elsewhere, e.g. shallow clones). Unsupported for storage of another
  // kind than this one.
  virtual Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenUriForRead(std::string_view uri) const = 0;
};

// `key` with empty and "." segments dropped ("a//b/./c" -> "a/b/c"; a
// leading '/' goes too): the form a listing reports, for comparing keys that
// were spelled differently.
std::string NormalizeKey(std::string_view key);

// The storage a table location names: a plain path or a file: URI is the
// local disk; s3://bucket/prefix is S3 (s3_storage.h: credentials, region and
// endpoint from the AWS_* environment, overridden by `options`).
// InvalidArgument for anything else, and for options given for the local
// disk (which takes none: a misplaced credential must not pass unnoticed).
Result<std::shared_ptr<Storage>> OpenStorage(std::string_view location, const StorageOptions& options = {});

// Whether OpenStorage opens `location` on the local disk (a path or a file:
// URI), where no storage options apply.
bool IsLocalLocation(std::string_view location);

}  // namespace rp::delta
