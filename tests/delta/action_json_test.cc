// Delta log actions <-> JSON lines (PROTOCOL.md "Actions").
#include "delta/action_json.h"

#include <gtest/gtest.h>

#include "log_test_util.h"

namespace rp::delta {
namespace {

using testing::SameAdd;

// Lines as Spark (Delta 3.x) writes them, from a streaming append.
constexpr const char* kSparkCommit =
    R"({"commitInfo":{"timestamp":1691426741681,"operation":"STREAMING UPDATE","operationParameters":{"outputMode":"Append","queryId":"5b2c0b5e-0f5a-4a9a-a4f4-9f0f5d1b2a3c","epochId":"7"},"readVersion":10,"isolationLevel":"Serializable","isBlindAppend":true,"operationMetrics":{"numRemovedFiles":"0","numOutputRows":"10","numOutputBytes":"527","numAddedFiles":"1"},"engineInfo":"Apache-Spark/3.5.0 Delta-Lake/3.1.0","txnId":"a99db5a3-bc5b-44f8-abc5-ce30bda4c0b0"}}
{"txn":{"appId":"3ba13872-2d47-4e17-86a0-21afd2a22395","version":7,"lastUpdated":1691426741681}}
{"add":{"path":"year=2025/part-00000-26da113c-2e45-4aba-b1ce-6eb5e46c53f7.c000.snappy.parquet","partitionValues":{"year":"2025"},"size":527,"modificationTime":1691426741411,"dataChange":true,"stats":"{\"numRecords\":10,\"minValues\":{\"offset\":60},\"maxValues\":{\"offset\":69},\"nullCount\":{\"offset\":0}}","tags":{"INSERTION_TIME":"1691426741000000","MIN_INSERTION_TIME":"1691426741000000"}}}
{"remove":{"path":"year=2024/part-00001-9a1c.c000.snappy.parquet","deletionTimestamp":1691426740000,"dataChange":true,"extendedFileMetadata":true,"partitionValues":{"year":"2024"},"size":539}}
)";

// Commit 0 as delta-rs 1.x writes it: explicit nulls for optional fields.
constexpr const char* kDeltaRsCommit =
    R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"id":"5e674aae-7186-4615-b34f-ce63afe6f0a1","name":null,"description":null,"format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"value\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},{\"name\":\"partition\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":["partition"],"createdTime":1795474994138,"configuration":{"delta.appendOnly":"true"}}}
{"add":{"path":"partition=0/part-00000-9298aea1-1f90-4a98-a0d8-f2658629152d-c000.snappy.parquet","partitionValues":{"partition":"0"},"size":1065,"modificationTime":1795474994156,"dataChange":true,"stats":"{\"numRecords\":1}","tags":null,"baseRowId":null,"defaultRowCommitVersion":null,"clusteringProvider":null}}
{"add":{"path":"partition=__HIVE_DEFAULT_PARTITION__/part-00001.parquet","partitionValues":{"partition":null},"size":900,"modificationTime":1795474994156,"dataChange":true,"stats":null,"tags":null,"deletionVector":null}}
{"commitInfo":{"timestamp":1795474994156,"operation":"WRITE","operationParameters":{"partitionBy":"[\"partition\"]","mode":"Append"},"engineInfo":"delta-rs:py-1.2.1","clientVersion":"delta-rs.py-1.2.1","operationMetrics":{"execution_time_ms":18,"num_added_files":2}}}
)";

TEST(ActionJson, ParsesEveryActionKindOfASparkStreamingCommit) {
  auto parsed = ParseCommitFile(kSparkCommit, "00000000000000000011.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const LogActions& a = *parsed;
  ASSERT_TRUE(a.commit_info.has_value());
  EXPECT_EQ(a.commit_info->timestamp, 1691426741681);
  EXPECT_EQ(a.commit_info->operation, "STREAMING UPDATE");
  EXPECT_EQ(a.commit_info->operation_parameters.at("outputMode"), "\"Append\"");
  EXPECT_EQ(a.commit_info->read_version, 10);
  EXPECT_TRUE(a.commit_info->is_blind_append);
  EXPECT_EQ(a.commit_info->operation_metrics.at("numOutputRows"), "\"10\"");
  EXPECT_EQ(a.commit_info->engine_info, "Apache-Spark/3.5.0 Delta-Lake/3.1.0");
  EXPECT_EQ(a.commit_info->txn_id, "a99db5a3-bc5b-44f8-abc5-ce30bda4c0b0");

  ASSERT_EQ(a.txns.size(), 1u);
  EXPECT_EQ(a.txns[0].app_id, "3ba13872-2d47-4e17-86a0-21afd2a22395");
  EXPECT_EQ(a.txns[0].version, 7);
  EXPECT_EQ(a.txns[0].last_updated, 1691426741681);

  ASSERT_EQ(a.adds.size(), 1u);
  const AddFile& add = a.adds[0];
  EXPECT_EQ(add.path, "year=2025/part-00000-26da113c-2e45-4aba-b1ce-6eb5e46c53f7.c000.snappy.parquet");
  EXPECT_EQ(add.partition_values.at("year"), "2025");
  EXPECT_EQ(add.size, 527);
  EXPECT_EQ(add.modification_time, 1691426741411);
  EXPECT_TRUE(add.data_change);
  EXPECT_EQ(add.stats, R"({"numRecords":10,"minValues":{"offset":60},"maxValues":{"offset":69},"nullCount":{"offset":0}})");
  ASSERT_TRUE(add.tags.has_value());
  EXPECT_EQ(add.tags->at("INSERTION_TIME"), "1691426741000000");

  ASSERT_EQ(a.removes.size(), 1u);
  const RemoveFile& r = a.removes[0];
  EXPECT_EQ(r.path, "year=2024/part-00001-9a1c.c000.snappy.parquet");
  EXPECT_EQ(r.deletion_timestamp, 1691426740000);
  EXPECT_EQ(r.extended_file_metadata, true);
  ASSERT_TRUE(r.partition_values.has_value());
  EXPECT_EQ(r.partition_values->at("year"), "2024");
  EXPECT_EQ(r.size, 539);
  EXPECT_FALSE(a.protocol.has_value());
  EXPECT_FALSE(a.metadata.has_value());
}

TEST(ActionJson, ParsesADeltaRsCommitWithExplicitNulls) {
  auto parsed = ParseCommitFile(kDeltaRsCommit, "00000000000000000000.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const LogActions& a = *parsed;
  ASSERT_TRUE(a.protocol.has_value());
  EXPECT_EQ(a.protocol->min_reader_version, 1);
  EXPECT_EQ(a.protocol->min_writer_version, 2);
  EXPECT_FALSE(a.protocol->reader_features.has_value());
  ASSERT_TRUE(a.metadata.has_value());
  EXPECT_EQ(a.metadata->id, "5e674aae-7186-4615-b34f-ce63afe6f0a1");
  EXPECT_FALSE(a.metadata->name.has_value());
  EXPECT_FALSE(a.metadata->description.has_value());
  EXPECT_EQ(a.metadata->format_provider, "parquet");
  EXPECT_EQ(a.metadata->partition_columns, std::vector<std::string>{"partition"});
  EXPECT_EQ(a.metadata->configuration.at("delta.appendOnly"), "true");
  EXPECT_EQ(a.metadata->created_time, 1795474994138);
  EXPECT_NE(a.metadata->schema_string.find("\"name\":\"value\""), std::string::npos);
  ASSERT_EQ(a.adds.size(), 2u);
  EXPECT_FALSE(a.adds[0].tags.has_value());
  EXPECT_EQ(a.adds[0].stats, "{\"numRecords\":1}");
  // A null partition value stays null (it is __HIVE_DEFAULT_PARTITION__ on disk).
  ASSERT_EQ(a.adds[1].partition_values.count("partition"), 1u);
  EXPECT_FALSE(a.adds[1].partition_values.at("partition").has_value());
  EXPECT_FALSE(a.adds[1].stats.has_value());
  // Non-string metrics (delta-rs writes numbers) are kept as JSON text.
  ASSERT_TRUE(a.commit_info.has_value());
  EXPECT_EQ(a.commit_info->operation_metrics.at("num_added_files"), "2");
}

TEST(ActionJson, ParsesTableFeatureProtocols) {
  auto parsed = ParseCommitFile(
      R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["timestampNtz"],"writerFeatures":["timestampNtz","appendOnly","invariants"]}})",
      "x.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(parsed->protocol->reader_features.has_value());
  EXPECT_EQ(*parsed->protocol->reader_features, std::vector<std::string>{"timestampNtz"});
  EXPECT_EQ(parsed->protocol->writer_features->size(), 3u);
}

TEST(ActionJson, UnknownActionsAndUnknownFieldsAreIgnored) {
  constexpr const char* kLines =
      R"({"domainMetadata":{"domain":"delta.clustering","configuration":"{}","removed":false}}
{"cdc":{"path":"_change_data/cdc-00001.snappy.parquet","partitionValues":{},"size":1213,"dataChange":false}}
{"someFutureAction":[1,2,3]}
{"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":2,"dataChange":true,"baseRowId":4071,"defaultRowCommitVersion":41,"clusteringProvider":"liquid","newField":{"x":[1]}}}
{"txn":{"appId":"app","version":3,"futureField":true}}

)";
  auto parsed = ParseCommitFile(kLines, "x.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->adds.size(), 1u);
  EXPECT_EQ(parsed->adds[0].path, "a.parquet");
  ASSERT_EQ(parsed->txns.size(), 1u);
  EXPECT_FALSE(parsed->txns[0].last_updated.has_value());
  EXPECT_TRUE(parsed->removes.empty());
}

TEST(ActionJson, EveryActionKindRoundTripsThroughSerializeAndParse) {
  LogActions in;
  Protocol& p = in.protocol.emplace();
  p.min_reader_version = 3;
  p.min_writer_version = 7;
  p.reader_features = std::vector<std::string>{"timestampNtz"};
  p.writer_features = std::vector<std::string>{"timestampNtz", "appendOnly"};
  Metadata& m = in.metadata.emplace();
  m.id = "id-1";
  m.name = "visits";
  m.description = "line1\nline2 \"quoted\" \\ tab\t ctrl\x01 é";
  m.format_options = {{"k", "v"}};
  m.schema_string = R"({"type":"struct","fields":[]})";
  m.partition_columns = {"year", "month"};
  m.configuration = {{"delta.appendOnly", "true"}, {"reprocessor.timeZone", "Europe/Paris"}};
  m.created_time = 123;
  in.txns.push_back(Txn{"app-0", 42, 99});
  RemoveFile r;
  r.path = "year=2024/old.parquet";
  r.deletion_timestamp = 5;
  r.data_change = false;
  r.extended_file_metadata = true;
  r.partition_values = PartitionValues{{"year", "2024"}, {"month", std::nullopt}};
  r.size = 77;
  in.removes.push_back(r);
  AddFile a = testing::MakeAdd("a b%20c.parquet", "2025", 10);
  a.partition_values["month"] = std::nullopt;
  a.tags = std::map<std::string, std::string>{{"t", "v"}};
  in.adds.push_back(a);
  CommitInfo& c = in.commit_info.emplace();
  c.timestamp = 1;
  c.operation = "WRITE";
  c.operation_parameters = {{"mode", "\"Append\""}, {"partitionBy", "\"[\\\"year\\\"]\""}};
  c.read_version = 4;
  c.is_blind_append = true;
  c.operation_metrics = {{"numFiles", "\"1\""}};
  c.engine_info = "stream-reprocessor";
  c.txn_id = "t-1";

  const std::string text = SerializeCommit(in);
  // commitInfo comes first, one action per line, each line terminated.
  EXPECT_EQ(text.rfind("{\"commitInfo\":", 0), 0u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);

  auto out = ParseCommitFile(text, "rt.json");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->protocol->min_reader_version, 3);
  EXPECT_EQ(out->protocol->reader_features, p.reader_features);
  EXPECT_EQ(out->protocol->writer_features, p.writer_features);
  EXPECT_EQ(out->metadata->id, m.id);
  EXPECT_EQ(out->metadata->name, m.name);
  EXPECT_EQ(out->metadata->description, m.description);
  EXPECT_EQ(out->metadata->format_options, m.format_options);
  EXPECT_EQ(out->metadata->schema_string, m.schema_string);
  EXPECT_EQ(out->metadata->partition_columns, m.partition_columns);
  EXPECT_EQ(out->metadata->configuration, m.configuration);
  EXPECT_EQ(out->metadata->created_time, m.created_time);
  ASSERT_EQ(out->txns.size(), 1u);
  EXPECT_EQ(out->txns[0].app_id, "app-0");
  EXPECT_EQ(out->txns[0].version, 42);
  EXPECT_EQ(out->txns[0].last_updated, 99);
  ASSERT_EQ(out->removes.size(), 1u);
  EXPECT_EQ(out->removes[0].path, r.path);
  EXPECT_EQ(out->removes[0].deletion_timestamp, r.deletion_timestamp);
  EXPECT_EQ(out->removes[0].data_change, r.data_change);
  EXPECT_EQ(out->removes[0].extended_file_metadata, r.extended_file_metadata);
  EXPECT_EQ(out->removes[0].partition_values, r.partition_values);
  EXPECT_EQ(out->removes[0].size, r.size);
  ASSERT_EQ(out->adds.size(), 1u);
  EXPECT_TRUE(SameAdd(out->adds[0], a));
  EXPECT_EQ(out->commit_info->operation_parameters, c.operation_parameters);
  EXPECT_EQ(out->commit_info->read_version, 4);
  EXPECT_TRUE(out->commit_info->is_blind_append);
  EXPECT_EQ(out->commit_info->operation_metrics, c.operation_metrics);
  EXPECT_EQ(out->commit_info->txn_id, "t-1");
}

TEST(ActionJson, AMalformedOperationParameterIsWrittenAsAStringNeverAsBrokenJson) {
  LogActions in;
  CommitInfo& c = in.commit_info.emplace();
  c.operation = "WRITE";
  c.operation_parameters = {{"mode", "Append"}, {"n", "3"}};  // "Append" is not JSON text
  auto out = ParseCommitFile(SerializeCommit(in), "x.json");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->commit_info->operation_parameters.at("mode"), "\"Append\"");
  EXPECT_EQ(out->commit_info->operation_parameters.at("n"), "3");
}

TEST(ActionJson, ATruncatedLineIsCorruptionNamingTheFileAndLine) {
  std::string text = kSparkCommit;
  text.resize(text.size() - 40);  // cut inside the last line
  auto parsed = ParseCommitFile(text, "/t/_delta_log/00000000000000000011.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Status::Code::kCorruption);
  EXPECT_NE(parsed.status().message().find("/t/_delta_log/00000000000000000011.json line 4"), std::string::npos)
      << parsed.status().ToString();
}

TEST(ActionJson, AFieldOfTheWrongTypeIsCorruptionNamingTheField) {
  auto parsed = ParseCommitFile(
      "{\"commitInfo\":{}}\n{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":\"12\",\"modificationTime\":1,"
      "\"dataChange\":true}}\n",
      "f.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Status::Code::kCorruption);
  EXPECT_NE(parsed.status().message().find("f.json line 2: add.size: expected an integer"), std::string::npos)
      << parsed.status().ToString();
}

TEST(ActionJson, AMissingRequiredFieldIsCorruption) {
  for (const char* line : {R"({"add":{"partitionValues":{},"size":1}})", R"({"txn":{"appId":"a"}})",
                           R"({"metaData":{"id":"x"}})", R"({"protocol":{"minReaderVersion":1}})",
                           R"({"remove":{"deletionTimestamp":1}})", R"({"add":[1]})", R"([1,2])"}) {
    auto parsed = ParseCommitFile(line, "m.json");
    EXPECT_FALSE(parsed.ok()) << line;
    EXPECT_EQ(parsed.status().code(), Status::Code::kCorruption) << line;
    EXPECT_NE(parsed.status().message().find("m.json line 1"), std::string::npos) << parsed.status().ToString();
  }
}

TEST(ActionJson, AnEmptyCommitFileIsCorruption) {
  for (const char* content : {"", "\n", "  \n\n"}) {
    auto parsed = ParseCommitFile(content, "e.json");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), Status::Code::kCorruption);
    EXPECT_NE(parsed.status().message().find("e.json"), std::string::npos);
  }
}

TEST(ActionJson, WindowsLineEndingsParse) {
  auto parsed = ParseCommitFile("{\"txn\":{\"appId\":\"a\",\"version\":1}}\r\n{\"txn\":{\"appId\":\"b\",\"version\":2}}\r\n",
                                "crlf.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->txns.size(), 2u);
}

}  // namespace
}  // namespace rp::delta
