// Which protocols we read and write.
#include "delta/protocol_check.h"

#include <gtest/gtest.h>

#include "delta/action_json.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "log_test_util.h"

namespace rp::delta {
namespace {

Protocol Features(int reader, int writer, std::vector<std::string> readers,
                  std::vector<std::string> writers) {
  Protocol p;
  p.min_reader_version = reader;
  p.min_writer_version = writer;
  if (reader >= 3) p.reader_features = std::move(readers);
  if (writer >= 7) p.writer_features = std::move(writers);
  return p;
}

Metadata Plain() {
  Metadata m;
  m.schema_string =
      R"({"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}}]})";
  return m;
}

void ExpectRefusedNaming(const Status& st, const std::string& feature) {
  EXPECT_EQ(st.code(), Status::Code::kUnsupported) << st.ToString();
  EXPECT_NE(st.message().find(feature), std::string::npos) << st.ToString();
}

TEST(ProtocolCheck, LegacyReaderVersionsAreRead) {
  EXPECT_TRUE(CheckReadSupported(Features(1, 2, {}, {}), Plain()).ok());
  EXPECT_TRUE(CheckReadSupported(Features(1, 6, {}, {}), Plain()).ok());
  EXPECT_TRUE(CheckReadSupported(Features(2, 5, {}, {}), Plain()).ok());  // column mapping off
  ExpectRefusedNaming(CheckReadSupported(Features(4, 7, {}, {}), Plain()), "reader version 4");
}

TEST(ProtocolCheck, ReaderFeaturesWeDoNotImplementAreRefusedByName) {
  for (const std::string f :
       {"v2Checkpoint", "catalogManaged", "typeWidening", "variantType", "someFutureFeature"}) {
    ExpectRefusedNaming(CheckReadSupported(Features(3, 7, {"timestampNtz", f}, {f}), Plain()), "'" + f + "'");
  }
  EXPECT_NE(CheckReadSupported(Features(3, 7, {"someFutureFeature"}, {}), Plain()).message().find("unknown"),
            std::string::npos);
}

TEST(ProtocolCheck, ColumnMappingIsReadOnlyWhileItsModeIsNone) {
  Metadata named = Plain();
  named.configuration["delta.columnMapping.mode"] = "name";
  ExpectRefusedNaming(CheckReadSupported(Features(2, 5, {}, {}), named), "columnMapping");
  ExpectRefusedNaming(CheckReadSupported(Features(3, 7, {"columnMapping"}, {"columnMapping"}), named),
                      "columnMapping");
  Metadata none = Plain();
  none.configuration["delta.columnMapping.mode"] = "none";
  EXPECT_TRUE(CheckReadSupported(Features(3, 7, {"columnMapping"}, {"columnMapping"}), none).ok());
  EXPECT_TRUE(CheckWriteSupported(Features(2, 5, {}, {}), none).ok());
}

TEST(ProtocolCheck, ReaderFeaturesThatAskNothingOfReadersAreAccepted) {
  EXPECT_TRUE(CheckReadSupported(Features(3, 7, {"timestampNtz", "vacuumProtocolCheck"},
                                          {"timestampNtz", "vacuumProtocolCheck"}),
                                 Plain())
                  .ok());
}

TEST(ProtocolCheck, DeletionVectorsAreReadAndWritten) {
  // Scans drop the deleted rows; writers keep the DVs there and write none
  // (deletion_vector_table_test.cc shows both on the table Spark wrote).
  const Protocol spark = Features(3, 7, {"deletionVectors"}, {"deletionVectors", "invariants", "appendOnly"});
  EXPECT_TRUE(CheckReadSupported(spark, Plain()).ok());
  EXPECT_TRUE(CheckWriteSupported(spark, Plain()).ok());
}

TEST(ProtocolCheck, WriterOnlyFeaturesAreReadButOnlyHonourableOnesAreWritten) {
  const std::vector<std::string> writer_only = {"rowTracking", "domainMetadata",  "inCommitTimestamp",
                                                "clustering",  "icebergCompatV2", "changeDataFeed",
                                                "appendOnly",  "generatedColumns"};
  for (const auto& f : writer_only) {
    EXPECT_TRUE(CheckReadSupported(Features(1, 7, {}, {f}), Plain()).ok()) << f;
  }
  for (const std::string f : {"rowTracking", "domainMetadata", "inCommitTimestamp", "clustering",
                              "icebergCompatV2", "aFutureWriterFeature"}) {
    ExpectRefusedNaming(CheckWriteSupported(Features(1, 7, {}, {"appendOnly", f}), Plain()), "'" + f + "'");
  }
  EXPECT_TRUE(CheckWriteSupported(Features(3, 7, {"timestampNtz"},
                                           {"appendOnly", "invariants", "timestampNtz", "changeDataFeed",
                                            "checkConstraints", "generatedColumns", "identityColumns",
                                            "vacuumProtocolCheck", "allowColumnDefaults"}),
                                  Plain())
                  .ok());
}

TEST(ProtocolCheck, WriterFeaturesInUseThatWeDoNotEnforceBlockWriting) {
  Metadata invariants;
  invariants.schema_string =
      R"({"type":"struct","fields":[{"name":"x","type":"integer","nullable":true,"metadata":{"delta.invariants":"{\"expression\":{\"expression\":\"x > 3\"}}"}}]})";
  ExpectRefusedNaming(CheckWriteSupported(Features(1, 2, {}, {}), invariants), "invariants");
  ExpectRefusedNaming(CheckWriteSupported(Features(1, 7, {}, {"invariants"}), invariants), "invariants");
  EXPECT_TRUE(CheckReadSupported(Features(1, 2, {}, {}), invariants).ok());

  Metadata constraints = Plain();
  constraints.configuration["delta.constraints.positive"] = "a > 0";
  EXPECT_TRUE(CheckWriteSupported(Features(1, 2, {}, {}), constraints).ok());  // not a v2 feature
  ExpectRefusedNaming(CheckWriteSupported(Features(1, 3, {}, {}), constraints), "checkConstraints");

  Metadata generated;
  generated.schema_string =
      R"json({"type":"struct","fields":[{"name":"y","type":"integer","nullable":true,"metadata":{"delta.generationExpression":"year(ts)"}}]})json";
  ExpectRefusedNaming(CheckWriteSupported(Features(1, 4, {}, {}), generated), "generatedColumns");

  Metadata identity;
  identity.schema_string =
      R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{"delta.identity.start":1,"delta.identity.step":1}}]})";
  ExpectRefusedNaming(CheckWriteSupported(Features(1, 6, {}, {}), identity), "identityColumns");
  ExpectRefusedNaming(CheckWriteSupported(Features(1, 7, {}, {"identityColumns"}), identity),
                      "identityColumns");

  Metadata stats_struct = Plain();
  stats_struct.configuration["delta.checkpoint.writeStatsAsStruct"] = "true";
  ExpectRefusedNaming(CheckWriteSupported(Features(1, 3, {}, {}), stats_struct), "writeStatsAsStruct");
}

TEST(ProtocolCheck, OpeningATableWithAnUnsupportedReaderFeatureFails) {
  testing::TempDir dir;
  ASSERT_TRUE(Table::Create(dir.path(), *testing::KafkaSchema(), {"year"}, {}).ok());
  LogActions upgrade;
  upgrade.protocol = Features(3, 7, {"v2Checkpoint"}, {"v2Checkpoint"});
  ASSERT_TRUE(*testing::LogStoreAt(dir.path()).PutIfAbsent(CommitFileName(1), SerializeCommit(upgrade)));
  auto opened = Table::Open(dir.path());
  ASSERT_FALSE(opened.ok());
  ExpectRefusedNaming(opened.status(), "v2Checkpoint");
  // The version before the upgrade is still readable.
  EXPECT_TRUE(LoadSnapshot(testing::LogStoreAt(dir.path()), 0).ok());
}

}  // namespace
}  // namespace rp::delta
