// Timestamps as Spark reads and writes them in from_json/to_json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "logic/time_zone.h"

namespace rp::logic {

// Spark's CAST(string AS TIMESTAMP) (stringToTimestamp): "yyyy", "yyyy-[m]m",
// "yyyy-[m]m-[d]d", then 'T' or ' ', "[h]h:[m]m:[s]s[.ffffff]", then an
// optional zone. A string without a zone is read in `zone`.
// Returns micros since the epoch, or nullopt when Spark would give null, and
// also for a time without a date ("12:00:00", "T07:00:00"), on purpose: Spark
// puts it on the date of the day the query runs, so a replay on another day
// would differ from the live output it must reproduce.
std::optional<int64_t> ParseSparkTimestamp(std::string_view text, const TimeZone& zone);

// What from_json's TIMESTAMP converter (no timestampFormat set) gives for a
// JSON string: ParseSparkTimestamp, then once more with every "GMT" removed
// (the 1.x/2.x fallback, "2000-01-01T00:00:00GMT+01:00"). nullopt when the
// converter fails, "" included.
std::optional<int64_t> ParseSparkJsonTimestamp(std::string_view text, const TimeZone& zone);

// to_json's default timestampFormat "yyyy-MM-dd'T'HH:mm:ss.SSSXXX" in `zone`,
// e.g. "2025-09-04T07:00:00.000+02:00"; 'Z' for a zero offset. Micros are
// truncated (not rounded) to millis.
std::string FormatSparkTimestamp(int64_t epoch_micros, const TimeZone& zone);
void AppendSparkTimestamp(int64_t epoch_micros, const TimeZone& zone, std::string* out);

}  // namespace rp::logic
