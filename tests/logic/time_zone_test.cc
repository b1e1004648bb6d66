#include "logic/time_zone.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "logic/civil.h"
#include "logic/posix_tz.h"

namespace rp::logic {
namespace {

constexpr int64_t kMicros = 1000000;

TimeZone Zone(std::string_view id) {
  auto z = TimeZone::Find(id);
  EXPECT_TRUE(z.ok()) << id << ": " << z.status().ToString();
  return z.ok() ? *z : TimeZone::Utc();
}

// Micros since the epoch of a UTC civil time.
int64_t UtcMicros(int64_t y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return ((internal::DaysFromCivil(y, mo, d) * 24 + h) * 3600 + mi * 60 + s) * kMicros;
}

int64_t OffsetAtUtc(const TimeZone& z, int64_t y, int mo, int d, int h = 12) {
  return z.OffsetAt(UtcMicros(y, mo, d, h));
}

// ---- Find: every id form Spark's getZoneId accepts. ----

TEST(TimeZoneFind, AcceptsRegionIds) {
  TimeZone paris = Zone("Europe/Paris");
  EXPECT_EQ(paris.name(), "Europe/Paris");
  EXPECT_EQ(Zone("America/New_York").name(), "America/New_York");
  EXPECT_EQ(Zone("Etc/GMT+5").OffsetAt(0), -5 * 3600);  // POSIX sign inversion of Etc/ zones
}

TEST(TimeZoneFind, AcceptsLinkNamesAsGiven) {
  TimeZone z = Zone("US/Pacific");
  EXPECT_EQ(z.name(), "US/Pacific");
  EXPECT_EQ(OffsetAtUtc(z, 2025, 1, 15), -8 * 3600);
}

TEST(TimeZoneFind, AcceptsUtcGmtUtAndZ) {
  for (const char* id : {"UTC", "GMT", "UT", "Z"}) {
    TimeZone z = Zone(id);
    EXPECT_EQ(z.name(), id);
    EXPECT_EQ(z.OffsetAt(UtcMicros(2025, 7, 1)), 0) << id;
  }
}

TEST(TimeZoneFind, AcceptsFixedOffsetsInEveryZoneOffsetForm) {
  struct Case {
    const char* id;
    int64_t offset;
    const char* name;
  };
  for (const Case& c : {Case{"+02:00", 7200, "+02:00"}, Case{"-05", -18000, "-05:00"}, Case{"+5", 18000, "+05:00"},
                        Case{"+0530", 19800, "+05:30"}, Case{"-05:30:15", -19815, "-05:30:15"},
                        Case{"+053015", 19815, "+05:30:15"}, Case{"+18:00", 64800, "+18:00"},
                        Case{"+00:00", 0, "Z"}}) {
    TimeZone z = Zone(c.id);
    EXPECT_EQ(z.OffsetAt(0), c.offset) << c.id;
    EXPECT_EQ(z.name(), c.name) << c.id;
  }
}

TEST(TimeZoneFind, AcceptsUtcGmtAndUtPrefixedOffsets) {
  EXPECT_EQ(Zone("UTC+1").OffsetAt(0), 3600);
  EXPECT_EQ(Zone("UTC+1").name(), "UTC+01:00");
  EXPECT_EQ(Zone("GMT-05:30").OffsetAt(0), -19800);
  EXPECT_EQ(Zone("UT+03").name(), "UT+03:00");
  EXPECT_EQ(Zone("UTC+0").name(), "UTC");  // a zero offset keeps the bare prefix
}

TEST(TimeZoneFind, AcceptsPreSpark3SingleDigitHourAndMinuteForms) {
  EXPECT_EQ(Zone("+1:00").OffsetAt(0), 3600);
  EXPECT_EQ(Zone("-01:5").OffsetAt(0), -3900);
  EXPECT_EQ(Zone("+1:5").OffsetAt(0), 3900);
  EXPECT_EQ(Zone("GMT+1:30").OffsetAt(0), 5400);
}

TEST(TimeZoneFind, MapsJavaShortIds) {
  EXPECT_EQ(Zone("PST").name(), "America/Los_Angeles");
  EXPECT_EQ(Zone("ECT").name(), "Europe/Paris");
  EXPECT_EQ(Zone("EST").name(), "-05:00");  // EST, MST and HST are fixed offsets in Java
  EXPECT_EQ(Zone("EST").OffsetAt(UtcMicros(2025, 7, 1)), -5 * 3600);
}

TEST(TimeZoneFind, RejectsUnknownIdsWithInvalidArgument) {
  for (const char* id : {"Nope/Zone", "", "europe/paris", "Europe/Paris ", " UTC", "+19:00", "+18:00:01", "+1:0:0",
                         "+2:", "UTC+", "GMT+25", "+02:60", "1", "Mars", "localtime", "posix/Europe/Paris",
                         "../../etc/passwd", "+02:00Z"}) {
    auto z = TimeZone::Find(id);
    ASSERT_FALSE(z.ok()) << "accepted '" << id << "'";
    EXPECT_TRUE(z.status().IsInvalidArgument());
    EXPECT_NE(z.status().message().find(std::string("'") + id + "'"), std::string::npos) << z.status().ToString();
  }
}

TEST(TimeZoneFind, UtcIsTheDefault) {
  EXPECT_EQ(TimeZone().name(), "UTC");
  EXPECT_EQ(TimeZone::Utc().OffsetAt(UtcMicros(2025, 7, 1)), 0);
}

// ---- Local: TZ, then /etc/localtime, else UTC. ----

class ScopedTz {
 public:
  explicit ScopedTz(const char* value) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", value, 1);
  }
  ~ScopedTz() {
    if (old_) ::setenv("TZ", old_->c_str(), 1);
    else ::unsetenv("TZ");
  }

 private:
  std::optional<std::string> old_;
};

TEST(TimeZoneLocal, UsesTheTzEnvironmentVariable) {
  ScopedTz tz("Asia/Tokyo");
  EXPECT_EQ(TimeZone::Local().name(), "Asia/Tokyo");
}

TEST(TimeZoneLocal, DropsTheColonAndPosixPrefixesOfTz) {
  {
    ScopedTz tz(":Europe/Paris");
    EXPECT_EQ(TimeZone::Local().name(), "Europe/Paris");
  }
  {
    ScopedTz tz("posix/America/New_York");
    EXPECT_EQ(TimeZone::Local().name(), "America/New_York");
  }
  {
    ScopedTz tz("/usr/share/zoneinfo/Asia/Tokyo");
    EXPECT_EQ(TimeZone::Local().name(), "Asia/Tokyo");
  }
}

TEST(TimeZoneLocal, IgnoresAnUnknownTz) {
  ScopedTz tz("Not/AZone");
  const TimeZone z = TimeZone::Local();
  EXPECT_NE(z.name(), "Not/AZone");
  EXPECT_TRUE(TimeZone::Find(z.name()).ok()) << z.name();
}

// ---- Offsets and DST. ----

TEST(TimeZoneOffset, FollowsDstInEuropeParis) {
  TimeZone z = Zone("Europe/Paris");
  EXPECT_EQ(OffsetAtUtc(z, 2025, 9, 4), 7200);
  EXPECT_EQ(OffsetAtUtc(z, 2025, 1, 15), 3600);
  // The switch happens at 01:00 UTC on the last Sunday of March.
  EXPECT_EQ(z.OffsetAt(UtcMicros(2025, 3, 30, 0, 59, 59)), 3600);
  EXPECT_EQ(z.OffsetAt(UtcMicros(2025, 3, 30, 1)), 7200);
}

TEST(TimeZoneOffset, FollowsDstInAmericaNewYork) {
  TimeZone z = Zone("America/New_York");
  EXPECT_EQ(OffsetAtUtc(z, 2025, 7, 1), -4 * 3600);
  EXPECT_EQ(OffsetAtUtc(z, 2025, 12, 1), -5 * 3600);
  EXPECT_EQ(z.OffsetAt(UtcMicros(2025, 3, 9, 6, 59, 59)), -5 * 3600);
  EXPECT_EQ(z.OffsetAt(UtcMicros(2025, 3, 9, 7)), -4 * 3600);
}

TEST(TimeZoneOffset, DstRulesContinuePast2037LikeJavaTime) {
  // Debian's zone files stop listing transitions in 2037; java.time keeps
  // applying the last rules, and so do we (from the files' POSIX footer).
  EXPECT_EQ(OffsetAtUtc(Zone("Europe/Paris"), 2040, 7, 1), 7200);
  EXPECT_EQ(OffsetAtUtc(Zone("Europe/Paris"), 2040, 1, 1), 3600);
  EXPECT_EQ(OffsetAtUtc(Zone("America/New_York"), 2100, 7, 1), -4 * 3600);
  EXPECT_EQ(OffsetAtUtc(Zone("America/New_York"), 2100, 12, 1), -5 * 3600);
  EXPECT_EQ(OffsetAtUtc(Zone("Australia/Sydney"), 2050, 1, 1), 11 * 3600);  // southern summer
  EXPECT_EQ(OffsetAtUtc(Zone("Australia/Sydney"), 2050, 7, 1), 10 * 3600);
  EXPECT_EQ(OffsetAtUtc(Zone("Europe/Paris"), 200000, 7, 1), 7200);
  // 2045's spring-forward, on the last Sunday of March.
  EXPECT_EQ(Zone("Europe/Paris").OffsetAt(UtcMicros(2045, 3, 26, 0, 59, 59)), 3600);
  EXPECT_EQ(Zone("Europe/Paris").OffsetAt(UtcMicros(2045, 3, 26, 1)), 7200);
}

TEST(TimeZoneOffset, KeepsTheSecondsOfHistoricalLocalMeanTime) {
  EXPECT_EQ(OffsetAtUtc(Zone("Europe/Paris"), 1900, 1, 1), 9 * 60 + 21);  // Paris mean time, +00:09:21
}

TEST(TimeZoneOffset, ZonesWithoutDstHaveOneOffset) {
  TimeZone tokyo = Zone("Asia/Tokyo");
  EXPECT_EQ(OffsetAtUtc(tokyo, 2025, 1, 1), 9 * 3600);
  EXPECT_EQ(OffsetAtUtc(tokyo, 2025, 7, 1), 9 * 3600);
  EXPECT_EQ(OffsetAtUtc(tokyo, 2100, 7, 1), 9 * 3600);
}

// ---- ToCivil: the sync job partitions the table by its fields. ----

TEST(TimeZoneToCivil, GivesTheLocalYearMonthDayAndHour) {
  const CivilTime c = Zone("Europe/Paris").ToCivil(UtcMicros(2025, 9, 4, 5) + 123456);
  EXPECT_EQ(c.year, 2025);
  EXPECT_EQ(c.month, 9);
  EXPECT_EQ(c.day, 4);
  EXPECT_EQ(c.hour, 7);
  EXPECT_EQ(c.minute, 0);
  EXPECT_EQ(c.second, 0);
  EXPECT_EQ(c.micros, 123456);
}

TEST(TimeZoneToCivil, CrossesMidnightAndYearBoundariesWithTheOffset) {
  const CivilTime c = Zone("Europe/Paris").ToCivil(UtcMicros(2024, 12, 31, 23, 30));
  EXPECT_EQ(c.year, 2025);
  EXPECT_EQ(c.month, 1);
  EXPECT_EQ(c.day, 1);
  EXPECT_EQ(c.hour, 0);
  EXPECT_EQ(c.minute, 30);
  const CivilTime ny = Zone("America/New_York").ToCivil(UtcMicros(2025, 3, 1, 2));
  EXPECT_EQ(ny.month, 2);
  EXPECT_EQ(ny.day, 28);
  EXPECT_EQ(ny.hour, 21);
}

TEST(TimeZoneToCivil, FloorsNegativeEpochMicros) {
  const CivilTime c = TimeZone::Utc().ToCivil(-1);
  EXPECT_EQ(c.year, 1969);
  EXPECT_EQ(c.month, 12);
  EXPECT_EQ(c.day, 31);
  EXPECT_EQ(c.hour, 23);
  EXPECT_EQ(c.minute, 59);
  EXPECT_EQ(c.second, 59);
  EXPECT_EQ(c.micros, 999999);
}

TEST(TimeZoneToCivil, HandlesLeapDaysAndFarYears) {
  const CivilTime leap = TimeZone::Utc().ToCivil(UtcMicros(2024, 2, 29, 12));
  EXPECT_EQ(leap.month, 2);
  EXPECT_EQ(leap.day, 29);
  const CivilTime bc = TimeZone::Utc().ToCivil(UtcMicros(-44, 3, 15));
  EXPECT_EQ(bc.year, -44);
  EXPECT_EQ(bc.month, 3);
  EXPECT_EQ(bc.day, 15);
}

// ---- FromCivil: local time to instant, DST resolved as java.time does. ----

int64_t FromLocal(const TimeZone& z, int64_t y, int mo, int d, int h, int mi, int64_t micros = 0) {
  return z.FromCivil(CivilTime{y, mo, d, h, mi, 0, micros});
}

TEST(TimeZoneFromCivil, GapTimeMovesForwardByTheGapInEuropeParis) {
  // 2025-03-30 02:30 does not exist in Paris: java.time gives 03:30+02:00.
  TimeZone z = Zone("Europe/Paris");
  EXPECT_EQ(FromLocal(z, 2025, 3, 30, 2, 30), UtcMicros(2025, 3, 30, 1, 30));
  EXPECT_EQ(FromLocal(z, 2025, 3, 30, 2, 0), UtcMicros(2025, 3, 30, 1, 0));
  EXPECT_EQ(FromLocal(z, 2025, 3, 30, 3, 0), UtcMicros(2025, 3, 30, 1, 0));
  EXPECT_EQ(FromLocal(z, 2025, 3, 30, 1, 59), UtcMicros(2025, 3, 30, 0, 59));
}

TEST(TimeZoneFromCivil, GapTimeMovesForwardByTheGapInAmericaNewYork) {
  TimeZone z = Zone("America/New_York");
  EXPECT_EQ(FromLocal(z, 2025, 3, 9, 2, 30), UtcMicros(2025, 3, 9, 7, 30));  // 03:30-04:00
}

TEST(TimeZoneFromCivil, OverlapTimeTakesTheEarlierOffsetInEuropeParis) {
  // 2025-10-26 02:30 happens twice in Paris; java.time picks +02:00.
  TimeZone z = Zone("Europe/Paris");
  EXPECT_EQ(FromLocal(z, 2025, 10, 26, 2, 30), UtcMicros(2025, 10, 26, 0, 30));
  EXPECT_EQ(FromLocal(z, 2025, 10, 26, 3, 0), UtcMicros(2025, 10, 26, 2, 0));
  EXPECT_EQ(FromLocal(z, 2025, 10, 26, 1, 59), UtcMicros(2025, 10, 25, 23, 59));
}

TEST(TimeZoneFromCivil, OverlapTimeTakesTheEarlierOffsetInAmericaNewYork) {
  TimeZone z = Zone("America/New_York");
  EXPECT_EQ(FromLocal(z, 2025, 11, 2, 1, 30), UtcMicros(2025, 11, 2, 5, 30));  // 01:30-04:00
}

TEST(TimeZoneFromCivil, ResolvesGapsAndOverlapsPast2037) {
  TimeZone z = Zone("Europe/Paris");
  EXPECT_EQ(FromLocal(z, 2045, 3, 26, 2, 30), UtcMicros(2045, 3, 26, 1, 30));
  EXPECT_EQ(FromLocal(z, 2045, 10, 29, 2, 30), UtcMicros(2045, 10, 29, 0, 30));
}

TEST(TimeZoneFromCivil, KeepsMicrosAndUsesFixedOffsets) {
  EXPECT_EQ(FromLocal(Zone("+05:30"), 2025, 1, 1, 5, 30, 42), UtcMicros(2025, 1, 1) + 42);
}

TEST(TimeZoneFromCivil, InvertsToCivilOutsideGaps) {
  for (const char* id : {"Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "-03:30"}) {
    TimeZone z = Zone(id);
    for (int64_t t = UtcMicros(2024, 1, 1); t < UtcMicros(2026, 1, 1); t += 3 * 3600 * kMicros + 17) {
      const CivilTime c = z.ToCivil(t);
      const int64_t back = z.FromCivil(c);
      // In an overlap the earlier instant wins; elsewhere the mapping is exact.
      if (back != t) {
        EXPECT_LT(back, t) << id << " " << t;
        EXPECT_EQ(z.ToCivil(back).hour, c.hour) << id;
      }
    }
  }
}

// ---- The POSIX footer rules. ----

TEST(PosixTzRule, ParsesEuropeanRules) {
  auto rule = internal::PosixTzRule::Parse("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(rule.has_value());
  EXPECT_EQ(rule->std_offset(), 3600);
  EXPECT_EQ(rule->dst_offset(), 7200);
  const auto summer = rule->PeriodAt(UtcMicros(2050, 7, 1) / kMicros);
  EXPECT_EQ(summer.offset, 7200);
  EXPECT_EQ(summer.begin, UtcMicros(2050, 3, 27, 1) / kMicros);
  EXPECT_EQ(summer.end, UtcMicros(2050, 10, 30, 1) / kMicros);
}

TEST(PosixTzRule, ReturnsNothingWithoutDst) {
  EXPECT_FALSE(internal::PosixTzRule::Parse("<+03>-3").has_value());
  EXPECT_FALSE(internal::PosixTzRule::Parse("JST-9").has_value());
  EXPECT_FALSE(internal::PosixTzRule::Parse("garbage,,").has_value());
  EXPECT_FALSE(internal::PosixTzRule::Parse("").has_value());
}

TEST(PosixTzRule, SupportsJulianDaysNegativeAndLongTimes) {
  // Day 60 without leap days is March 1st even in leap years.
  auto julian = internal::PosixTzRule::Parse("AAA3BBB,J60/-1,J300/26");
  ASSERT_TRUE(julian.has_value());
  EXPECT_EQ(julian->PeriodAt(UtcMicros(2048, 6, 1) / kMicros).begin,
            (internal::DaysFromCivil(2048, 3, 1) * 86400) - 3600 + 3 * 3600);
  // Zero-based day 59 is February 29th in a leap year.
  auto zero_based = internal::PosixTzRule::Parse("<-03>3<-02>,59,300");
  ASSERT_TRUE(zero_based.has_value());
  EXPECT_EQ(zero_based->PeriodAt(UtcMicros(2048, 6, 1) / kMicros).begin,
            internal::DaysFromCivil(2048, 2, 29) * 86400 + 7200 + 3 * 3600);
}

TEST(PosixTzRule, DefaultsToUsRulesWhenOnlyNamesAreGiven) {
  auto rule = internal::PosixTzRule::Parse("EST5EDT");
  ASSERT_TRUE(rule.has_value());
  EXPECT_EQ(rule->PeriodAt(UtcMicros(2050, 7, 1) / kMicros).offset, -4 * 3600);
  EXPECT_EQ(rule->PeriodAt(UtcMicros(2050, 12, 1) / kMicros).offset, -5 * 3600);
}

TEST(PosixTzRule, ReadsTheFooterOfATzifFile) {
  EXPECT_FALSE(internal::PosixTzRuleFromTzif("not a tzif file").has_value());
  const std::string fake = std::string("TZif2") + std::string(40, '\0') + "\nCET-1CEST,M3.5.0,M10.5.0/3\n";
  auto rule = internal::PosixTzRuleFromTzif(fake);
  ASSERT_TRUE(rule.has_value());
  EXPECT_EQ(rule->dst_offset(), 7200);
}

}  // namespace
}  // namespace rp::logic
