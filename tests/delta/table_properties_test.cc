// The retention and cleanup properties, read as delta-spark reads them.
#include "delta/table_properties.h"

#include <gtest/gtest.h>

namespace rp::delta {
namespace {

constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;

int64_t Ms(const std::string& text) {
  auto ms = ParseIntervalMs(text);
  EXPECT_TRUE(ms.ok()) << text << ": " << ms.status().ToString();
  return ms.ok() ? *ms : -1;
}

Metadata WithConfig(std::map<std::string, std::string> configuration) {
  Metadata m;
  m.configuration = std::move(configuration);
  return m;
}

TEST(IntervalProperty, DeltaDefaultsParse) {
  EXPECT_EQ(Ms("interval 1 week"), 7 * kDay);
  EXPECT_EQ(Ms("interval 30 days"), 30 * kDay);
  EXPECT_EQ(Ms("interval 7 days"), 7 * kDay);
}

TEST(IntervalProperty, EveryUnitSingularOrPluralInAnyCase) {
  EXPECT_EQ(Ms("interval 2 weeks"), 14 * kDay);
  EXPECT_EQ(Ms("interval 1 day"), kDay);
  EXPECT_EQ(Ms("interval 1 hours"), kHour);
  EXPECT_EQ(Ms("interval 1 hour"), kHour);
  EXPECT_EQ(Ms("interval 5 minutes"), 5 * kMinute);
  EXPECT_EQ(Ms("interval 1 minute"), kMinute);
  EXPECT_EQ(Ms("interval 30 seconds"), 30 * kSecond);
  EXPECT_EQ(Ms("interval 1 second"), kSecond);
  EXPECT_EQ(Ms("interval 250 milliseconds"), 250);
  EXPECT_EQ(Ms("interval 1 millisecond"), 1);
  EXPECT_EQ(Ms("interval 2500 microseconds"), 2);  // truncated, as getMilliSeconds does
  EXPECT_EQ(Ms("INTERVAL 3 DAYS"), 3 * kDay);
  EXPECT_EQ(Ms("Interval 1 Hour"), kHour);
}

TEST(IntervalProperty, TheIntervalKeywordIsOptionalAndPairsAdd) {
  // DeltaConfigs.parseCalendarInterval prepends "interval " when it is missing.
  EXPECT_EQ(Ms("7 days"), 7 * kDay);
  EXPECT_EQ(Ms("  interval   1 day  12 hours "), kDay + 12 * kHour);
  EXPECT_EQ(Ms("interval 2 days -1 day"), kDay);
  EXPECT_EQ(Ms("interval 0 seconds"), 0);
}

TEST(IntervalProperty, MonthsYearsNegativesAndNonsenseAreRefused) {
  for (const char* bad :
       {"interval 1 month", "interval 1 year", "interval 2 years", "interval -1 day", "", "interval",
        "interval days", "interval 7", "interval 7 fortnights", "interval 1.5 days", "forever",
        "interval 99999999999999999999 days", "interval 9223372036854775807 weeks"}) {
    auto ms = ParseIntervalMs(bad);
    ASSERT_FALSE(ms.ok()) << "'" << bad << "' parsed as " << *ms;
    EXPECT_TRUE(ms.status().IsInvalidArgument()) << bad;
  }
  auto months = ParseIntervalMs("interval 1 month");
  EXPECT_NE(months.status().message().find("months and years are not accepted"), std::string::npos);
}

TEST(TableRetentionProperties, DefaultsAreSevenDaysForFilesAndThirtyDaysForTheLog) {
  EXPECT_EQ(*DeletedFileRetentionMs(Metadata{}), 7 * kDay);
  EXPECT_EQ(*LogRetentionMs(Metadata{}), 30 * kDay);
  EXPECT_TRUE(*ExpiredLogCleanupEnabled(Metadata{}));
}

TEST(TableRetentionProperties, SetValuesWin) {
  auto m = WithConfig({{"delta.deletedFileRetentionDuration", "interval 1 hours"},
                       {"delta.logRetentionDuration", "interval 2 days"},
                       {"delta.enableExpiredLogCleanup", "FALSE"}});
  EXPECT_EQ(*DeletedFileRetentionMs(m), kHour);
  EXPECT_EQ(*LogRetentionMs(m), 2 * kDay);
  EXPECT_FALSE(*ExpiredLogCleanupEnabled(m));
}

TEST(TableRetentionProperties, ABadValueIsAnErrorNamingThePropertyAndTheValue) {
  auto m = WithConfig({{"delta.deletedFileRetentionDuration", "a week"},
                       {"delta.logRetentionDuration", "interval 1 month"},
                       {"delta.enableExpiredLogCleanup", "yes"}});
  auto files = DeletedFileRetentionMs(m);
  ASSERT_FALSE(files.ok());
  EXPECT_TRUE(files.status().IsInvalidArgument());
  EXPECT_NE(files.status().message().find("delta.deletedFileRetentionDuration"), std::string::npos);
  EXPECT_NE(files.status().message().find("'a week'"), std::string::npos);
  auto log = LogRetentionMs(m);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("delta.logRetentionDuration"), std::string::npos);
  auto cleanup = ExpiredLogCleanupEnabled(m);
  ASSERT_FALSE(cleanup.ok());
  EXPECT_NE(cleanup.status().message().find("delta.enableExpiredLogCleanup='yes'"), std::string::npos);
}

}  // namespace
}  // namespace rp::delta
