#include "logic/posix_tz.h"

#include <algorithm>
#include <array>
#include <limits>

#include "logic/civil.h"

namespace rp::logic::internal {
namespace {

// A tiny cursor over the TZ string.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  bool Number(int max_digits, int* out) {
    int v = 0, n = 0;
    while (n < max_digits && !done() && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0'), ++n;
    *out = v;
    return n > 0;
  }
};

bool ParseName(Cursor* c) {
  if (c->Eat('<')) {
    while (!c->done() && c->peek() != '>') ++c->i;
    return c->Eat('>');
  }
  const size_t start = c->i;
  while (!c->done() && ((c->peek() >= 'A' && c->peek() <= 'Z') || (c->peek() >= 'a' && c->peek() <= 'z'))) ++c->i;
  return c->i - start >= 3;
}

// [+-]hh[:mm[:ss]], hours up to `max_hours`. Returns signed seconds.
bool ParseHms(Cursor* c, int max_hours, int32_t* out) {
  int sign = 1;
  if (c->Eat('-')) sign = -1;
  else c->Eat('+');
  int h = 0, m = 0, s = 0;
  if (!c->Number(3, &h) || h > max_hours) return false;
  if (c->Eat(':')) {
    if (!c->Number(2, &m) || m > 59) return false;
    if (c->Eat(':') && (!c->Number(2, &s) || s > 59)) return false;
  }
  *out = sign * (h * 3600 + m * 60 + s);
  return true;
}

}  // namespace

std::optional<PosixTzRule> PosixTzRule::Parse(std::string_view spec) {
  Cursor c{spec};
  PosixTzRule rule;
  int32_t std_west = 0;
  if (!ParseName(&c) || !ParseHms(&c, 24, &std_west)) return std::nullopt;
  rule.std_offset_ = -std_west;  // POSIX offsets count hours west of UTC
  if (c.done()) return std::nullopt;  // no DST: nothing to extend
  if (!ParseName(&c)) return std::nullopt;
  rule.dst_offset_ = rule.std_offset_ + 3600;
  if (!c.done() && c.peek() != ',') {
    int32_t dst_west = 0;
    if (!ParseHms(&c, 24, &dst_west)) return std::nullopt;
    rule.dst_offset_ = -dst_west;
  }
  auto parse_date = [&c](DateRule* r) {
    if (!c.Eat(',')) return false;
    if (c.Eat('M')) {
      r->kind = DateRule::kMonthWeekDay;
      if (!c.Number(2, &r->month) || r->month < 1 || r->month > 12 || !c.Eat('.') ||
          !c.Number(1, &r->week) || r->week < 1 || r->week > 5 || !c.Eat('.') ||
          !c.Number(1, &r->weekday) || r->weekday > 6) {
        return false;
      }
    } else if (c.Eat('J')) {
      r->kind = DateRule::kJulianNoLeap;
      if (!c.Number(3, &r->day) || r->day < 1 || r->day > 365) return false;
    } else {
      r->kind = DateRule::kZeroBasedDay;
      if (!c.Number(3, &r->day) || r->day > 365) return false;
    }
    r->time = 7200;
    if (c.Eat('/') && !ParseHms(&c, 167, &r->time)) return false;
    return true;
  };
  if (c.done()) {
    // No rules given: POSIX leaves them to the implementation; glibc uses the US rules.
    rule.start_ = {DateRule::kMonthWeekDay, 0, 3, 2, 0, 7200};
    rule.end_ = {DateRule::kMonthWeekDay, 0, 11, 1, 0, 7200};
    return rule;
  }
  if (!parse_date(&rule.start_) || !parse_date(&rule.end_) || !c.done()) return std::nullopt;
  return rule;
}

int64_t PosixTzRule::DayOf(const DateRule& rule, int64_t year) {
  const int64_t jan1 = DaysFromCivil(year, 1, 1);
  switch (rule.kind) {
    case DateRule::kJulianNoLeap:
      return jan1 + rule.day - 1 + (IsLeapYear(year) && rule.day >= 60 ? 1 : 0);
    case DateRule::kZeroBasedDay:
      return jan1 + rule.day;
    case DateRule::kMonthWeekDay: {
      const int64_t first = DaysFromCivil(year, rule.month, 1);
      int64_t day = first + (rule.weekday - WeekdayFromDays(first) + 7) % 7 + (rule.week - 1) * 7;
      while (day - first >= DaysInMonth(year, rule.month)) day -= 7;  // week 5 = last
      return day;
    }
  }
  return jan1;
}

OffsetPeriod PosixTzRule::PeriodAt(int64_t utc_seconds) const {
  struct Event {
    int64_t at;
    int32_t offset;
    int order;  // at equal instants a DST start wins over the previous year's end
  };
  const int64_t year = CivilFromDays(FloorDiv(utc_seconds + std_offset_, kSecondsPerDay)).year;
  std::array<Event, 6> events;
  size_t n = 0;
  for (int64_t y = year - 1; y <= year + 1; ++y) {
    events[n++] = {DayOf(start_, y) * kSecondsPerDay + start_.time - std_offset_, dst_offset_, 1};
    events[n++] = {DayOf(end_, y) * kSecondsPerDay + end_.time - dst_offset_, std_offset_, 0};
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.at != b.at ? a.at < b.at : a.order < b.order;
  });
  OffsetPeriod p{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), std_offset_};
  for (const Event& e : events) {
    if (e.at <= utc_seconds) {
      p.begin = e.at;
      p.offset = e.offset;
    } else {
      p.end = e.at;
      break;
    }
  }
  return p;
}

std::optional<PosixTzRule> PosixTzRuleFromTzif(std::string_view file) {
  if (file.size() < 6 || file.substr(0, 4) != "TZif" || file[4] < '2') return std::nullopt;
  if (file.back() != '\n') return std::nullopt;
  file.remove_suffix(1);
  const size_t nl = file.rfind('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  return PosixTzRule::Parse(file.substr(nl + 1));
}

}  // namespace rp::logic::internal
