#include "delta/partition_path.h"

#include <gtest/gtest.h>

#include <random>

#include "common/utf8.h"

namespace rp::delta {
namespace {

TEST(HiveEscape, EscapesExactlyTheCharactersSparkEscapes) {
  EXPECT_EQ(HiveEscape("\"#%'*/:=?\\{[]^"), "%22%23%25%27%2A%2F%3A%3D%3F%5C%7B%5B%5D%5E");
  EXPECT_EQ(HiveEscape(std::string("\x01\x1f\x7f", 3)), "%01%1F%7F");
  // Spaces, other punctuation and non-ASCII text stay as they are.
  EXPECT_EQ(HiveEscape("a b-c_d.e~f!g(h)i,j;k@l+m$n&o<p>q|r}`"), "a b-c_d.e~f!g(h)i,j;k@l+m$n&o<p>q|r}`");
  EXPECT_EQ(HiveEscape("héllo 日本"), "héllo 日本");
  EXPECT_EQ(HiveEscape("2025"), "2025");
}

TEST(HiveEscape, UnescapeRoundTripsAnyText) {
  for (std::string value : {"plain", "a=b", "a/b", "50%", "with space", "héllo wörld", "日本語", "\"#%'*/:=?\\{[]^",
                            "\x01\x7f", "%41", "__HIVE_DEFAULT_PARTITION__x", "emoji 😀"}) {
    auto back = HiveUnescape(HiveEscape(value));
    ASSERT_TRUE(back.ok()) << value << ": " << back.status().ToString();
    EXPECT_EQ(*back, value);
  }
}

TEST(HiveEscape, UnescapeRejectsMalformedEscapes) {
  for (std::string bad : {"%", "%4", "a%", "%zz", "%g0", "%00", "%C3", "%FF", "\xff", "ok%2"}) {
    EXPECT_FALSE(HiveUnescape(bad).ok()) << bad;
  }
  EXPECT_EQ(HiveUnescape("%c3%a9").ValueOr("?"), "é");  // lower-case hex is fine
}

TEST(PartitionSegment, NullAndEmptyValuesUseTheHiveDefaultPartition) {
  EXPECT_EQ(PartitionSegment("hour", std::nullopt), "hour=__HIVE_DEFAULT_PARTITION__");
  EXPECT_EQ(PartitionSegment("hour", std::string()), "hour=__HIVE_DEFAULT_PARTITION__");
  auto parsed = ParsePartitionSegment("hour=__HIVE_DEFAULT_PARTITION__");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->column, "hour");
  EXPECT_FALSE(parsed->value.has_value());
}

TEST(PartitionSegment, EscapesColumnAndValueAndParsesBack) {
  EXPECT_EQ(PartitionSegment("a=b", std::string("x=y/z")), "a%3Db=x%3Dy%2Fz");
  for (auto [column, value] : std::vector<std::pair<std::string, std::string>>{
           {"year", "2025"}, {"c=1", "v=2"}, {"path", "a/b/c"}, {"pct", "100%"}, {"sp", "a b"}, {"u", "ünïcødé"}}) {
    auto parsed = ParsePartitionSegment(PartitionSegment(column, value));
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->column, column);
    EXPECT_EQ(parsed->value, value);
  }
}

TEST(PartitionSegment, RejectsMalformedSegments) {
  for (std::string bad : {"novalue", "=x", "x=", "x=%zz", "%zz=1", ""}) {
    EXPECT_FALSE(ParsePartitionSegment(bad).ok()) << bad;
  }
}

TEST(PartitionDirectory, FollowsTheTableColumnOrder) {
  PartitionValues values = {{"year", "2025"}, {"month", "9"}, {"day", "4"}, {"hour", "7"}};
  auto dir = PartitionDirectory({"year", "month", "day", "hour"}, values);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(*dir, "year=2025/month=9/day=4/hour=7");
  EXPECT_EQ(PartitionDirectory({}, {}).ValueOr("?"), "");
  EXPECT_TRUE(PartitionDirectory({"year", "minute"}, values).status().IsInvalidArgument());
}

TEST(PartitionDirectory, ParsesBackFromAFilePath) {
  PartitionValues values = {{"year", "2025"}, {"tag", "a/b=c"}, {"hour", std::nullopt}};
  auto dir = PartitionDirectory({"year", "tag", "hour"}, values);
  ASSERT_TRUE(dir.ok());
  auto parsed = ParsePartitionDirectories(*dir + "/part-00000.parquet");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, values);
  EXPECT_TRUE(ParsePartitionDirectories("part-0.parquet")->empty());
  EXPECT_FALSE(ParsePartitionDirectories("year=1/year=2/f.parquet").ok());
  EXPECT_FALSE(ParsePartitionDirectories("notapartition/f.parquet").ok());
}

TEST(UriPath, PlainPartitionPathsAreUnchanged) {
  std::string path = "year=2025/month=9/day=4/hour=7/part-00000-3b241101-e2bb.c000.snappy.parquet";
  EXPECT_EQ(UriEncodePath(path), path);
}

TEST(UriPath, HiveEscapesAreEncodedAgainSoReadersDecodeOnce) {
  std::string dir = PartitionSegment("ts", std::string("2025-09-04 07:00:00"));
  EXPECT_EQ(dir, "ts=2025-09-04 07%3A00%3A00");
  EXPECT_EQ(UriEncodePath(dir), "ts=2025-09-04%2007%253A00%253A00");
  EXPECT_EQ(UriDecodePath(UriEncodePath(dir)).ValueOr("?"), dir);
}

TEST(UriPath, EncodesNonAsciiAndReservedBytes) {
  EXPECT_EQ(UriEncodePath("é"), "%C3%A9");
  EXPECT_EQ(UriEncodePath("a b%c?d#e+f:g"), "a%20b%25c%3Fd%23e%2Bf%3Ag");
  // Spark leaves non-ASCII raw in add.path; decoding accepts that too.
  EXPECT_EQ(UriDecodePath("day=é/part.parquet").ValueOr("?"), "day=é/part.parquet");
}

TEST(UriPath, DecodeRejectsMalformedInput) {
  for (const std::string& bad : std::vector<std::string>{"%", "a%2", "%zz", "%00", "%C3", "%C3%28", "%ED%A0%80",
                                                          "\xc3", "x/\xff/y",
                                                          std::string("a\0b", 3)}) {
    EXPECT_FALSE(UriDecodePath(bad).ok()) << bad;
  }
}

// The decoders see whatever a log holds: random bytes must give an error or a
// value, never a crash, and a decoded value must be valid UTF-8 that survives a
// re-encoding.
TEST(UriPath, DecodersAreTotalOnRandomBytes) {
  std::mt19937 rng(12345);
  const std::string alphabet = "%%%0123456789abcdefABCDEFxyz=/ \xc3\xa9\xff\x80";
  for (int round = 0; round < 20000; ++round) {
    std::string input(rng() % 12, ' ');
    for (char& c : input) c = (rng() % 4 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    auto uri = UriDecodePath(input);
    if (uri.ok()) {
      EXPECT_TRUE(IsValidUtf8(*uri));
      EXPECT_EQ(UriDecodePath(UriEncodePath(*uri)).ValueOr("?"), *uri);
    }
    auto hive = HiveUnescape(input);
    if (hive.ok()) {
      EXPECT_TRUE(IsValidUtf8(*hive));
    }
    (void)ParsePartitionSegment(input);
    (void)ParsePartitionDirectories(input);
  }
}

}  // namespace
}  // namespace rp::delta
