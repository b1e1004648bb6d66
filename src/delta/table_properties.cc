#include "delta/table_properties.h"

#include <cctype>
#include <charconv>
#include <limits>
#include <string>
#include <vector>

namespace rp::delta {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// Microseconds per unit; 0 for the units Delta refuses, -1 for unknown words.
int64_t MicrosPerUnit(std::string_view unit) {
  if (unit.size() > 1 && unit.back() == 's') unit.remove_suffix(1);
  constexpr int64_t kMs = 1000, kSecond = 1000 * kMs, kMinute = 60 * kSecond, kHour = 60 * kMinute,
                    kDay = 24 * kHour;
  if (unit == "microsecond") return 1;
  if (unit == "millisecond") return kMs;
  if (unit == "second") return kSecond;
  if (unit == "minute") return kMinute;
  if (unit == "hour") return kHour;
  if (unit == "day") return kDay;
  if (unit == "week") return 7 * kDay;
  if (unit == "month" || unit == "year") return 0;
  return -1;
}

Status BadInterval(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("invalid interval '" + std::string(text) + "': " + std::string(why));
}

Result<int64_t> IntervalProperty(const Metadata& metadata, std::string_view key, int64_t default_ms) {
  auto it = metadata.configuration.find(std::string(key));
  if (it == metadata.configuration.end()) return default_ms;
  auto ms = ParseIntervalMs(it->second);
  if (!ms.ok()) return ms.status().WithContext("table property " + std::string(key));
  return ms;
}

}  // namespace

Result<int64_t> ParseIntervalMs(std::string_view text) {
  const std::string lower = Lower(text);
  std::vector<std::string_view> words = Words(lower);
  if (!words.empty() && words.front() == "interval") words.erase(words.begin());
  if (words.empty()) return BadInterval(text, "expected '<number> <unit>', e.g. 'interval 7 days'");
  if (words.size() % 2 != 0) return BadInterval(text, "expected '<number> <unit>' pairs");
  int64_t total_micros = 0;
  for (size_t i = 0; i < words.size(); i += 2) {
    std::string_view number = words[i];
    if (!number.empty() && number.front() == '+') number.remove_prefix(1);
    int64_t n = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size()) {
      return BadInterval(text, "'" + std::string(words[i]) + "' is not a whole number");
    }
    const int64_t per_unit = MicrosPerUnit(words[i + 1]);
    if (per_unit < 0) {
      return BadInterval(text,
                         "unknown unit '" + std::string(words[i + 1]) +
                             "' (use weeks, days, hours, minutes, seconds, milliseconds or microseconds)");
    }
    if (per_unit == 0) {
      return BadInterval(text,
                         "months and years are not accepted (their length varies); use e.g. '365 days'");
    }
    int64_t micros = 0;
    if (__builtin_mul_overflow(n, per_unit, &micros) ||
        __builtin_add_overflow(total_micros, micros, &total_micros)) {
      return BadInterval(text, "out of range");
    }
  }
  if (total_micros < 0) return BadInterval(text, "must not be negative");
  return total_micros / 1000;
}

Result<int64_t> DeletedFileRetentionMs(const Metadata& metadata) {
  return IntervalProperty(metadata, kDeletedFileRetentionProperty, kDefaultDeletedFileRetentionMs);
}

Result<int64_t> LogRetentionMs(const Metadata& metadata) {
  return IntervalProperty(metadata, kLogRetentionProperty, kDefaultLogRetentionMs);
}

namespace {

Result<bool> BooleanProperty(const Metadata& metadata, std::string_view name, bool fallback) {
  auto it = metadata.configuration.find(std::string(name));
  if (it == metadata.configuration.end()) return fallback;
  const std::string value = Lower(it->second);
  if (value == "true") return true;
  if (value == "false") return false;
  return Status::InvalidArgument("table property " + std::string(name) + "='" + it->second +
                                 "' is not a boolean (true or false)");
}

}  // namespace

Result<bool> ExpiredLogCleanupEnabled(const Metadata& metadata) {
  return BooleanProperty(metadata, kEnableExpiredLogCleanupProperty, true);
}

Result<bool> ExactLogRetention(const Metadata& metadata) {
  return BooleanProperty(metadata, kExactLogRetentionProperty, false);
}

}  // namespace rp::delta
