// The POSIX TZ rule at the end of a TZif file ("CET-1CEST,M3.5.0,M10.5.0/3").
// Debian's zone files list transitions only up to 2037 and date/tz (built with
// USE_OS_TZDB) repeats the last one forever, whereas java.time keeps applying
// the zone's last rules. This rule lets us do the same past the listed data.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rp::logic::internal {

// A stretch of time with one UTC offset: [begin, end) in seconds since the epoch.
struct OffsetPeriod {
  int64_t begin;
  int64_t end;
  int32_t offset;  // seconds east of UTC
};

class PosixTzRule {
 public:
  // Parses a TZ string. Returns nullopt when it is malformed or has no DST
  // (a rule without DST adds nothing to the last listed period).
  static std::optional<PosixTzRule> Parse(std::string_view spec);

  // The period that contains `utc_seconds` under this rule.
  OffsetPeriod PeriodAt(int64_t utc_seconds) const;

  int32_t std_offset() const { return std_offset_; }
  int32_t dst_offset() const { return dst_offset_; }

 private:
  struct DateRule {
    enum Kind { kJulianNoLeap, kZeroBasedDay, kMonthWeekDay } kind;
    int day = 0;  // Jn: 1..365, n: 0..365
    int month = 0, week = 0, weekday = 0;
    int32_t time = 7200;  // local seconds after midnight (may be negative or > 24h)
  };
  // Days since the epoch of the rule's date in `year`.
  static int64_t DayOf(const DateRule& rule, int64_t year);

  int32_t std_offset_ = 0;
  int32_t dst_offset_ = 0;
  DateRule start_{}, end_{};
};

// Reads the TZ rule from the footer of a TZif (version 2+) file's contents.
std::optional<PosixTzRule> PosixTzRuleFromTzif(std::string_view file_contents);

}  // namespace rp::logic::internal
