#include "delta/time_text.h"

#include <gtest/gtest.h>

#include <random>

namespace rp::delta {
namespace {

constexpr int64_t kSept4At7 = 1756969200000000LL;  // 2025-09-04T07:00:00Z in micros

TEST(TimeText, FormatsDatesAndStatsTimestamps) {
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(20335), "2025-09-04");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatDate(11016), "2000-02-29");
  EXPECT_EQ(FormatStatsTimestamp(kSept4At7 + 123456, true), "2025-09-04T07:00:00.123Z");
  EXPECT_EQ(FormatStatsTimestamp(kSept4At7 + 123456, false), "2025-09-04T07:00:00.123");
  // Truncated down, also before the epoch.
  EXPECT_EQ(FormatStatsTimestamp(-1, true), "1969-12-31T23:59:59.999Z");
}

TEST(TimeText, FormatsPartitionTimestamps) {
  EXPECT_EQ(FormatPartitionTimestamp(kSept4At7, true), "2025-09-04T07:00:00Z");
  EXPECT_EQ(FormatPartitionTimestamp(kSept4At7 + 5, true), "2025-09-04T07:00:00.000005Z");
  EXPECT_EQ(FormatPartitionTimestamp(kSept4At7 + 5, false), "2025-09-04 07:00:00.000005");
}

TEST(TimeText, ParsesWhatItFormats) {
  for (int64_t micros : {int64_t{0}, kSept4At7, kSept4At7 + 999999, int64_t{-1}, int64_t{-86400000001}}) {
    EXPECT_EQ(ParseTimestampMicros(FormatPartitionTimestamp(micros, true)), micros);
    EXPECT_EQ(ParseTimestampMicros(FormatPartitionTimestamp(micros, false)), micros);
  }
  for (int32_t days : {0, 20335, -1, -719162, 2932896}) EXPECT_EQ(ParseDate(FormatDate(days)), days);
}

TEST(TimeText, ParsesZonesAndShortForms) {
  EXPECT_EQ(ParseTimestampMicros("2025-09-04T09:00:00+02:00"), kSept4At7);
  EXPECT_EQ(ParseTimestampMicros("2025-09-04T04:30:00-0230"), kSept4At7);
  EXPECT_EQ(ParseTimestampMicros("2025-09-04 07:00"), kSept4At7);
  EXPECT_EQ(ParseTimestampMicros("2025-09-04"), kSept4At7 - 7LL * 3600 * 1000000);
  EXPECT_EQ(ParseTimestampMicros("2025-09-04T07:00:00.123456789Z"), kSept4At7 + 123456);
}

TEST(TimeText, RejectsMalformedText) {
  for (const char* bad : {"", "2025", "2025-13-01", "2025-02-30", "2025-09-04T25:00:00", "2025-09-04T07:00:00.",
                          "2025-09-04T07:00:00Zjunk", "2025-09-04T07", "2025-09-04T07:00:00+2", "2025/09/04"}) {
    EXPECT_FALSE(ParseTimestampMicros(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseDate("2023-02-29").has_value());
  EXPECT_TRUE(ParseDate("2024-02-29").has_value());
  EXPECT_FALSE(ParseDate("2024-02-29 ").has_value());
}

TEST(TimeText, ParsersAreTotalOnRandomText) {
  std::mt19937 rng(99);
  const std::string alphabet = "0123456789-:.TZ+ ";
  for (int round = 0; round < 20000; ++round) {
    std::string text(rng() % 36, ' ');
    for (char& c : text) c = rng() % 10 == 0 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    auto micros = ParseTimestampMicros(text);
    if (micros) {
      EXPECT_EQ(ParseTimestampMicros(FormatPartitionTimestamp(*micros, true)), micros) << text;
    }
    (void)ParseDate(text);
  }
}

}  // namespace
}  // namespace rp::delta
