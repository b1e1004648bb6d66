// Where a data file lives: Hive-style partition directories
// ("year=2025/month=9/part-…parquet") and the URI form of that path that goes
// into add.path (delta-io/delta PROTOCOL.md, "Add File and Remove File").
//
// Two encodings stack: each directory name is Hive-escaped first (Spark's
// ExternalCatalogUtils.escapePathName), then the whole relative path is
// percent-encoded as a URI path. Readers URI-decode add.path once; the Hive
// escapes stay in the file system names ("%3A" on disk is "%253A" in the log).
//
// Every decoder here takes untrusted input (a log written by anyone) and
// returns an error, never crashes, on malformed text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"

namespace rp::delta {

// The directory name of a null (or empty string) partition value.
inline constexpr std::string_view kHiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__";

// Escapes the characters Hive/Spark escape in a path segment as %XX (upper-case
// hex): bytes 0x00-0x1F, 0x7F and "#%'*/:=?\{[]^. Other bytes, including
// non-ASCII UTF-8, are kept.
std::string HiveEscape(std::string_view text);
// Reverses HiveEscape. Any "%XX" is decoded; a '%' without two hex digits, a
// NUL (raw or decoded) or a result that is not valid UTF-8 is an error.
Result<std::string> HiveUnescape(std::string_view text);

// "col=value" with both parts Hive-escaped; nullopt or "" gives
// "col=__HIVE_DEFAULT_PARTITION__".
std::string PartitionSegment(std::string_view column, const std::optional<std::string>& value);

struct ParsedSegment {
  std::string column;
  std::optional<std::string> value;  // nullopt for __HIVE_DEFAULT_PARTITION__
};
// Parses one "col=value" directory name (inverse of PartitionSegment).
Result<ParsedSegment> ParsePartitionSegment(std::string_view segment);

// The relative directory ("year=2025/month=9") of a file with these values,
// columns in table order. Empty for an unpartitioned table. Every partition
// column must have an entry in `values`.
Result<std::string> PartitionDirectory(const std::vector<std::string>& partition_columns,
                                       const PartitionValues& values);

// Parses the partition directories of a relative file path (decoded, e.g.
// "year=2025/month=9/part-0.parquet"): every segment but the last must be a
// "col=value" directory.
Result<PartitionValues> ParsePartitionDirectories(std::string_view relative_file_path);

// Percent-encodes a relative path for add.path: every byte outside
// [A-Za-z0-9-._~/=] becomes %XX. Plain "year=2025/part-0.parquet" is unchanged.
std::string UriEncodePath(std::string_view path);
// Decodes an add.path once. Bytes that need no encoding (including raw UTF-8, as
// Spark writes it) pass through. A malformed escape, a NUL (raw or encoded) or a result
// that is not valid UTF-8 is an error.
Result<std::string> UriDecodePath(std::string_view uri);

}  // namespace rp::delta
