// Storage on a local POSIX file system: a key is the file <root>/<key>. The
// only code in src/delta that touches the file system directly.
//
// Durability follows from fsync ordering: a file's data is fsynced before its
// name is published, and a directory is fsynced after a name appears in it
// (and, for directories this storage creates, their parent too), so a crash
// or power loss never leaves a published name pointing at missing bytes.
//
//   Put          temp file beside the target, fsync, rename(), fsync the directory
//   PutIfAbsent  temp file beside the target, fsync, link() to the target
//                (EEXIST: another writer won), or renameat2(RENAME_NOREPLACE)
//                where hard links are unsupported; fsync the directory (a
//                failure of that last fsync is not reported: the name is
//                already visible, and a caller told "failed" would retry a
//                commit that landed)
//   output stream  written in place under its (unique) key; Close() fsyncs the
//                file, its directory and every directory up to the root's
//                parent; Abort() or a failure deletes the file
//
// Temp files are dot-named (".<name>.<uuid>.tmp") so every Delta reader
// skips them; a writer killed midway can leave one behind, never a partial
// object under the key it was putting. A stream killed midway leaves its
// partial file under its own fresh key, an orphan no commit names (vacuum
// deletes it). Listings report regular files only: symbolic links
// are neither listed nor followed while listing (so vacuum never deletes
// through one), while reads follow them as open() does.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "delta/storage.h"

namespace rp::delta {

class LocalStorage final : public Storage {
 public:
  // `root` is a path, absolute or relative to the working directory; it need
  // not exist yet (writes create it).
  explicit LocalStorage(std::string root);

  // The local path a "file:" URI or a bare absolute path names: "file:///p",
  // "file:/p" and "file://localhost/p" name "/p"; the path is percent-decoded
  // (DecodeLogPath). Unsupported for other schemes and hosts; Corruption for a
  // relative file: URI or a malformed path.
  static Result<std::string> PathOfUri(std::string_view uri);

  const std::string& location() const override { return root_; }

  Result<std::string> Read(std::string_view key) const override;
  Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenForRead(std::string_view key) const override;
  Result<ObjectInfo> Stat(std::string_view key) const override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix,
                                       std::string_view start_after = {}) const override;

  Status Put(std::string_view key, std::string_view content) const override;
  Result<bool> PutIfAbsent(std::string_view key, std::string_view content) const override;
  Result<std::shared_ptr<arrow::io::OutputStream>> OpenOutputStream(std::string_view key) const override;
  Result<bool> Delete(std::string_view key) const override;
  Status CreateDirectory(std::string_view key) const override;

  // An absolute path inside the root maps to its key also when it reaches the
  // root through a symbolic link, or the root is one: both sides are compared
  // with links resolved, so no name for a file under the root escapes vacuum's
  // protection.
  Result<std::optional<std::string>> KeyOfUri(std::string_view uri) const override;
  Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenUriForRead(std::string_view uri) const override;

 private:
  std::string PathOf(std::string_view key) const;

  std::string root_;
};

}  // namespace rp::delta
