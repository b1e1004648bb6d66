// Names of the files in a table's _delta_log directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rp::delta {

inline constexpr std::string_view kLogDir = "_delta_log";

std::string CommitFileName(int64_t version);      // 00000000000000000007.json
std::string ChecksumFileName(int64_t version);    // 00000000000000000007.crc
std::string CheckpointFileName(int64_t version);  // 00000000000000000010.checkpoint.parquet
inline constexpr std::string_view kLastCheckpointFileName = "_last_checkpoint";

// The version of a commit file name ("00000000000000000007.json" -> 7), or nullopt.
std::optional<int64_t> ParseCommitFileName(std::string_view name);
// The version of a classic single-file checkpoint name, or nullopt.
std::optional<int64_t> ParseCheckpointFileName(std::string_view name);

}  // namespace rp::delta
