// How read-table renders cells: ShowCell (Spark show() layout) and
// AppendJsonCell (--format json), for the seed layout and for the raw table's
// Kafka-source layout (binary key/value, headers as list<struct<key, value>>).
#include "cli/arrow_cells.h"

#include <gtest/gtest.h>

#include <sstream>
#include <utility>
#include <vector>

#include "cli/show_table.h"

namespace rp::cli {
namespace {

using Header = std::pair<std::string, std::optional<std::string>>;

std::shared_ptr<arrow::Array> Finish(arrow::ArrayBuilder& builder) {
  std::shared_ptr<arrow::Array> array;
  EXPECT_TRUE(builder.Finish(&array).ok());
  return array;
}

// One row per element; nullopt is a null cell.
std::shared_ptr<arrow::Array> Binary(const std::vector<std::optional<std::string>>& rows) {
  arrow::BinaryBuilder b;
  for (const auto& r : rows) EXPECT_TRUE((r ? b.Append(*r) : b.AppendNull()).ok());
  return Finish(b);
}

std::shared_ptr<arrow::Array> LargeBinary(const std::vector<std::optional<std::string>>& rows) {
  arrow::LargeBinaryBuilder b;
  for (const auto& r : rows) EXPECT_TRUE((r ? b.Append(*r) : b.AppendNull()).ok());
  return Finish(b);
}

// The raw table's `headers` column: list<struct<key: utf8, value: binary>>.
std::shared_ptr<arrow::Array> Headers(const std::vector<std::optional<std::vector<Header>>>& rows) {
  auto key = std::make_shared<arrow::StringBuilder>();
  auto value = std::make_shared<arrow::BinaryBuilder>();
  auto type = arrow::struct_({arrow::field("key", arrow::utf8()), arrow::field("value", arrow::binary())});
  auto header = std::make_shared<arrow::StructBuilder>(
      type, arrow::default_memory_pool(), std::vector<std::shared_ptr<arrow::ArrayBuilder>>{key, value});
  arrow::ListBuilder list(arrow::default_memory_pool(), header);
  for (const auto& row : rows) {
    if (!row) {
      EXPECT_TRUE(list.AppendNull().ok());
      continue;
    }
    EXPECT_TRUE(list.Append().ok());
    for (const auto& [k, v] : *row) {
      EXPECT_TRUE(header->Append().ok());
      EXPECT_TRUE(key->Append(k).ok());
      EXPECT_TRUE((v ? value->Append(*v) : value->AppendNull()).ok());
    }
  }
  return Finish(list);
}

std::string Json(const arrow::Array& column, int64_t row) {
  std::string out;
  AppendJsonCell(column, row, &out);
  return out;
}

// --- binary cells ---------------------------------------------------------

TEST(ArrowCells, BinaryThatIsUtf8TextIsShownAsTextAndWrittenAsAJsonString) {
  auto a = Binary({R"({"page":"/a"})", "h\xC3\xA9llo"});
  EXPECT_EQ(ShowCell(*a, 0), R"({"page":"/a"})");
  EXPECT_EQ(ShowCell(*a, 1), "h\xC3\xA9llo");
  EXPECT_EQ(Json(*a, 0), R"("{\"page\":\"/a\"}")");
  EXPECT_EQ(Json(*a, 1), "\"h\xC3\xA9llo\"");
}

TEST(ArrowCells, BinaryThatIsNotUtf8IsShownAsSparkHexAndWrittenAsBase64) {
  auto a = Binary({std::string("{\"\xFF", 3), std::string("\xFF\x00", 2), std::string("\xC3", 1)});
  EXPECT_EQ(ShowCell(*a, 0), "[7B 22 FF]");
  EXPECT_EQ(ShowCell(*a, 1), "[FF 00]");
  EXPECT_EQ(ShowCell(*a, 2), "[C3]");  // a truncated sequence is not text
  EXPECT_EQ(Json(*a, 0), R"({"base64":"eyL/"})");
  EXPECT_EQ(Json(*a, 1), R"({"base64":"/wA="})");
  EXPECT_EQ(Json(*a, 2), R"({"base64":"ww=="})");
}

TEST(ArrowCells, Utf8BinaryWithControlCharactersTheTableWouldPrintRawIsHexButAJsonString) {
  // A big-endian int key and a Confluent-framed value: valid UTF-8, not text.
  auto a = Binary({std::string("\x00\x00\x00\x2A", 4), std::string("\x00\x00\x00\x00\x01{}", 7), "esc\x1B[0m",
                   "del\x7F"});
  EXPECT_EQ(ShowCell(*a, 0), "[00 00 00 2A]");
  EXPECT_EQ(ShowCell(*a, 1), "[00 00 00 00 01 7B 7D]");
  EXPECT_EQ(ShowCell(*a, 2), "[65 73 63 1B 5B 30 6D]");
  EXPECT_EQ(ShowCell(*a, 3), "[64 65 6C 7F]");
  // JSON escapes every control character, and keeps the convention of
  // `transform --records`: valid UTF-8 is a string.
  EXPECT_EQ(Json(*a, 0), R"("\u0000\u0000\u0000*")");
  EXPECT_EQ(Json(*a, 2), R"("esc\u001B[0m")");
}

TEST(ArrowCells, EmptyBinaryIsEmptyTextNotNull) {
  auto a = Binary({""});
  EXPECT_EQ(ShowCell(*a, 0), "");
  EXPECT_EQ(Json(*a, 0), R"("")");
}

TEST(ArrowCells, NullBinaryIsNull) {
  auto a = Binary({std::nullopt});
  EXPECT_EQ(ShowCell(*a, 0), std::nullopt);
  EXPECT_EQ(Json(*a, 0), "null");
}

TEST(ArrowCells, LargeBinaryFollowsTheSameRules) {
  auto a = LargeBinary({"text", std::string("\xFF\x00", 2), std::nullopt});
  EXPECT_EQ(ShowCell(*a, 0), "text");
  EXPECT_EQ(ShowCell(*a, 1), "[FF 00]");
  EXPECT_EQ(ShowCell(*a, 2), std::nullopt);
  EXPECT_EQ(Json(*a, 0), R"("text")");
  EXPECT_EQ(Json(*a, 1), R"({"base64":"/wA="})");
  EXPECT_EQ(Json(*a, 2), "null");
}

TEST(ArrowCells, ControlCharactersInBinaryTextAreEscapedOnceByTheTable) {
  auto a = Binary({"a\nb\tc"});
  EXPECT_EQ(ShowCell(*a, 0), "a\nb\tc");  // raw: ShowTable escapes, as for STRING
  std::ostringstream table;
  ShowTable({"value"}, {{ShowCell(*a, 0)}}, table);
  EXPECT_EQ(table.str(),
            "+-------+\n"
            "|value  |\n"
            "+-------+\n"
            "|a\\nb\\tc|\n"
            "+-------+\n");
  EXPECT_EQ(Json(*a, 0), R"("a\nb\tc")");
}

// --- headers: list<struct<key, value>> -------------------------------------

TEST(ArrowCells, HeadersAreAnArrayOfBracedStructsWithNullAndTheBinaryRuleInside) {
  auto a = Headers(
      {std::vector<Header>{{"trace", "abc"}, {"none", std::nullopt}, {"bin", std::string("\xFF\x00", 2)}}});
  EXPECT_EQ(ShowCell(*a, 0), "[{trace, abc}, {none, NULL}, {bin, [FF 00]}]");
  EXPECT_EQ(Json(*a, 0), R"([{"key":"trace","value":"abc"},{"key":"none","value":null},)"
                         R"({"key":"bin","value":{"base64":"/wA="}}])");
}

TEST(ArrowCells, EmptyHeadersAreAnEmptyArray) {
  auto a = Headers({std::vector<Header>{}});
  EXPECT_EQ(ShowCell(*a, 0), "[]");
  EXPECT_EQ(Json(*a, 0), "[]");
}

TEST(ArrowCells, NullHeadersAreNull) {
  auto a = Headers({std::nullopt});
  EXPECT_EQ(ShowCell(*a, 0), std::nullopt);
  EXPECT_EQ(Json(*a, 0), "null");
}

TEST(ArrowCells, ListRowsAreReadFromTheirOwnOffsetsAlsoInASlice) {
  auto a =
      Headers({std::vector<Header>{{"a", "1"}}, std::nullopt, std::vector<Header>{{"b", "2"}, {"c", "3"}}});
  EXPECT_EQ(ShowCell(*a, 2), "[{b, 2}, {c, 3}]");
  auto slice = a->Slice(1);
  EXPECT_EQ(ShowCell(*slice, 0), std::nullopt);
  EXPECT_EQ(ShowCell(*slice, 1), "[{b, 2}, {c, 3}]");
  EXPECT_EQ(Json(*slice, 1), R"([{"key":"b","value":"2"},{"key":"c","value":"3"}])");
}

TEST(ArrowCells, ANullElementOfAnArrayIsNULL) {
  arrow::Int32Builder b;
  ASSERT_TRUE(b.Append(1).ok());
  ASSERT_TRUE(b.AppendNull().ok());
  ASSERT_TRUE(b.Append(3).ok());
  auto values = Finish(b);
  arrow::Int32Builder o;
  ASSERT_TRUE(o.AppendValues({0, 3}).ok());
  auto offsets = Finish(o);
  auto list = arrow::ListArray::FromArrays(*offsets, *values);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(ShowCell(**list, 0), "[1, NULL, 3]");
  EXPECT_EQ(Json(**list, 0), "[1,null,3]");
}

TEST(ArrowCells, MapsAreShownWithArrowsInBracesAndWrittenAsObjects) {
  arrow::MapBuilder b(arrow::default_memory_pool(), std::make_shared<arrow::StringBuilder>(),
                      std::make_shared<arrow::BinaryBuilder>());
  auto* keys = static_cast<arrow::StringBuilder*>(b.key_builder());
  auto* items = static_cast<arrow::BinaryBuilder*>(b.item_builder());
  ASSERT_TRUE(b.Append().ok());
  ASSERT_TRUE(keys->Append("k").ok());
  ASSERT_TRUE(items->Append("v").ok());
  ASSERT_TRUE(keys->Append("n").ok());
  ASSERT_TRUE(items->AppendNull().ok());
  ASSERT_TRUE(b.Append().ok());
  auto a = Finish(b);
  EXPECT_EQ(ShowCell(*a, 0), "{k -> v, n -> NULL}");
  EXPECT_EQ(ShowCell(*a, 1), "{}");
  EXPECT_EQ(Json(*a, 0), R"({"k":"v","n":null})");
  EXPECT_EQ(Json(*a, 1), "{}");
}

// --- the seed layout stays byte for byte what it was -----------------------

TEST(ArrowCells, SeedLayoutCellsAreUnchanged) {
  arrow::StringBuilder value;
  ASSERT_TRUE(value.Append("{\"page\":\"/x\",\n\"t\":1}").ok());
  ASSERT_TRUE(value.AppendNull().ok());
  arrow::Int32Builder partition;
  ASSERT_TRUE(partition.AppendValues({3, -1}).ok());
  arrow::Int64Builder offset;
  ASSERT_TRUE(offset.AppendValues({1234567890123LL, 0}).ok());
  auto v = Finish(value), p = Finish(partition), o = Finish(offset);
  EXPECT_EQ(ShowCell(*v, 0), "{\"page\":\"/x\",\n\"t\":1}");
  EXPECT_EQ(ShowCell(*v, 1), std::nullopt);
  EXPECT_EQ(ShowCell(*p, 0), "3");
  EXPECT_EQ(ShowCell(*p, 1), "-1");
  EXPECT_EQ(ShowCell(*o, 0), "1234567890123");
  EXPECT_EQ(Json(*v, 0), R"("{\"page\":\"/x\",\n\"t\":1}")");
  EXPECT_EQ(Json(*v, 1), "null");
  EXPECT_EQ(Json(*p, 1), "-1");
  EXPECT_EQ(Json(*o, 0), "1234567890123");
}

TEST(ArrowCells, TimestampsAreUtcWithoutTrailingZerosAndJsonStrings) {
  arrow::TimestampBuilder b(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), arrow::default_memory_pool());
  ASSERT_TRUE(b.AppendValues({1700000000123000LL, 1700000000000000LL}).ok());
  auto a = Finish(b);
  EXPECT_EQ(ShowCell(*a, 0), "2023-11-14 22:13:20.123");
  EXPECT_EQ(ShowCell(*a, 1), "2023-11-14 22:13:20");
  EXPECT_EQ(Json(*a, 0), R"("2023-11-14 22:13:20.123")");
}

// --- a raw-table row as read-table prints it --------------------------------

TEST(ArrowCells, ARawKafkaRowInTheShowLayout) {
  auto key = Binary({std::string("\x00\x01", 2)});
  auto value = Binary({R"({"page":"/a"})"});
  auto headers = Headers({std::vector<Header>{{"trace", "abc"}, {"bin", std::string("\xFF", 1)}}});
  std::ostringstream table;
  ShowTable({"key", "value", "headers"}, {{ShowCell(*key, 0), ShowCell(*value, 0), ShowCell(*headers, 0)}},
            table);
  EXPECT_EQ(table.str(),
            "+-------+-------------+---------------------------+\n"
            "|key    |value        |headers                    |\n"
            "+-------+-------------+---------------------------+\n"
            "|[00 01]|{\"page\":\"/a\"}|[{trace, abc}, {bin, [FF]}]|\n"
            "+-------+-------------+---------------------------+\n");
}

}  // namespace
}  // namespace rp::cli
