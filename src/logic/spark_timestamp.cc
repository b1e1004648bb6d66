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

}  // namespace

// A port of Spark's SparkDateTimeUtils.parseTimestampString + stringToTimestamp.
// Deliberate difference: a time without a date ("12:00:00", "T12:00:00") gives
// null; Spark reads it on today's date, which would make the output depend on
// when a record is (re)processed.
std::optional<int64_t> ParseSparkTimestamp(std::string_view text, const TimeZone& zone) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  size_t start = 0, end = text.size();
  while (start < end && IsTrimmed(b[start])) ++start;
  while (end > start && IsTrimmed(b[end - 1])) --end;
  if (start == end) return std::nullopt;

  // year, month, day, hour, minute, second, micros, (zone), (unused)
  int64_t seg[9] = {1, 1, 1, 0, 0, 0, 0, 0, 0};
  int i = 0;
  int64_t value = 0;
  int digits = 0;
  int fraction_digits = 0;
  int year_sign = 1;
  std::string_view zone_text;
  bool has_zone = false;
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
    if (c >= '0' && c <= '9') {
      if (i == 6) ++fraction_digits;
      // Fraction digits past the sixth are dropped (truncation). Other
      // segments with this many digits are invalid anyway.
      if ((i != 6 || digits < 6) && digits < 9) value = value * 10 + (c - '0');
      ++digits;
      continue;
    }
    if (j == 0 && c == 'T') return std::nullopt;  // time only: see above
    if (i < 2) {
      if (c == '-') {
        if (!close_segment(i)) return std::nullopt;
        ++i;
      } else {
        return std::nullopt;  // invalid, or "hh:mm…" without a date (time only: see above)
      }
    } else if (i == 2) {
      if ((c != ' ' && c != 'T') || !close_segment(i)) return std::nullopt;
      ++i;
    } else if (i == 3 || i == 4) {
      if (c != ':' || !close_segment(i)) return std::nullopt;
      ++i;
    } else if (i == 5 || i == 6) {
      if (c == '.' && i == 5) {
        if (!close_segment(i)) return std::nullopt;
        ++i;
      } else {
        // Anything else after the seconds (or their fraction) starts the zone.
        if (!close_segment(i)) return std::nullopt;
        ++i;
        zone_text = text.substr(j, end - j);
        has_zone = true;
        j = end - 1;
      }
      if (i == 6 && c != '.') ++i;
    } else {
      if (i >= 8 || (c != ':' && c != ' ') || !close_segment(i)) return std::nullopt;
      ++i;
    }
  }
  if (i >= 9 || !close_segment(i)) return std::nullopt;
  for (; fraction_digits < 6; ++fraction_digits) seg[6] *= 10;

  internal::ZoneRef zone_ref = zone.ref();
  if (has_zone) {
    // Java's String.trim.
    size_t zs = 0, ze = zone_text.size();
    while (zs < ze && static_cast<unsigned char>(zone_text[zs]) <= 0x20) ++zs;
    while (ze > zs && static_cast<unsigned char>(zone_text[ze - 1]) <= 0x20) --ze;
    if (!internal::ParseZoneId(zone_text.substr(zs, ze - zs), &zone_ref, nullptr)) return std::nullopt;
  }

  const int64_t year = seg[0] * year_sign;
  // LocalDate.of / LocalTime.of validation.
  if (seg[1] < 1 || seg[1] > 12) return std::nullopt;
  const int month = static_cast<int>(seg[1]);
  if (seg[2] < 1 || seg[2] > internal::DaysInMonth(year, month)) return std::nullopt;
  if (seg[3] > 23 || seg[4] > 59 || seg[5] > 59) return std::nullopt;

  const int64_t local = internal::DaysFromCivil(year, month, static_cast<int>(seg[2])) * kSecondsPerDay +
                        seg[3] * 3600 + seg[4] * 60 + seg[5];
  const int64_t utc = internal::LocalToUtc(zone_ref, local);
  // instantToMicros: Math.multiplyExact / addExact, so overflow gives null.
  const __int128 micros = static_cast<__int128>(utc) * kMicrosPerSecond + seg[6];
  if (micros > std::numeric_limits<int64_t>::max() || micros < std::numeric_limits<int64_t>::min()) {
    return std::nullopt;
  }
  return static_cast<int64_t>(micros);
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
  AppendDigits(date.year < 0 ? -date.year : date.year, 4, &p);
  *p++ = '-';
  AppendDigits(date.month, 2, &p);
  *p++ = '-';
  AppendDigits(date.day, 2, &p);
  *p++ = 'T';
  AppendDigits(second_of_day / 3600, 2, &p);
  *p++ = ':';
  AppendDigits(second_of_day / 60 % 60, 2, &p);
  *p++ = ':';
  AppendDigits(second_of_day % 60, 2, &p);
  *p++ = '.';
  AppendDigits(micros / 1000, 3, &p);
  if (offset == 0) {
    *p++ = 'Z';
  } else {
    const int32_t a = offset < 0 ? -offset : offset;
    *p++ = offset < 0 ? '-' : '+';
    AppendDigits(a / 3600, 2, &p);
    *p++ = ':';
    AppendDigits(a / 60 % 60, 2, &p);
    if (a % 60 != 0) {
      *p++ = ':';
      AppendDigits(a % 60, 2, &p);
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
