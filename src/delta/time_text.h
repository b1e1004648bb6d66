// Dates and timestamps as Delta writes them as text: in stats JSON
// ("2025-09-04T07:00:00.000Z", milliseconds, PROTOCOL.md "Per-file
// Statistics") and in partition values ("2025-09-04", "… 07:00:00.123456").
// All arithmetic is proleptic Gregorian in UTC; no time zone database needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rp::delta {

// Days since 1970-01-01 -> "yyyy-MM-dd".
std::string FormatDate(int32_t days);
// Micros since the epoch, truncated down to milliseconds:
// "yyyy-MM-ddTHH:mm:ss.SSSZ" (utc) or without the 'Z' (timestamp_ntz).
std::string FormatStatsTimestamp(int64_t micros, bool utc);
// Partition value text: "yyyy-MM-ddTHH:mm:ss[.ffffff]Z" (utc) or
// "yyyy-MM-dd HH:mm:ss[.ffffff]" (timestamp_ntz).
std::string FormatPartitionTimestamp(int64_t micros, bool utc);

// "yyyy-MM-dd" -> days since the epoch.
std::optional<int32_t> ParseDate(std::string_view text);
// "yyyy-MM-dd[( |T)HH:mm[:ss[.f{1,9}]]][Z|±HH[:]mm]" -> micros since the
// epoch; text without a zone is read as UTC. Digits past microseconds are
// truncated.
std::optional<int64_t> ParseTimestampMicros(std::string_view text);

}  // namespace rp::delta
