// Delta schemaString <-> Arrow schema.
#include "delta/schema.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

namespace rp::delta {
namespace {

TEST(Schema, EveryPrimitiveTypeMapsToItsArrowType) {
  const std::string json =
      R"({"type":"struct","fields":[)"
      R"({"name":"s","type":"string","nullable":true,"metadata":{}},)"
      R"({"name":"i","type":"integer","nullable":false,"metadata":{}},)"
      R"({"name":"l","type":"long","nullable":true,"metadata":{}},)"
      R"({"name":"sh","type":"short","nullable":true,"metadata":{}},)"
      R"({"name":"by","type":"byte","nullable":true,"metadata":{}},)"
      R"({"name":"b","type":"boolean","nullable":true,"metadata":{}},)"
      R"({"name":"f","type":"float","nullable":true,"metadata":{}},)"
      R"({"name":"d","type":"double","nullable":true,"metadata":{}},)"
      R"({"name":"bin","type":"binary","nullable":true,"metadata":{}},)"
      R"({"name":"dt","type":"date","nullable":true,"metadata":{}},)"
      R"({"name":"ts","type":"timestamp","nullable":true,"metadata":{}},)"
      R"({"name":"ntz","type":"timestamp_ntz","nullable":true,"metadata":{}},)"
      R"j({"name":"dec","type":"decimal(10,2)","nullable":true,"metadata":{}}]})j";
  auto schema = SchemaFromDeltaJson(json);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  auto expected = arrow::schema({
      arrow::field("s", arrow::utf8()),
      arrow::field("i", arrow::int32(), false),
      arrow::field("l", arrow::int64()),
      arrow::field("sh", arrow::int16()),
      arrow::field("by", arrow::int8()),
      arrow::field("b", arrow::boolean()),
      arrow::field("f", arrow::float32()),
      arrow::field("d", arrow::float64()),
      arrow::field("bin", arrow::binary()),
      arrow::field("dt", arrow::date32()),
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("ntz", arrow::timestamp(arrow::TimeUnit::MICRO)),
      arrow::field("dec", arrow::decimal128(10, 2)),
  });
  EXPECT_TRUE((*schema)->Equals(*expected)) << (*schema)->ToString();
  // And back, byte for byte (metadata is written as {}).
  auto back = SchemaToDeltaJson(**schema);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, json);
}

TEST(Schema, ParsesSparkStylePrettyJsonWithColumnMetadata) {
  const std::string json = R"({
    "type" : "struct",
    "fields" : [ {
      "name" : "value", "type" : "string", "nullable" : true,
      "metadata" : { "comment" : "raw record" }
    }, {
      "name" : "tags",
      "type" : { "type" : "map", "keyType" : "string", "valueType" : "long", "valueContainsNull" : true },
      "nullable" : true, "metadata" : { }
    }, {
      "name" : "e",
      "type" : { "type" : "array", "elementType" : { "type" : "struct", "fields" : [ {
          "name" : "d", "type" : "integer", "nullable" : false, "metadata" : { } } ] },
        "containsNull" : true },
      "nullable" : true, "metadata" : { }
    } ]
  })";
  auto schema = SchemaFromDeltaJson(json);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  ASSERT_EQ((*schema)->num_fields(), 3);
  EXPECT_TRUE((*schema)->field(0)->type()->Equals(arrow::utf8()));
  EXPECT_EQ((*schema)->field(1)->type()->id(), arrow::Type::MAP);
  const auto& list = *(*schema)->field(2)->type();
  ASSERT_EQ(list.id(), arrow::Type::LIST);
  EXPECT_EQ(list.field(0)->type()->field(0)->name(), "d");
  EXPECT_FALSE(list.field(0)->type()->field(0)->nullable());
  auto back = SchemaToDeltaJson(**schema);
  ASSERT_TRUE(back.ok());
  auto again = SchemaFromDeltaJson(*back);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->Equals(**schema));
}

TEST(Schema, ArrowVariantsMapToTheSameDeltaTypes) {
  auto schema = arrow::schema({arrow::field("a", arrow::large_utf8()),
                               arrow::field("b", arrow::timestamp(arrow::TimeUnit::NANO, "Europe/Paris")),
                               arrow::field("c", arrow::timestamp(arrow::TimeUnit::MILLI))});
  auto json = SchemaToDeltaJson(*schema);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find(R"("name":"a","type":"string")"), std::string::npos);
  EXPECT_NE(json->find(R"("name":"b","type":"timestamp")"), std::string::npos);
  EXPECT_NE(json->find(R"("name":"c","type":"timestamp_ntz")"), std::string::npos);
}

TEST(Schema, UnsupportedDeltaTypesAreRefusedNamingTheColumn) {
  auto schema = SchemaFromDeltaJson(
      R"({"type":"struct","fields":[{"name":"v","type":"variant","nullable":true,"metadata":{}}]})");
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), Status::Code::kUnsupported);
  EXPECT_NE(schema.status().message().find("'v'"), std::string::npos);
}

TEST(Schema, ArrowTypesWithoutDeltaEquivalentAreInvalidArgument) {
  auto json = SchemaToDeltaJson(*arrow::schema({arrow::field("u", arrow::uint64())}));
  ASSERT_FALSE(json.ok());
  EXPECT_TRUE(json.status().IsInvalidArgument());
  EXPECT_NE(json.status().message().find("'u'"), std::string::npos);
}

TEST(Schema, MalformedSchemaStringIsCorruption) {
  for (const char* bad : {"", "{", R"({"type":"array"})", R"({"type":"struct","fields":[{"type":"long"}]})"}) {
    auto schema = SchemaFromDeltaJson(bad);
    ASSERT_FALSE(schema.ok()) << bad;
    EXPECT_EQ(schema.status().code(), Status::Code::kCorruption) << bad;
  }
}

}  // namespace
}  // namespace rp::delta
