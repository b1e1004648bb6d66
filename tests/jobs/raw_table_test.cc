// The raw table's two layouts: what a record becomes as a row, what a table
// remembers about itself, and what goes to the dead-letter table instead.
#include "jobs/raw_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "delta/schema.h"

namespace rp::jobs {
namespace {

logic::TimeZone Paris() { return *logic::TimeZone::Find("Europe/Paris"); }

kafka::MessageView Record(std::optional<std::string_view> value,
                          std::span<const logic::HeaderView> headers = {}) {
  kafka::MessageView r;
  r.topic = "visits";
  r.partition = 2;
  r.offset = 7;
  r.key = "user-1";
  r.value = value;
  r.timestamp_ms = 1'756'962'000'123;  // 2025-09-04T05:00:00.123Z
  r.timestamp_type = kafka::TimestampType::kCreateTime;
  r.headers = headers;
  return r;
}

logic::EventTimeSpec Spec(std::string_view text) { return *logic::EventTimeSpec::Parse(text); }

template <typename A>
const A& Column(const arrow::RecordBatch& batch, const char* name) {
  auto column = batch.GetColumnByName(name);
  EXPECT_NE(column, nullptr) << name;
  return static_cast<const A&>(*column);
}

TEST(RawTableLayouts, TheKafkaLayoutHasSparksKafkaSourceColumnsThenEventTimeAndPartitions) {
  auto schema = delta::SchemaToDeltaJson(*RawTableSchema(RawLayout::kKafka));
  ASSERT_TRUE(schema.ok());
  for (
      const char* field :
      {R"({"name":"key","type":"binary","nullable":true,"metadata":{}})",
       R"({"name":"value","type":"binary","nullable":true,"metadata":{}})",
       R"({"name":"topic","type":"string","nullable":true,"metadata":{}})",
       R"({"name":"partition","type":"integer","nullable":true,"metadata":{}})",
       R"({"name":"offset","type":"long","nullable":true,"metadata":{}})",
       R"({"name":"timestamp","type":"timestamp","nullable":true,"metadata":{}})",
       R"({"name":"timestampType","type":"integer","nullable":true,"metadata":{}})",
       R"({"name":"headers","type":{"type":"array","elementType":{"type":"struct","fields":[{"name":"key","type":"string","nullable":true,"metadata":{}},{"name":"value","type":"binary","nullable":true,"metadata":{}}]},"containsNull":true},"nullable":true,"metadata":{}})",
       R"({"name":"event_time","type":"timestamp","nullable":true,"metadata":{}})"}) {
    EXPECT_NE(schema->find(field), std::string::npos) << field << " in " << *schema;
  }
  EXPECT_EQ(RawTableSchema(RawLayout::kKafka)->num_fields(), 13);
  EXPECT_EQ(
      RawTableSchema(RawLayout::kSeed)->ToString(),
      "value: string\npartition: int32\noffset: int64\nyear: int32\nmonth: int32\nday: int32\nhour: int32");
}

TEST(RawTableLayouts, AKafkaRowKeepsEveryPartOfTheRecord) {
  const std::string bytes("\x00\xff\xfe{", 4);
  std::vector<logic::HeaderView> headers = {
      {"trace", "abc"}, {"bin", std::string_view("\x00\x01", 2)}, {"nothing", std::nullopt}};
  RawBatchBuilder builder(RawLayout::kKafka, Spec("json:/event_time"), Paris());
  auto with_headers = Record(R"({"event_time":"2025-09-04T07:00:00"})", headers);
  ASSERT_EQ(builder.Unstorable(with_headers), nullptr);
  ASSERT_TRUE(builder.Append(with_headers).ok());
  auto binary = Record(bytes);
  binary.key.reset();
  binary.offset = 8;
  binary.timestamp_type = kafka::TimestampType::kLogAppendTime;
  ASSERT_EQ(builder.Unstorable(binary), nullptr) << "any payload is storable";
  ASSERT_TRUE(builder.Append(binary).ok());
  auto tombstone = Record(std::nullopt);
  tombstone.offset = 9;
  tombstone.timestamp_ms = -1;
  tombstone.timestamp_type = kafka::TimestampType::kNone;
  ASSERT_TRUE(builder.Append(tombstone).ok());

  auto batch = builder.Finish();
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_TRUE((*batch)->ValidateFull().ok());
  const auto& b = **batch;
  ASSERT_EQ(b.num_rows(), 3);
  EXPECT_TRUE(b.schema()->Equals(*RawTableSchema(RawLayout::kKafka)));

  const auto& key = Column<arrow::BinaryArray>(b, "key");
  EXPECT_EQ(key.GetView(0), "user-1");
  EXPECT_TRUE(key.IsNull(1)) << "a null key stays null";
  const auto& value = Column<arrow::BinaryArray>(b, "value");
  EXPECT_EQ(value.GetView(1), bytes) << "bytes come back as they went in";
  EXPECT_TRUE(value.IsNull(2)) << "a tombstone is a null value";
  EXPECT_EQ(Column<arrow::StringArray>(b, "topic").GetView(0), "visits");
  EXPECT_EQ(Column<arrow::Int32Array>(b, "partition").Value(0), 2);
  EXPECT_EQ(Column<arrow::Int64Array>(b, "offset").Value(1), 8);

  const auto& ts = Column<arrow::TimestampArray>(b, "timestamp");
  EXPECT_EQ(ts.Value(0), 1'756'962'000'123'000) << "micros, as Spark stores a TIMESTAMP";
  EXPECT_TRUE(ts.IsNull(2)) << "no timestamp: null, not 1969";
  const auto& ts_type = Column<arrow::Int32Array>(b, "timestampType");
  EXPECT_EQ(ts_type.Value(0), 0) << "CreateTime, as Java's TimestampType.id";
  EXPECT_EQ(ts_type.Value(1), 1) << "LogAppendTime";
  EXPECT_EQ(ts_type.Value(2), -1) << "NoTimestampType";

  const auto& list = Column<arrow::ListArray>(b, "headers");
  ASSERT_FALSE(list.IsNull(0));
  EXPECT_EQ(list.value_length(0), 3);
  EXPECT_TRUE(list.IsNull(1)) << "no headers: null, as Spark's Kafka source";
  const auto& entries = static_cast<const arrow::StructArray&>(*list.values());
  const auto& hkey = static_cast<const arrow::StringArray&>(*entries.field(0));
  const auto& hvalue = static_cast<const arrow::BinaryArray&>(*entries.field(1));
  EXPECT_EQ(hkey.GetView(1), "bin");
  EXPECT_EQ(hvalue.GetView(1), std::string_view("\x00\x01", 2));
  EXPECT_TRUE(hvalue.IsNull(2)) << "a header without a value";

  const auto& event_time = Column<arrow::TimestampArray>(b, "event_time");
  EXPECT_EQ(event_time.Value(0), 1'756'962'000'000'000) << "07:00 in Paris is 05:00 UTC";
  EXPECT_TRUE(event_time.IsNull(1)) << "no JSON, no event time";
  const auto& hour = Column<arrow::Int32Array>(b, "hour");
  EXPECT_EQ(hour.Value(0), 7) << "partitions are civil time in the table's zone";
  EXPECT_TRUE(hour.IsNull(1));
}

// sync reserves each batch's room up front, places its records, then appends
// them grouped by partition; the rows must be the same as appended one by one.
TEST(RawTableLayouts, PlacedAndReservedRowsAreTheRowsAppendedOneByOne) {
  std::vector<std::string> values;
  for (int i = 0; i < 3000; ++i) {
    // Values past the reserved bytes, a large one, nulls and records without an event time.
    values.push_back(i % 7 == 3    ? std::string(5000, 'v')
                     : i % 11 == 0 ? std::string("no json")
                                   : R"({"event_time":"2025-09-04T)" + std::to_string(10 + i % 12) +
                                         ":00:00." + std::to_string(i) + R"("})");
  }
  std::vector<logic::HeaderView> headers = {{"h", "v"}};
  auto record = [&](int i) {
    auto r =
        Record(i % 13 == 5 ? std::nullopt : std::optional<std::string_view>(values[i]),
               i % 2 ? std::span<const logic::HeaderView>(headers) : std::span<const logic::HeaderView>());
    r.offset = i;
    if (i % 5 == 0) r.key.reset();
    return r;
  };
  for (const RawLayout layout : {RawLayout::kKafka, RawLayout::kSeed}) {
    RawBatchBuilder one_by_one(layout, Spec("json:/event_time"), Paris());
    RawBatchBuilder placed(layout, Spec("json:/event_time"), Paris());
    for (int round = 0; round < 2; ++round) {  // a builder serves batch after batch
      ASSERT_TRUE(placed.Reserve(10, 100, 4).ok()) << "less than the rows need: the builder grows";
      for (int i = 0; i < 3000; ++i) {
        ASSERT_TRUE(one_by_one.Append(record(i)).ok());
        const RawBatchBuilder::Placement p = placed.Place(record(i));
        EXPECT_EQ(p.when, i % 11 != 0 && i % 13 != 5 && i % 7 != 3) << i;
        ASSERT_TRUE(placed.Append(record(i), p).ok());
      }
      auto expected = one_by_one.Finish();
      auto got = placed.Finish();
      ASSERT_TRUE(expected.ok() && got.ok());
      ASSERT_TRUE((*got)->ValidateFull().ok());
      EXPECT_EQ((*got)->num_rows(), 3000);
      EXPECT_TRUE((*got)->Equals(**expected)) << RawLayoutName(layout) << " round " << round;
      EXPECT_EQ(Column<arrow::Int32Array>(**got, "hour").Value(1), 11);
    }
  }
}

TEST(RawTableLayouts, TheEventTimeCanComeFromTheKafkaTimestampOrFallBackToIt) {
  RawBatchBuilder kafka_time(RawLayout::kKafka, Spec("kafka"), Paris());
  ASSERT_TRUE(kafka_time.Append(Record(R"({"event_time":"2001-01-01T00:00:00"})")).ok());
  auto batch = kafka_time.Finish();
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(Column<arrow::TimestampArray>(**batch, "event_time").Value(0), 1'756'962'000'123'000);
  EXPECT_EQ(Column<arrow::Int32Array>(**batch, "year").Value(0), 2025);

  auto spec = Spec("json:/event_time");
  spec.fallback_kafka = true;
  RawBatchBuilder fallback(RawLayout::kSeed, spec, Paris());
  ASSERT_TRUE(fallback.Append(Record("not json")).ok());
  batch = fallback.Finish();
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(Column<arrow::Int32Array>(**batch, "hour").Value(0), 7);
}

TEST(RawTableLayouts, TheSeedLayoutStoresTextAndSendsOtherBytesToTheDeadLetterTable) {
  RawBatchBuilder builder(RawLayout::kSeed, Spec("json:/event_time"), Paris());
  EXPECT_STREQ(builder.Unstorable(Record("\xff")), "invalid_utf8");
  ASSERT_TRUE(builder.Append(Record(R"({"event_time":"2025-09-04T07:00:00"})")).ok());
  auto batch = builder.Finish();
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE((*batch)->schema()->Equals(*RawTableSchema(RawLayout::kSeed)));
  EXPECT_EQ(Column<arrow::StringArray>(**batch, "value").GetView(0),
            R"({"event_time":"2025-09-04T07:00:00"})");
  EXPECT_EQ(Column<arrow::Int32Array>(**batch, "hour").Value(0), 7);
}

TEST(RawTableLayouts, AHeaderNameThatIsNotUtf8GoesWholeToTheDeadLetterTable) {
  std::vector<logic::HeaderView> headers = {{std::string_view("\xc3\x28", 2), "v"}};
  RawBatchBuilder builder(RawLayout::kKafka, Spec("json:/event_time"), Paris());
  const auto record = Record("payload", headers);
  ASSERT_STREQ(builder.Unstorable(record), "invalid_utf8_header_name");

  DeadLetterBatchBuilder dead(RawLayout::kKafka);
  ASSERT_TRUE(dead.Append(record, "invalid_utf8_header_name").ok());
  auto batch = dead.Finish();
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE((*batch)->ValidateFull().ok());
  EXPECT_TRUE((*batch)->schema()->Equals(*DeadLetterTableSchema(RawLayout::kKafka)));
  EXPECT_EQ(Column<arrow::BinaryArray>(**batch, "value").GetView(0), "payload");
  EXPECT_EQ(Column<arrow::BinaryArray>(**batch, "key").GetView(0), "user-1");
  EXPECT_EQ(Column<arrow::StringArray>(**batch, "reason").GetView(0), "invalid_utf8_header_name");
  const auto& list = Column<arrow::ListArray>(**batch, "headers");
  const auto& names = static_cast<const arrow::BinaryArray&>(
      *static_cast<const arrow::StructArray&>(*list.values()).field(0));
  EXPECT_EQ(names.GetView(0), std::string_view("\xc3\x28", 2)) << "the header name's bytes are kept";
}

TEST(RawTableSettings, ANewTableRemembersItsLayoutZoneTopicAndEventTimeRule) {
  RawTableSettings s;
  s.layout = RawLayout::kKafka;
  s.event_time = Spec("json:/meta/ts");
  s.event_time.fallback_kafka = true;
  s.time_zone = "Europe/Paris";
  s.source_topic = "orders";
  auto conf = RawTableConfiguration(s);
  EXPECT_EQ(conf["reprocessor.layout"], "kafka");
  EXPECT_EQ(conf["reprocessor.eventTime"], "json:/meta/ts");
  EXPECT_EQ(conf["reprocessor.eventTimeFallback"], "kafka");
  EXPECT_EQ(conf["delta.appendOnly"], "true");
  auto back = ReadRawTableSettings(conf);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->layout, RawLayout::kKafka);
  EXPECT_EQ(back->event_time, s.event_time);
  EXPECT_EQ(back->time_zone, "Europe/Paris");
  EXPECT_EQ(back->source_topic, "orders");
}

TEST(RawTableSettings, ATableFromBeforeLayoutsIsASeedTableWithTheJsonEventTime) {
  auto s = ReadRawTableSettings({{"reprocessor.timeZone", "UTC"}, {"reprocessor.sourceTopic", "visits"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->layout, RawLayout::kSeed);
  EXPECT_EQ(s->event_time.ToString(), "json:/event_time");
  EXPECT_FALSE(s->event_time.fallback_kafka);
}

TEST(RawTableSettings, AnUnknownLayoutOrRuleIsAnError) {
  EXPECT_TRUE(ReadRawTableSettings({{"reprocessor.layout", "avro"}}).status().IsInvalidArgument());
  EXPECT_TRUE(ReadRawTableSettings({{"reprocessor.eventTime", "header:x"}}).status().IsInvalidArgument());
  EXPECT_TRUE(ReadRawTableSettings({{"reprocessor.eventTimeFallback", "yes"}}).status().IsInvalidArgument());
}

TEST(RawTableLayouts, TheDeadLetterTableIsASiblingOnDiskAndInABucket) {
  EXPECT_EQ(DefaultDeadLetterTablePath("/data/raw/visits").ValueOr("?"), "/data/raw/visits_dlq");
  EXPECT_EQ(DefaultDeadLetterTablePath("/data/raw/visits/").ValueOr("?"), "/data/raw/visits_dlq");
  EXPECT_EQ(DefaultDeadLetterTablePath("file:///data/visits").ValueOr("?"), "file:///data/visits_dlq");
  EXPECT_EQ(DefaultDeadLetterTablePath("s3://bucket/raw/visits").ValueOr("?"), "s3://bucket/raw/visits_dlq");
  EXPECT_EQ(DefaultDeadLetterTablePath("s3://bucket/visits/").ValueOr("?"), "s3://bucket/visits_dlq");
  // "s3://bucket_dlq" would be another bucket: the caller must choose.
  for (const char* root : {"s3://bucket", "s3://bucket/"}) {
    auto refused = DefaultDeadLetterTablePath(root);
    ASSERT_FALSE(refused.ok()) << root;
    EXPECT_TRUE(refused.status().IsInvalidArgument()) << refused.status().ToString();
    EXPECT_NE(refused.status().message().find("--dlq-table"), std::string::npos);
  }
}

TEST(RawTableSettings, ANewTableStartsWithUpkeepPropertiesForACommitEvery500Ms) {
  RawTableSettings s;
  s.time_zone = "UTC";
  s.source_topic = "visits";
  auto conf = RawTableConfiguration(s);
  EXPECT_EQ(conf.at("delta.checkpointInterval"), "100");
  EXPECT_EQ(conf.at("delta.deletedFileRetentionDuration"), "interval 30 minutes");
  EXPECT_EQ(conf.at("delta.logRetentionDuration"), "interval 30 minutes");
  EXPECT_EQ(conf.at("reprocessor.exactLogRetention"), "true");
  EXPECT_EQ(conf.at("delta.appendOnly"), "true");
}

TEST(RawTableSettings, AUsersTablePropertiesWinOverTheDefaults) {
  RawTableSettings s;
  s.time_zone = "UTC";
  auto conf = RawTableConfiguration(s);
  ASSERT_TRUE(MergeTableProperties({{"delta.logRetentionDuration", "interval 7 days"},
                                    {"delta.checkpointInterval", "10"},
                                    {"reprocessor.exactLogRetention", "false"},
                                    {"custom.owner", "team-a"}},
                                   &conf)
                  .ok());
  EXPECT_EQ(conf.at("delta.logRetentionDuration"), "interval 7 days");
  EXPECT_EQ(conf.at("delta.checkpointInterval"), "10");
  EXPECT_EQ(conf.at("reprocessor.exactLogRetention"), "false");
  EXPECT_EQ(conf.at("custom.owner"), "team-a");
  EXPECT_EQ(conf.at("delta.deletedFileRetentionDuration"), "interval 30 minutes");
}

TEST(RawTableSettings, TablePropertiesThatCannotWorkAreRefusedAndChangeNothing) {
  RawTableSettings s;
  s.time_zone = "UTC";
  const auto before = RawTableConfiguration(s);
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"delta.checkpointInterval", "0"},
                                                        {"delta.checkpointInterval", "ten"},
                                                        {"delta.deletedFileRetentionDuration", "1 month"},
                                                        {"delta.logRetentionDuration", "soon"},
                                                        {"delta.enableExpiredLogCleanup", "maybe"},
                                                        {"delta.appendOnly", "yes"},
                                                        {"reprocessor.layout", "seed"},
                                                        {"reprocessor.timeZone", "UTC"}}) {
    auto conf = before;
    Status st = MergeTableProperties({{key, value}}, &conf);
    EXPECT_TRUE(st.IsInvalidArgument()) << key << "=" << value << ": " << st.ToString();
    EXPECT_NE(st.message().find(key), std::string::npos) << st.ToString();
    EXPECT_EQ(conf, before);
  }
}

}  // namespace
}  // namespace rp::jobs
