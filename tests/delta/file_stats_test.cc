#include "delta/file_stats.h"

#include <arrow/api.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "common/utf8.h"

namespace rp::delta {
namespace {

template <typename T, typename Builder>
std::shared_ptr<arrow::Array> BuildArray(Builder& b, const std::vector<std::optional<T>>& values) {
  for (const auto& v : values) {
    if (v) {
      EXPECT_TRUE(b.Append(*v).ok());
    } else {
      EXPECT_TRUE(b.AppendNull().ok());
    }
  }
  return b.Finish().ValueOrDie();
}

template <typename Builder, typename T>
std::shared_ptr<arrow::Array> MakeArray(const std::vector<std::optional<T>>& values) {
  Builder b;
  return BuildArray<T>(b, values);
}

std::shared_ptr<arrow::Array> Ints(const std::vector<std::optional<int32_t>>& v) {
  return MakeArray<arrow::Int32Builder>(v);
}
std::shared_ptr<arrow::Array> Longs(const std::vector<std::optional<int64_t>>& v) {
  return MakeArray<arrow::Int64Builder>(v);
}
std::shared_ptr<arrow::Array> Strings(const std::vector<std::optional<std::string>>& v) {
  return MakeArray<arrow::StringBuilder>(v);
}

std::shared_ptr<arrow::RecordBatch> Batch(std::vector<std::pair<std::string, std::shared_ptr<arrow::Array>>> cols) {
  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<std::shared_ptr<arrow::Array>> arrays;
  for (auto& [name, a] : cols) {
    fields.push_back(arrow::field(name, a->type()));
    arrays.push_back(a);
  }
  return arrow::RecordBatch::Make(arrow::schema(fields), arrays.empty() ? 0 : arrays[0]->length(), arrays);
}

FileStats StatsOf(const arrow::RecordBatch& batch, StatsOptions options = {}) {
  auto json = ComputeFileStats(batch, options);
  EXPECT_TRUE(json.ok()) << json.status().ToString();
  auto stats = ParseFileStats(*json);
  EXPECT_TRUE(stats.ok()) << *json;
  return *stats;
}

TEST(FileStats, WritesTheDeltaSparkShape) {
  auto batch = Batch({{"value", Strings({"b", std::nullopt, "a"})}, {"offset", Longs({5, 3, 9})}});
  auto json = ComputeFileStats(*batch);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json,
            "{\"numRecords\":3,\"minValues\":{\"value\":\"a\",\"offset\":3},"
            "\"maxValues\":{\"value\":\"b\",\"offset\":9},\"nullCount\":{\"value\":1,\"offset\":0}}");
}

TEST(FileStats, IntegerBoundsAndNullCounts) {
  auto batch = Batch({{"partition", Ints({3, std::nullopt, -1, 7})}, {"offset", Longs({std::nullopt, 1LL << 40, 2, 3})}});
  FileStats s = StatsOf(*batch);
  EXPECT_EQ(s.num_records, 4);
  EXPECT_EQ(s.columns["partition"].min, StatValue(int64_t{-1}));
  EXPECT_EQ(s.columns["partition"].max, StatValue(int64_t{7}));
  EXPECT_EQ(s.columns["partition"].null_count, 1);
  EXPECT_EQ(s.columns["offset"].min, StatValue(int64_t{2}));
  EXPECT_EQ(s.columns["offset"].max, StatValue(int64_t{1LL << 40}));
  EXPECT_EQ(s.columns["offset"].null_count, 1);
}

TEST(FileStats, AllNullColumnHasANullCountButNoBounds) {
  auto batch = Batch({{"value", Strings({std::nullopt, std::nullopt})}, {"offset", Longs({1, 2})}});
  FileStats s = StatsOf(*batch);
  EXPECT_EQ(s.columns["value"].null_count, 2);
  EXPECT_FALSE(s.columns["value"].min.has_value());
  EXPECT_FALSE(s.columns["value"].max.has_value());
  auto json = ComputeFileStats(*batch);
  EXPECT_EQ(json->find("\"value\":null"), std::string::npos);
}

TEST(FileStats, OnlyTheFirst32ColumnsAreIndexed) {
  std::vector<std::pair<std::string, std::shared_ptr<arrow::Array>>> cols;
  for (int i = 0; i < 40; ++i) cols.emplace_back(fmt::format("c{}", i), Ints({i}));
  FileStats s = StatsOf(*Batch(cols));
  EXPECT_EQ(s.columns.size(), 32u);
  EXPECT_TRUE(s.columns.count("c31"));
  EXPECT_FALSE(s.columns.count("c32"));
  FileStats five = StatsOf(*Batch(cols), StatsOptions{5, 32});
  EXPECT_EQ(five.columns.size(), 5u);
  FileStats all = StatsOf(*Batch(cols), StatsOptions{-1, 32});
  EXPECT_EQ(all.columns.size(), 40u);
}

TEST(FileStats, LongStringsAreCutTo32CodePoints) {
  std::string ascii(40, 'a');
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "é";
  auto batch = Batch({{"s", Strings({ascii})}, {"u", Strings({accents})}});
  FileStats s = StatsOf(*batch);
  EXPECT_EQ(s.columns["s"].min, StatValue(std::string(32, 'a')));
  EXPECT_EQ(s.columns["s"].max, StatValue(std::string(32, 'a') + "\xEF\xBF\xBD"));
  const auto& umin = std::get<std::string>(*s.columns["u"].min);
  EXPECT_EQ(umin.size(), 64u);  // 32 two-byte code points, none split
  EXPECT_TRUE(IsValidUtf8(umin));
  const auto& umax = std::get<std::string>(*s.columns["u"].max);
  EXPECT_EQ(umax, umin + "\xEF\xBF\xBD");
}

TEST(FileStats, ShortStringsAreKeptWhole) {
  std::string exactly32(32, 'z');
  EXPECT_EQ(TruncateMinString(exactly32, 32), exactly32);
  EXPECT_EQ(TruncateMaxString(exactly32, 32), exactly32);
}

TEST(FileStats, TruncatedMaximumStepsOverCodePointsAboveTheTieBreaker) {
  std::string value = std::string(32, 'a') + "\xF0\x9F\x98\x80" + "b";  // 32 a, U+1F600, b
  std::string max = TruncateMaxString(value, 32);
  EXPECT_EQ(max, std::string(32, 'a') + "\xF0\x9F\x98\x80" + "\xEF\xBF\xBD");
  EXPECT_GE(max, value);
  // Nothing but such code points after the prefix: the value itself is the bound.
  std::string tail = std::string(32, 'a') + "\xF0\x9F\x98\x80\xEF\xBF\xBF";
  EXPECT_EQ(TruncateMaxString(tail, 32), tail);
}

// For any text: min bound <= value <= max bound (UTF-8 byte order, which is
// code point order), and both stay valid UTF-8.
TEST(FileStats, StringBoundsHoldForRandomText) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"a", "z", "é", "日", "\xEF\xBF\xBC", "\xEF\xBF\xBD", "\xEF\xBF\xBF",
                                           "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "~"};
  for (int round = 0; round < 5000; ++round) {
    std::string value;
    size_t n = rng() % 45;
    for (size_t i = 0; i < n; ++i) value += pieces[rng() % pieces.size()];
    int prefix = static_cast<int>(rng() % 34);
    std::string lo = TruncateMinString(value, prefix), hi = TruncateMaxString(value, prefix);
    EXPECT_LE(lo, value);
    EXPECT_GE(hi, value);
    EXPECT_TRUE(IsValidUtf8(lo));
    EXPECT_TRUE(IsValidUtf8(hi));
  }
}

TEST(FileStats, TimestampsAreUtcMillisecondsTruncatedDown) {
  auto type = arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  // 2025-09-04T07:00:00.123456Z and 2025-09-04T08:30:00.999999Z
  arrow::TimestampBuilder builder(type, arrow::default_memory_pool());
  auto ts = BuildArray<int64_t>(builder, {1756969200123456LL, std::nullopt, 1756974600999999LL});
  FileStats s = StatsOf(*Batch({{"ts", ts}}));
  EXPECT_EQ(s.columns["ts"].min, StatValue(std::string("2025-09-04T07:00:00.123Z")));
  EXPECT_EQ(s.columns["ts"].max, StatValue(std::string("2025-09-04T08:30:00.999Z")));
  EXPECT_EQ(s.columns["ts"].null_count, 1);
}

TEST(FileStats, DatesAndDoubles) {
  auto dates = MakeArray<arrow::Date32Builder, int32_t>({20335, 0});
  auto doubles = MakeArray<arrow::DoubleBuilder, double>({1.5, -2.25});
  auto nan = MakeArray<arrow::DoubleBuilder, double>({1.0, std::nan("")});
  FileStats s = StatsOf(*Batch({{"d", dates}, {"x", doubles}, {"n", nan}}));
  EXPECT_EQ(s.columns["d"].min, StatValue(std::string("1970-01-01")));
  EXPECT_EQ(s.columns["d"].max, StatValue(std::string("2025-09-04")));
  EXPECT_EQ(s.columns["x"].min, StatValue(-2.25));
  EXPECT_EQ(s.columns["x"].max, StatValue(1.5));
  EXPECT_FALSE(s.columns["n"].min.has_value());  // NaN: no usable bounds
  EXPECT_EQ(s.columns["n"].null_count, 0);
}

TEST(FileStats, ColumnsWithoutBoundsStillCountNulls) {
  arrow::BooleanBuilder b;
  ASSERT_TRUE(b.Append(true).ok());
  ASSERT_TRUE(b.AppendNull().ok());
  FileStats s = StatsOf(*Batch({{"flag", b.Finish().ValueOrDie()}}));
  EXPECT_EQ(s.columns["flag"].null_count, 1);
  EXPECT_FALSE(s.columns["flag"].min.has_value());
}

TEST(FileStats, JsonEscapesTextAndParsesBack) {
  std::string tricky = "quote\" back\\slash\nnew\ttab\x01";
  FileStats s = StatsOf(*Batch({{"we\"ird", Strings({tricky})}}));
  EXPECT_EQ(s.columns["we\"ird"].min, StatValue(tricky));
}

TEST(FileStats, EmptyFileHasZeroRecordsAndNoBounds) {
  FileStats s = StatsOf(*Batch({{"offset", Longs({})}}));
  EXPECT_EQ(s.num_records, 0);
  EXPECT_FALSE(s.columns["offset"].min.has_value());
}

TEST(FileStats, ParseRejectsMalformedJson) {
  EXPECT_FALSE(ParseFileStats("").ok());
  EXPECT_FALSE(ParseFileStats("{\"numRecords\":").ok());
  EXPECT_FALSE(ParseFileStats("[1,2]").ok());
  // Unknown keys and odd value types are ignored, not fatal.
  auto s = ParseFileStats("{\"numRecords\":2,\"tightBounds\":true,\"minValues\":{\"a\":{\"b\":1},\"c\":true}}");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->num_records, 2);
  EXPECT_FALSE(s->columns["a"].min.has_value());
  EXPECT_FALSE(s->columns["c"].min.has_value());
}

TEST(FileStats, ParseIsTotalOnRandomText) {
  std::mt19937 rng(3);
  const std::string alphabet = "{}[]\":,0123456789.-eEnulltrfasminValuesmaxValuesnullCountnumRecords ";
  for (int round = 0; round < 20000; ++round) {
    std::string text = round % 2 ? "{\"minValues\":{\"a\":" : "";
    size_t n = rng() % 40;
    for (size_t i = 0; i < n; ++i) {
      text += rng() % 16 == 0 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    }
    auto stats = ParseFileStats(text);
    if (!stats.ok()) {
      EXPECT_EQ(stats.status().code(), Status::Code::kCorruption) << text;
    }
  }
}

}  // namespace
}  // namespace rp::delta
