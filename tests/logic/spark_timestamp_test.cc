#include "logic/spark_timestamp.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "logic/civil.h"

namespace rp::logic {
namespace {

TimeZone Zone(std::string_view id) {
  auto z = TimeZone::Find(id);
  EXPECT_TRUE(z.ok()) << id;
  return z.ok() ? *z : TimeZone::Utc();
}

// CAST(text AS TIMESTAMP) in `zone`, shown as to_json would show it in the
// same zone, or "null".
std::string Cast(std::string_view text, std::string_view zone = "Europe/Paris") {
  const TimeZone z = Zone(zone);
  const std::optional<int64_t> micros = ParseSparkTimestamp(text, z);
  return micros ? FormatSparkTimestamp(*micros, z) : "null";
}

int64_t UtcMicros(int64_t y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return ((internal::DaysFromCivil(y, mo, d) * 24 + h) * 3600 + mi * 60 + s) * 1000000;
}

// ---- Accepted date and time shapes. ----

TEST(ParseSparkTimestamp, ReadsTheSeedShape) {
  EXPECT_EQ(Cast("2025-09-04T07:00:00.000000"), "2025-09-04T07:00:00.000+02:00");
  EXPECT_EQ(ParseSparkTimestamp("2025-09-04T07:00:00.000000", Zone("Europe/Paris")), UtcMicros(2025, 9, 4, 5));
}

TEST(ParseSparkTimestamp, AcceptsYearAloneAsMidnightOnJanuaryFirst) {
  EXPECT_EQ(Cast("2025"), "2025-01-01T00:00:00.000+01:00");
}

TEST(ParseSparkTimestamp, AcceptsYearAndMonthWithOneOrTwoDigits) {
  EXPECT_EQ(Cast("2025-9"), "2025-09-01T00:00:00.000+02:00");
  EXPECT_EQ(Cast("2025-09"), "2025-09-01T00:00:00.000+02:00");
}

TEST(ParseSparkTimestamp, AcceptsDateAloneAsMidnight) {
  EXPECT_EQ(Cast("2025-9-4"), "2025-09-04T00:00:00.000+02:00");
  EXPECT_EQ(Cast("2025-09-04"), "2025-09-04T00:00:00.000+02:00");
}

TEST(ParseSparkTimestamp, AcceptsTOrSpaceBetweenDateAndTime) {
  EXPECT_EQ(Cast("2025-09-04T07:08:09"), "2025-09-04T07:08:09.000+02:00");
  EXPECT_EQ(Cast("2025-09-04 07:08:09"), "2025-09-04T07:08:09.000+02:00");
  EXPECT_EQ(Cast("2025-09-04t07:08:09"), "null");
  EXPECT_EQ(Cast("2025-09-04_07:08:09"), "null");
}

TEST(ParseSparkTimestamp, AcceptsSingleDigitTimeFields) {
  EXPECT_EQ(Cast("2025-09-04 7:8:9"), "2025-09-04T07:08:09.000+02:00");
}

TEST(ParseSparkTimestamp, AcceptsHourAloneAndHourWithMinutes) {
  EXPECT_EQ(Cast("2025-09-04T07"), "2025-09-04T07:00:00.000+02:00");
  EXPECT_EQ(Cast("2025-09-04T07:30"), "2025-09-04T07:30:00.000+02:00");
}

TEST(ParseSparkTimestamp, RejectsADanglingSeparator) {
  EXPECT_EQ(Cast("2025-09-04T"), "null");
  EXPECT_EQ(Cast("2025-09-04T07:"), "null");
  EXPECT_EQ(Cast("2025-"), "null");
  EXPECT_EQ(Cast("2025-09-"), "null");
}

TEST(ParseSparkTimestamp, ReadsUpToSixFractionDigits) {
  EXPECT_EQ(ParseSparkTimestamp("1970-01-01T00:00:00.1", TimeZone::Utc()), 100000);
  EXPECT_EQ(ParseSparkTimestamp("1970-01-01T00:00:00.000123", TimeZone::Utc()), 123);
  EXPECT_EQ(ParseSparkTimestamp("1970-01-01T00:00:00.123456", TimeZone::Utc()), 123456);
}

TEST(ParseSparkTimestamp, TruncatesFractionDigitsBeyondSix) {
  EXPECT_EQ(ParseSparkTimestamp("1970-01-01T00:00:00.1234569", TimeZone::Utc()), 123456);
  EXPECT_EQ(ParseSparkTimestamp("1970-01-01T00:00:00.9999999999999", TimeZone::Utc()), 999999);
}

TEST(ParseSparkTimestamp, AcceptsAnEmptyFraction) {
  EXPECT_EQ(ParseSparkTimestamp("1970-01-01T00:00:01.", TimeZone::Utc()), 1000000);
}

TEST(ParseSparkTimestamp, TrimsWhitespaceAndControlCharacters) {
  EXPECT_EQ(Cast("  2025-09-04T07:00:00 \t\n"), "2025-09-04T07:00:00.000+02:00");
  EXPECT_EQ(Cast("\x01\x7f" "2025-09-04\x1f\x7f"), "2025-09-04T00:00:00.000+02:00");
  // Non-ASCII spaces are not trimmed (Spark compares single bytes).
  EXPECT_EQ(Cast("\xc2\xa0" "2025-09-04"), "null");
  EXPECT_EQ(Cast("   "), "null");
  EXPECT_EQ(Cast(""), "null");
}

TEST(ParseSparkTimestamp, RejectsInnerWhitespace) {
  EXPECT_EQ(Cast("2025 -09-04"), "null");
  EXPECT_EQ(Cast("2025-09-04  07:00:00"), "null");
}

// ---- Years. ----

TEST(ParseSparkTimestamp, NeedsFourToSixYearDigits) {
  EXPECT_EQ(Cast("999-01-01"), "null");
  EXPECT_EQ(Cast("0999-01-01", "UTC"), "0999-01-01T00:00:00.000Z");
  EXPECT_EQ(Cast("10000-01-01", "UTC"), "+10000-01-01T00:00:00.000Z");
  EXPECT_EQ(Cast("100000-01-01", "UTC"), "+100000-01-01T00:00:00.000Z");
  EXPECT_EQ(Cast("1000000-01-01", "UTC"), "null");
}

TEST(ParseSparkTimestamp, AcceptsASignedYear) {
  EXPECT_EQ(Cast("+2025-09-04", "UTC"), "2025-09-04T00:00:00.000Z");
  EXPECT_EQ(Cast("-0001-01-01", "UTC"), "-0001-01-01T00:00:00.000Z");
  EXPECT_EQ(Cast("-0000-01-01", "UTC"), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(Cast("--2025-01-01", "UTC"), "null");
}

TEST(ParseSparkTimestamp, GivesNullBeyondTheMicrosecondRange) {
  EXPECT_EQ(Cast("294247-01-11", "UTC"), "null");
  EXPECT_EQ(Cast("294247-01-10", "UTC"), "+294247-01-10T00:00:00.000Z");
  EXPECT_EQ(Cast("-290309-01-01", "UTC"), "null");
  EXPECT_EQ(Cast("292277-01-01", "UTC"), "+292277-01-01T00:00:00.000Z");
}

TEST(ParseSparkTimestamp, RejectsTooManyDigitsInOtherFields) {
  EXPECT_EQ(Cast("2025-009-04"), "null");
  EXPECT_EQ(Cast("2025-09-004"), "null");
  EXPECT_EQ(Cast("2025-09-04T007:00:00"), "null");
  EXPECT_EQ(Cast("2025-09-04T07:000:00"), "null");
  EXPECT_EQ(Cast("2025-09-04T07:00:000"), "null");
}

// ---- Invalid dates and times give null. ----

TEST(ParseSparkTimestamp, GivesNullForDatesThatDoNotExist) {
  EXPECT_EQ(Cast("2025-02-30"), "null");
  EXPECT_EQ(Cast("2025-02-29"), "null");
  EXPECT_EQ(Cast("2024-02-29"), "2024-02-29T00:00:00.000+01:00");
  EXPECT_EQ(Cast("1900-02-29"), "null");
  EXPECT_EQ(Cast("2000-02-29"), "2000-02-29T00:00:00.000+01:00");
  EXPECT_EQ(Cast("2025-04-31"), "null");
  EXPECT_EQ(Cast("2025-13-01"), "null");
  EXPECT_EQ(Cast("2025-00-01"), "null");
  EXPECT_EQ(Cast("2025-01-00"), "null");
}

TEST(ParseSparkTimestamp, GivesNullForTimesThatDoNotExist) {
  EXPECT_EQ(Cast("2025-09-04T24:00:00"), "null");
  EXPECT_EQ(Cast("2025-09-04T23:60:00"), "null");
  EXPECT_EQ(Cast("2025-09-04T23:59:60"), "null");  // no leap seconds
}

TEST(ParseSparkTimestamp, GivesNullForOtherText) {
  for (const char* s : {"garbage", "2025/09/04", "04-09-2025", "2025-09-04T07:00:00.123.456", "1e9", "-"}) {
    EXPECT_EQ(Cast(s), "null") << s;
  }
}

TEST(ParseSparkTimestamp, GivesNullForATimeWithoutADate) {
  // Deliberate: Spark would use today's date, which is not reproducible.
  EXPECT_EQ(Cast("07:00:00"), "null");
  EXPECT_EQ(Cast("T07:00:00"), "null");
  EXPECT_EQ(Cast("7:00"), "null");
}

// ---- Zones in the text. ----

TEST(ParseSparkTimestamp, ReadsZAsUtc) {
  EXPECT_EQ(Cast("2025-09-04T07:00:00Z"), "2025-09-04T09:00:00.000+02:00");
  EXPECT_EQ(Cast("2025-09-04T07:00:00.5Z"), "2025-09-04T09:00:00.500+02:00");
}

TEST(ParseSparkTimestamp, ReadsOffsetsInEveryForm) {
  for (const char* s : {"2025-09-04T07:00:00+02:00", "2025-09-04T07:00:00+02", "2025-09-04T07:00:00+0200",
                        "2025-09-04T07:00:00+2:00", "2025-09-04T07:00:00+02:00:00", "2025-09-04T07:00:00 +02:00",
                        "2025-09-04T07:00:00.000000+02:00"}) {
    EXPECT_EQ(Cast(s, "UTC"), "2025-09-04T05:00:00.000Z") << s;
  }
  EXPECT_EQ(Cast("2025-09-04T07:00:00-05:30", "UTC"), "2025-09-04T12:30:00.000Z");
}

TEST(ParseSparkTimestamp, ReadsUtcAndGmtPrefixedZones) {
  EXPECT_EQ(Cast("2025-09-04T07:00:00UTC"), "2025-09-04T09:00:00.000+02:00");
  EXPECT_EQ(Cast("2025-09-04T07:00:00 UTC"), "2025-09-04T09:00:00.000+02:00");
  EXPECT_EQ(Cast("2025-09-04T07:00:00UTC+01:00", "UTC"), "2025-09-04T06:00:00.000Z");
  EXPECT_EQ(Cast("2025-09-04T07:00:00GMT+1", "UTC"), "2025-09-04T06:00:00.000Z");
  EXPECT_EQ(Cast("2025-09-04T07:00:00 GMT-05:00", "UTC"), "2025-09-04T12:00:00.000Z");
}

TEST(ParseSparkTimestamp, ReadsRegionIds) {
  EXPECT_EQ(Cast("2025-09-04T07:00:00 America/New_York"), "2025-09-04T13:00:00.000+02:00");
  EXPECT_EQ(Cast("2025-09-04T07:00:00America/New_York"), "2025-09-04T13:00:00.000+02:00");
  EXPECT_EQ(Cast("2025-01-04T07:00:00 Europe/Paris", "UTC"), "2025-01-04T06:00:00.000Z");
  EXPECT_EQ(Cast("2025-09-04T07:00:00 PST", "UTC"), "2025-09-04T14:00:00.000Z");  // Java short id
}

TEST(ParseSparkTimestamp, GivesNullForAnUnknownZone) {
  EXPECT_EQ(Cast("2025-09-04T07:00:00 Mars/Olympus"), "null");
  EXPECT_EQ(Cast("2025-09-04T07:00:00+25:00"), "null");
  EXPECT_EQ(Cast("2025-09-04T07:00:00 europe/paris"), "null");
  EXPECT_EQ(Cast("2025-09-04T07:00:00X"), "null");
}

TEST(ParseSparkTimestamp, GivesNullForAZoneBeforeTheSeconds) {
  EXPECT_EQ(Cast("2025-09-04T07:00+02:00"), "null");
  EXPECT_EQ(Cast("2025-09-04Z"), "null");
}

TEST(ParseSparkTimestamp, UsesTheConfiguredZoneWithoutAZone) {
  EXPECT_EQ(ParseSparkTimestamp("2025-09-04T07:00:00", Zone("America/New_York")), UtcMicros(2025, 9, 4, 11));
  EXPECT_EQ(ParseSparkTimestamp("2025-09-04T07:00:00", TimeZone::Utc()), UtcMicros(2025, 9, 4, 7));
}

TEST(ParseSparkTimestamp, MovesGapTimesForwardAndTakesTheEarlierOffsetInOverlaps) {
  EXPECT_EQ(Cast("2025-03-30T02:30:00"), "2025-03-30T03:30:00.000+02:00");
  EXPECT_EQ(Cast("2025-10-26T02:30:00"), "2025-10-26T02:30:00.000+02:00");
  EXPECT_EQ(Cast("2025-03-09T02:30:00", "America/New_York"), "2025-03-09T03:30:00.000-04:00");
  EXPECT_EQ(Cast("2025-11-02T01:30:00", "America/New_York"), "2025-11-02T01:30:00.000-04:00");
}

TEST(ParseSparkTimestamp, CommonShapeFastPathAgreesWithTheGeneralParser) {
  // A leading space sends the same text through the general state machine.
  const TimeZone paris = Zone("Europe/Paris");
  uint64_t seed = 42;
  auto next = [&seed](int n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((seed >> 33) % static_cast<uint64_t>(n));
  };
  for (int i = 0; i < 20000; ++i) {
    char buf[64];
    const int len = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d%c%02d:%02d:%02d", next(10000), next(14),
                                  next(33), next(2) ? 'T' : ' ', next(25), next(61), next(61));
    std::string text(buf, static_cast<size_t>(len));
    if (const int fraction = next(11); fraction > 0) {
      text += '.';
      for (int d = 1; d < fraction; ++d) text += static_cast<char>('0' + next(10));
    }
    if (next(10) == 0) text[static_cast<size_t>(next(static_cast<int>(text.size())))] = 'x';
    EXPECT_EQ(ParseSparkTimestamp(text, paris), ParseSparkTimestamp(" " + text, paris)) << text;
  }
}

// ---- Formatting. ----

std::string Format(int64_t micros, std::string_view zone = "UTC") { return FormatSparkTimestamp(micros, Zone(zone)); }

TEST(FormatSparkTimestamp, PrintsZForAZeroOffset) {
  EXPECT_EQ(Format(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Format(UtcMicros(2025, 1, 1), "Europe/London"), "2025-01-01T00:00:00.000Z");
  EXPECT_EQ(Format(UtcMicros(2025, 7, 1), "Europe/London"), "2025-07-01T01:00:00.000+01:00");
}

TEST(FormatSparkTimestamp, PrintsSignedHoursAndMinutes) {
  EXPECT_EQ(Format(UtcMicros(2025, 9, 4, 5), "Europe/Paris"), "2025-09-04T07:00:00.000+02:00");
  EXPECT_EQ(Format(UtcMicros(2025, 1, 4, 12), "America/New_York"), "2025-01-04T07:00:00.000-05:00");
  EXPECT_EQ(Format(UtcMicros(2025, 1, 4, 12), "Asia/Kolkata"), "2025-01-04T17:30:00.000+05:30");
  EXPECT_EQ(Format(UtcMicros(2025, 1, 4, 12), "-00:30"), "2025-01-04T11:30:00.000-00:30");
}

TEST(FormatSparkTimestamp, PrintsOffsetSecondsOnlyWhenThereAreSome) {
  EXPECT_EQ(Format(UtcMicros(1900, 1, 1), "Europe/Paris"), "1900-01-01T00:09:21.000+00:09:21");
  EXPECT_EQ(Format(0, "+01:02:03"), "1970-01-01T01:02:03.000+01:02:03");
}

TEST(FormatSparkTimestamp, TruncatesMicrosToMillis) {
  EXPECT_EQ(Format(999), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Format(123999), "1970-01-01T00:00:00.123Z");
  EXPECT_EQ(Format(999999), "1970-01-01T00:00:00.999Z");
}

TEST(FormatSparkTimestamp, FloorsNegativeEpochsInsteadOfTruncatingTowardZero) {
  EXPECT_EQ(Format(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(Format(-1000), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(Format(-1001), "1969-12-31T23:59:59.998Z");
  EXPECT_EQ(Format(-1500000), "1969-12-31T23:59:58.500Z");
}

TEST(FormatSparkTimestamp, PadsAndSignsYearsLikeJavaTime) {
  EXPECT_EQ(Format(UtcMicros(999, 1, 1)), "0999-01-01T00:00:00.000Z");
  EXPECT_EQ(Format(UtcMicros(0, 1, 1)), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(Format(UtcMicros(-1, 1, 1)), "-0001-01-01T00:00:00.000Z");
  EXPECT_EQ(Format(UtcMicros(-12345, 1, 1)), "-12345-01-01T00:00:00.000Z");
  EXPECT_EQ(Format(UtcMicros(9999, 12, 31)), "9999-12-31T00:00:00.000Z");
  EXPECT_EQ(Format(UtcMicros(10000, 1, 1)), "+10000-01-01T00:00:00.000Z");
}

TEST(FormatSparkTimestamp, HandlesTheWholeInt64Range) {
  EXPECT_EQ(Format(INT64_MAX), "+294247-01-10T04:00:54.775Z");
  EXPECT_EQ(Format(INT64_MIN), "-290308-12-21T19:59:05.224Z");
}

TEST(AppendSparkTimestamp, AppendsToWhatIsThere) {
  std::string out = "at ";
  AppendSparkTimestamp(0, TimeZone::Utc(), &out);
  EXPECT_EQ(out, "at 1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace rp::logic
