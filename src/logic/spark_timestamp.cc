#include "logic/spark_timestamp.h"

#include <array>
#include <limits>

#include "logic/civil.h"
#include "logic/zone_rules.h"

namespace rp::logic {
namespace {

using internal::kMicrosPerSecond;
using internal::kSecondsPerDay;

// UTF8String.isWhitespaceOrISOControl on a (signed) byte: bytes >= 0x80 are
// negative in Java, hence never trimmed.
bool IsTrimmed(unsigned char c) { return c <= 0x20 || c == 0x7F; }

// parseTimestampString's isValidDigits.
bool ValidDigits(int segment, int digits) {
  constexpr int kMaxYearDigits = 6;
  return segment == 6 || (segment == 0 && digits >= 4 && digits <= kMaxYearDigits) ||
         (segment == 7 && digits <= 2) || (segment != 0 && segment != 6 && segment != 7 && digits > 0 && digits <= 2);
}

// Writes value (>= 0) with at least `width` digits, zero-padded.
void AppendDigits(int64_t value, int width, char** p) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (int i = n; i < width; ++i) *(*p)++ = '0';
  while (n > 0) *(*p)++ = tmp[--n];
}

// Two digits of 0..99, without a loop: the formatter's hot path.
void Append2(int64_t value, char** p) {
  (*p)[0] = static_cast<char>('0' + value / 10);
  (*p)[1] = static_cast<char>('0' + value % 10);
  *p += 2;
}

// What parseTimestampString extracts from the text.
struct TimestampFields {
  int64_t year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0;
  std::string_view zone;  // empty: the configured zone
};

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// The shape almost every record has, "yyyy-MM-dd[T ]HH:mm:ss[.fff…]" with
// nothing around it, read without the general state machine. It accepts only
// what the general parser reads the same way.
bool ParseCanonical(std::string_view text, TimestampFields* f) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  if (n < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':') {
    return false;
  }
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    if (!IsDigit(b[i])) return false;
  }
  auto two = [b](size_t i) { return (b[i] - '0') * 10 + (b[i + 1] - '0'); };
  f->year = two(0) * 100 + two(2);
  f->month = two(5);
  f->day = two(8);
  f->hour = two(11);
  f->minute = two(14);
  f->second = two(17);
  f->micros = 0;
  if (n == 19) return true;
  if (b[19] != '.') return false;
  int64_t micros = 0;
  size_t digits = 0;
  for (size_t i = 20; i < n; ++i, ++digits) {
    if (!IsDigit(b[i])) return false;
    if (digits < 6) micros = micros * 10 + (b[i] - '0');
  }
  for (; digits < 6; ++digits) micros *= 10;
  f->micros = micros;
  return true;
}

// parseTimestampString's state machine, segment by segment.
bool ParseGeneral(std::string_view text, TimestampFields* out) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  size_t start = 0, end = text.size();
  while (start < end && IsTrimmed(b[start])) ++start;
  while (end > start && IsTrimmed(b[end - 1])) --end;
  if (start == end) return false;

  // year, month, day, hour, minute, second, micros, (zone), (unused)
  int64_t seg[9] = {1, 1, 1, 0, 0, 0, 0, 0, 0};
  int i = 0;
  int64_t value = 0;
  int digits = 0;
  int fraction_digits = 0;
  int year_sign = 1;
  std::string_view zone_text;
  auto close_segment = [&](int segment) {
    if (!ValidDigits(segment, digits)) return false;
    seg[segment] = value;
    value = 0;
    digits = 0;
    return true;
  };

  size_t j = start;
  if (b[j] == '-' || b[j] == '+') {
    year_sign = b[j] == '-' ? -1 : 1;
    ++j;
  }
  for (; j < end; ++j) {
    const unsigned char c = b[j];
    if (IsDigit(c)) {
      if (i == 6) ++fraction_digits;
      // Fraction digits past the sixth are dropped (truncation). Other
      // segments with this many digits are invalid anyway.
      if ((i != 6 || digits < 6) && digits < 9) value = value * 10 + (c - '0');
      ++digits;
      continue;
    }
    if (j == 0 && c == 'T') return false;  // time only: see ParseSparkTimestamp
    if (i < 2) {
      if (c != '-' || !close_segment(i)) return false;  // also "hh:mm…" without a date
      ++i;
    } else if (i == 2) {
      if ((c != ' ' && c != 'T') || !close_segment(i)) return false;
      ++i;
    } else if (i == 3 || i == 4) {
      if (c != ':' || !close_segment(i)) return false;
      ++i;
    } else if (i == 5 || i == 6) {
      if (c == '.' && i == 5) {
        if (!close_segment(i)) return false;
        ++i;
      } else {
        // Anything else after the seconds (or their fraction) starts the zone.
        if (!close_segment(i)) return false;
        ++i;
        zone_text = text.substr(j, end - j);
        j = end - 1;
      }
      if (i == 6 && c != '.') ++i;
    } else {
      if (i >= 8 || (c != ':' && c != ' ') || !close_segment(i)) return false;
      ++i;
    }
  }
  if (i >= 9 || !close_segment(i)) return false;
  for (; fraction_digits < 6; ++fraction_digits) seg[6] *= 10;

  // The zone goes through Java's String.trim.
  size_t zs = 0, ze = zone_text.size();
  while (zs < ze && static_cast<unsigned char>(zone_text[zs]) <= 0x20) ++zs;
  while (ze > zs && static_cast<unsigned char>(zone_text[ze - 1]) <= 0x20) --ze;
  if (!zone_text.empty() && zs == ze) return false;  // an all-space zone is not a zone id
  out->zone = zone_text.substr(zs, ze - zs);
  out->year = seg[0] * year_sign;
  out->month = seg[1];
  out->day = seg[2];
  out->hour = seg[3];
  out->minute = seg[4];
  out->second = seg[5];
  out->micros = seg[6];
  return true;
}

}  // namespace

// A port of Spark's SparkDateTimeUtils.parseTimestampString + stringToTimestamp.
// Deliberate difference: a time without a date ("12:00:00", "T12:00:00") gives
// null; Spark reads it on today's date, which would make the output depend on
// when a record is (re)processed.
std::optional<int64_t> ParseSparkTimestamp(std::string_view text, const TimeZone& zone) {
  TimestampFields f;
  if (!ParseCanonical(text, &f) && !ParseGeneral(text, &f)) return std::nullopt;

  internal::ZoneRef zone_ref = zone.ref();
  if (!f.zone.empty() && !internal::ParseZoneId(f.zone, &zone_ref, nullptr)) return std::nullopt;
  // LocalDate.of / LocalTime.of validation.
  if (f.month < 1 || f.month > 12) return std::nullopt;
  const int month = static_cast<int>(f.month);
  if (f.day < 1 || f.day > internal::DaysInMonth(f.year, month)) return std::nullopt;
  if (f.hour > 23 || f.minute > 59 || f.second > 59) return std::nullopt;

  const int64_t local = internal::DaysFromCivil(f.year, month, static_cast<int>(f.day)) * kSecondsPerDay +
                        f.hour * 3600 + f.minute * 60 + f.second;
  const int64_t utc = internal::LocalToUtc(zone_ref, local);
  // instantToMicros: Math.multiplyExact / addExact, so overflow gives null.
  const __int128 micros = static_cast<__int128>(utc) * kMicrosPerSecond + f.micros;
  if (micros > std::numeric_limits<int64_t>::max() || micros < std::numeric_limits<int64_t>::min()) {
    return std::nullopt;
  }
  return static_cast<int64_t>(micros);
}

std::optional<int64_t> ParseSparkJsonTimestamp(std::string_view text, const TimeZone& zone) {
  // The converter does not take "" (EmptyJsonFieldValueException).
  if (text.empty()) return std::nullopt;
  if (std::optional<int64_t> t = ParseSparkTimestamp(text, zone)) return t;
  // JacksonParser's fallback: DateTimeUtils.cleanLegacyTimestampStr removes
  // every "GMT" ("2000-01-01T00:00:00GMT+01:00"), then parses again.
  if (text.find("GMT") == std::string_view::npos) return std::nullopt;
  std::array<char, 128> buf;
  if (text.size() > buf.size()) return std::nullopt;  // cannot be a timestamp
  size_t n = 0;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "GMT") == 0) {
      i += 3;
    } else {
      buf[n++] = text[i++];
    }
  }
  return ParseSparkTimestamp(std::string_view(buf.data(), n), zone);
}

// java.time formatting of "uuuu-MM-dd'T'HH:mm:ss.SSSXXX" (Spark rewrites the
// pattern's yyyy to uuuu): years beyond 9999 get a '+', negative years a '-',
// both padded to four digits; the fraction is truncated; XXX prints 'Z' for
// a zero offset and adds seconds only when the offset has them.
void AppendSparkTimestamp(int64_t epoch_micros, const TimeZone& zone, std::string* out) {
  const int64_t seconds = internal::FloorDiv(epoch_micros, kMicrosPerSecond);
  const int64_t micros = internal::FloorMod(epoch_micros, kMicrosPerSecond);
  const int32_t offset = internal::OffsetAt(zone.ref(), seconds);
  const int64_t local = seconds + offset;
  const int64_t days = internal::FloorDiv(local, kSecondsPerDay);
  const int64_t second_of_day = local - days * kSecondsPerDay;
  const internal::CivilDate date = internal::CivilFromDays(days);

  std::array<char, 48> buf;
  char* p = buf.data();
  if (date.year < 0) {
    *p++ = '-';
  } else if (date.year > 9999) {
    *p++ = '+';
  }
  const int64_t abs_year = date.year < 0 ? -date.year : date.year;
  if (abs_year < 10000) {
    Append2(abs_year / 100, &p);
    Append2(abs_year % 100, &p);
  } else {
    AppendDigits(abs_year, 4, &p);
  }
  *p++ = '-';
  Append2(date.month, &p);
  *p++ = '-';
  Append2(date.day, &p);
  *p++ = 'T';
  Append2(second_of_day / 3600, &p);
  *p++ = ':';
  Append2(second_of_day / 60 % 60, &p);
  *p++ = ':';
  Append2(second_of_day % 60, &p);
  *p++ = '.';
  const int64_t millis = micros / 1000;
  *p++ = static_cast<char>('0' + millis / 100);
  Append2(millis % 100, &p);
  if (offset == 0) {
    *p++ = 'Z';
  } else {
    const int32_t a = offset < 0 ? -offset : offset;
    *p++ = offset < 0 ? '-' : '+';
    Append2(a / 3600, &p);
    *p++ = ':';
    Append2(a / 60 % 60, &p);
    if (a % 60 != 0) {
      *p++ = ':';
      Append2(a % 60, &p);
    }
  }
  out->append(buf.data(), static_cast<size_t>(p - buf.data()));
}

std::string FormatSparkTimestamp(int64_t epoch_micros, const TimeZone& zone) {
  std::string out;
  AppendSparkTimestamp(epoch_micros, zone, &out);
  return out;
}

}  // namespace rp::logic
