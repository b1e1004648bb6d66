#include "delta/log_paths.h"

#include <charconv>
#include <cstdio>

namespace rp::delta {
namespace {

std::string Padded(int64_t version, const char* suffix) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%020lld%s", static_cast<long long>(version), suffix);
  return buf;
}

std::optional<int64_t> ParseVersionWithSuffix(std::string_view name, std::string_view suffix) {
  if (name.size() != 20 + suffix.size() || name.substr(20) != suffix) return std::nullopt;
  int64_t v = 0;
  auto digits = name.substr(0, 20);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string CommitFileName(int64_t version) { return Padded(version, ".json"); }
std::string ChecksumFileName(int64_t version) { return Padded(version, ".crc"); }
std::string CheckpointFileName(int64_t version) { return Padded(version, ".checkpoint.parquet"); }

std::optional<int64_t> ParseCommitFileName(std::string_view name) {
  return ParseVersionWithSuffix(name, ".json");
}
std::optional<int64_t> ParseCheckpointFileName(std::string_view name) {
  return ParseVersionWithSuffix(name, ".checkpoint.parquet");
}

}  // namespace rp::delta
