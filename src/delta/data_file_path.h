// Data file paths as the log names them (add.path, remove.path; PROTOCOL.md
// "Add File and Remove File"): URI-encoded and relative to the table root,
// or absolute URIs, which only the table's storage can place (storage.h,
// "Absolute locations").
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "delta/storage.h"

namespace rp::delta {

// Whether a log path is absolute: it starts with '/' or has a scheme
// ("file:", "s3:"). A scheme ends at the first ':' before any '/'; a relative
// path has its colons %-encoded.
bool IsAbsoluteLogPath(std::string_view log_path);

// A log path (or the path part of an absolute URI) URI-decoded once, with
// ".." segments refused: a log must not reach outside what it names.
// Corruption for an empty path, a malformed escape or "..".
Result<std::string> DecodeLogPath(std::string_view path);

// The storage key of a relative log path (decoded by DecodeLogPath), or
// nullopt for an absolute one.
Result<std::optional<std::string>> DataFileKey(std::string_view log_path);

// Opens the data file a log path names: relative ones by key, absolute ones
// through Storage::OpenUriForRead.
Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenDataFile(const Storage& storage,
                                                                  std::string_view log_path);

}  // namespace rp::delta
