#include "delta/time_text.h"

#include <cstdio>

namespace rp::delta {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct Civil {
  int64_t year;
  int month;
  int day;
};

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

struct Split {
  Civil date;
  int hour, minute, second;
  int64_t micros;  // within the second
};

Split SplitMicros(int64_t micros) {
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  int64_t in_day = micros - days * kMicrosPerDay;
  int64_t secs = in_day / kMicrosPerSecond;
  return {CivilFromDays(days), static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
          static_cast<int>(secs % 60), in_day % kMicrosPerSecond};
}

// A small cursor over the text being parsed.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  bool Done() const { return pos_ == text_.size(); }
  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  // Exactly `n` digits.
  bool Digits(int n, int64_t* value) {
    int64_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') return false;
      v = v * 10 + (text_[pos_++] - '0');
    }
    *value = v;
    return true;
  }
  // 1..max digits; returns how many were read.
  int DigitsUpTo(int max, int64_t* value) {
    int n = 0;
    int64_t v = 0;
    while (n < max && pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      v = v * 10 + (text_[pos_++] - '0');
      ++n;
    }
    *value = v;
    return n;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

bool ReadDate(Reader* r, int64_t* days) {
  int64_t y, m, d;
  bool negative = r->Consume('-');
  if (!r->Digits(4, &y) || !r->Consume('-') || !r->Digits(2, &m) || !r->Consume('-') || !r->Digits(2, &d)) {
    return false;
  }
  if (negative) y = -y;
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, static_cast<int>(m))) return false;
  *days = DaysFromCivil(y, static_cast<int>(m), static_cast<int>(d));
  return true;
}

std::string DatePart(const Civil& c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(c.year), c.month, c.day);
  return buf;
}

}  // namespace

std::string FormatDate(int32_t days) { return DatePart(CivilFromDays(days)); }

std::string FormatStatsTimestamp(int64_t micros, bool utc) {
  Split s = SplitMicros(micros);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%03d%s", DatePart(s.date).c_str(), s.hour, s.minute, s.second,
                static_cast<int>(s.micros / 1000), utc ? "Z" : "");
  return buf;
}

std::string FormatPartitionTimestamp(int64_t micros, bool utc) {
  Split s = SplitMicros(micros);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%s%c%02d:%02d:%02d", DatePart(s.date).c_str(), utc ? 'T' : ' ', s.hour,
                        s.minute, s.second);
  if (s.micros != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%06d", static_cast<int>(s.micros));
  if (utc) std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

std::optional<int32_t> ParseDate(std::string_view text) {
  Reader r(text);
  int64_t days;
  if (!ReadDate(&r, &days) || !r.Done()) return std::nullopt;
  if (days < INT32_MIN || days > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(days);
}

std::optional<int64_t> ParseTimestampMicros(std::string_view text) {
  Reader r(text);
  int64_t days;
  if (!ReadDate(&r, &days)) return std::nullopt;
  int64_t hh = 0, mm = 0, ss = 0, frac = 0;
  if (r.Consume('T') || r.Consume(' ')) {
    if (!r.Digits(2, &hh) || !r.Consume(':') || !r.Digits(2, &mm)) return std::nullopt;
    if (r.Consume(':')) {
      if (!r.Digits(2, &ss)) return std::nullopt;
      if (r.Consume('.')) {
        int64_t digits_value;
        int n = r.DigitsUpTo(9, &digits_value);
        if (n == 0) return std::nullopt;
        for (int i = n; i < 9; ++i) digits_value *= 10;
        frac = digits_value / 1000;  // nanos -> micros, truncated
      }
    }
    if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  }
  int64_t offset_seconds = 0;
  if (!r.Consume('Z') && (r.Peek('+') || r.Peek('-'))) {
    bool negative = r.Consume('-');
    if (!negative) r.Consume('+');
    int64_t oh, om = 0;
    if (!r.Digits(2, &oh)) return std::nullopt;
    if ((r.Consume(':') || !r.Done()) && !r.Digits(2, &om)) return std::nullopt;
    if (oh > 18 || om > 59) return std::nullopt;
    offset_seconds = (oh * 3600 + om * 60) * (negative ? -1 : 1);
  }
  if (!r.Done()) return std::nullopt;
  // Every term is bounded (|days| < 10^7 by the 4-digit year), so no overflow.
  return days * kMicrosPerDay + ((hh * 60 + mm) * 60 + ss - offset_seconds) * kMicrosPerSecond + frac;
}

}  // namespace rp::delta
