// Creating and opening tables.
#include "delta/table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>

#include "delta/action_json.h"
#include "delta/log_paths.h"
#include "delta/schema.h"
#include "log_test_util.h"

namespace rp::delta {
namespace {

using testing::KafkaSchema;
using testing::ReadFile;
using testing::TempDir;

TEST(Table, CreateWritesCommitZeroWithProtocolMetadataAndCommitInfo) {
  TempDir dir;
  const int64_t before = 1700000000000;
  TableOptions options;
  options.clock = [] { return int64_t{1700000000123}; };
  auto table = Table::Create(dir.path() + "/t", *KafkaSchema(), {"year"},
                             {{"reprocessor.timeZone", "Europe/Paris"}}, options);
  ASSERT_TRUE(table.ok()) << table.status().ToString();

  auto parsed = ParseCommitFile(ReadFile(dir.path() + "/t/_delta_log/" + CommitFileName(0)), "0.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(parsed->protocol.has_value());
  EXPECT_EQ(parsed->protocol->min_reader_version, 1);
  EXPECT_EQ(parsed->protocol->min_writer_version, 2);
  ASSERT_TRUE(parsed->metadata.has_value());
  const Metadata& m = *parsed->metadata;
  EXPECT_EQ(m.id.size(), 36u);
  EXPECT_EQ(m.format_provider, "parquet");
  EXPECT_TRUE(m.format_options.empty());
  EXPECT_EQ(m.partition_columns, std::vector<std::string>{"year"});
  EXPECT_EQ(m.configuration.at("delta.appendOnly"), "true");
  EXPECT_EQ(m.configuration.at("reprocessor.timeZone"), "Europe/Paris");
  EXPECT_EQ(m.created_time, 1700000000123);
  EXPECT_GT(*m.created_time, before);
  auto schema = SchemaFromDeltaJson(m.schema_string);
  ASSERT_TRUE(schema.ok());
  EXPECT_TRUE((*schema)->Equals(*KafkaSchema()));
  ASSERT_TRUE(parsed->commit_info.has_value());
  EXPECT_EQ(parsed->commit_info->operation, "CREATE TABLE");
  EXPECT_EQ(parsed->commit_info->operation_parameters.at("partitionBy"), R"("[\"year\"]")");
  EXPECT_TRUE(parsed->adds.empty());

  // As Spark does: an empty _staged_commits directory, never written to.
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/t/_delta_log/_staged_commits"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() + "/t/_delta_log/_staged_commits"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/t/_delta_log/" + ChecksumFileName(0)));

  const auto& snap = *(*table)->snapshot();
  EXPECT_EQ(snap.version(), 0);
  EXPECT_EQ(snap.metadata().id, m.id);
  EXPECT_EQ(snap.num_files(), 0);
}

TEST(Table, ACallerMayTurnAppendOnlyOff) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {}, {{"delta.appendOnly", "false"}});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ((*table)->snapshot()->metadata().configuration.at("delta.appendOnly"), "false");
}

TEST(Table, CreatingATableThatExistsIsAClearError) {
  TempDir dir;
  ASSERT_TRUE(Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}).ok());
  auto again = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {});
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.status().IsInvalidArgument());
  EXPECT_NE(again.status().message().find("already exists"), std::string::npos);
}

TEST(Table, OpenOrCreateCreatesThenOpensWhenTheSchemaMatches) {
  TempDir dir;
  auto created = Table::OpenOrCreate(dir.path(), *KafkaSchema(), {"year"}, {});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const std::string id = (*created)->snapshot()->metadata().id;
  auto opened = Table::OpenOrCreate(dir.path(), *KafkaSchema(), {"year"}, {});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->snapshot()->metadata().id, id);
  EXPECT_EQ((*opened)->snapshot()->version(), 0);
}

TEST(Table, OpenOrCreateRefusesADifferentSchemaOrPartitioning) {
  TempDir dir;
  ASSERT_TRUE(Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}).ok());
  auto other_type =
      arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("partition", arrow::int64()),
                     arrow::field("offset", arrow::int64()), arrow::field("year", arrow::int32())});
  auto bad_schema = Table::OpenOrCreate(dir.path(), *other_type, {"year"}, {});
  ASSERT_FALSE(bad_schema.ok());
  EXPECT_TRUE(bad_schema.status().IsInvalidArgument());
  EXPECT_NE(bad_schema.status().message().find("schema"), std::string::npos);
  auto bad_partitions = Table::OpenOrCreate(dir.path(), *KafkaSchema(), {"partition"}, {});
  ASSERT_FALSE(bad_partitions.ok());
  EXPECT_NE(bad_partitions.status().message().find("partitioned by"), std::string::npos);
}

TEST(Table, OpeningADirectoryWithoutATableIsNotFound) {
  TempDir dir;
  EXPECT_TRUE(Table::Open(dir.path() + "/missing").status().IsNotFound());
  std::filesystem::create_directories(dir.path() + "/empty/_delta_log/_staged_commits");
  EXPECT_TRUE(Table::Open(dir.path() + "/empty").status().IsNotFound());
  // A creator that died before commit 0 left only directories: create works.
  EXPECT_TRUE(Table::Create(dir.path() + "/empty", *KafkaSchema(), {}, {}).ok());
}

TEST(Table, InconsistentCreateArgumentsAreInvalidArgument) {
  TempDir dir;
  EXPECT_TRUE(Table::Create(dir.path(), *KafkaSchema(), {"nope"}, {}).status().IsInvalidArgument());
  EXPECT_TRUE(Table::Create(dir.path(), *KafkaSchema(), {"year", "year"}, {}).status().IsInvalidArgument());
  auto dup = arrow::schema({arrow::field("a", arrow::utf8()), arrow::field("A", arrow::utf8())});
  EXPECT_TRUE(Table::Create(dir.path(), *dup, {}, {}).status().IsInvalidArgument());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/_delta_log/" + CommitFileName(0)));
}

TEST(Table, ATimestampNtzColumnUpgradesTheProtocolToTableFeatures) {
  TempDir dir;
  auto schema = arrow::schema({arrow::field("t", arrow::timestamp(arrow::TimeUnit::MICRO))});
  auto table = Table::Create(dir.path(), *schema, {}, {});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  const Protocol& p = (*table)->snapshot()->protocol();
  EXPECT_EQ(p.min_reader_version, 3);
  EXPECT_EQ(p.min_writer_version, 7);
  EXPECT_EQ(p.reader_features, std::vector<std::string>{"timestampNtz"});
  ASSERT_TRUE(p.writer_features.has_value());
  EXPECT_NE(std::find(p.writer_features->begin(), p.writer_features->end(), "timestampNtz"),
            p.writer_features->end());
  EXPECT_TRUE(Table::Open(dir.path()).ok());
}

// A handle that runs for days must not hold every remove it ever saw: every
// delta.checkpointInterval versions it forgets the tombstones a checkpoint
// written then would drop, whether it wrote them or read them.
TEST(Table, LongLivedHandlesForgetExpiredTombstonesAsCheckpointsDo) {
  TempDir dir;
  constexpr int64_t kMinute = 60 * 1000;
  auto now = std::make_shared<int64_t>(1700000000000);
  TableOptions options;
  options.clock = [now] { return *now; };
  auto created = Table::Create(dir.path(), *KafkaSchema(), {"year"},
                               {{"delta.appendOnly", "false"},
                                {"delta.checkpointInterval", "5"},
                                {"delta.deletedFileRetentionDuration", "interval 30 minutes"}},
                               options);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto& writer = *created;
  auto reader = Table::Open(dir.path(), options);  // follows through Refresh only
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();

  // Versions 1-4: a file added then removed each minute, 4 tombstones.
  for (int i = 0; i < 2; ++i) {
    AddFile f = testing::MakeAdd("old" + std::to_string(i), "2024", 10);
    ASSERT_TRUE(writer->NewTransaction().AddFile(f).Commit("WRITE").ok());
    ASSERT_TRUE(writer->NewTransaction().RemoveFiles({f}, true).Commit("DELETE").ok());
    *now += kMinute;
  }
  ASSERT_TRUE((*reader)->Refresh().ok());
  EXPECT_EQ(writer->snapshot()->tombstones().size(), 2u);
  EXPECT_EQ((*reader)->snapshot()->tombstones().size(), 2u);

  // An hour later, versions 5-10: two newer tombstones; the old ones expire.
  // Live: new2 and x, plus nothing else.
  *now += 60 * kMinute;
  for (int i = 0; i < 3; ++i) {
    AddFile f = testing::MakeAdd("new" + std::to_string(i), "2024", 10);
    ASSERT_TRUE(writer->NewTransaction().AddFile(f).Commit("WRITE").ok());
    if (i < 2) {
      ASSERT_TRUE(writer->NewTransaction().RemoveFiles({f}, true).Commit("DELETE").ok());
    }
  }
  ASSERT_EQ(writer->snapshot()->version(), 9);
  ASSERT_TRUE(writer->NewTransaction().AddFile(testing::MakeAdd("x", "2024", 1)).Commit("WRITE").ok());
  ASSERT_EQ(writer->snapshot()->version(), 10);
  ASSERT_TRUE((*reader)->Refresh().ok());
  for (const Table* t : {writer.get(), reader->get()}) {
    std::set<std::string> paths;
    for (const auto& [path, r] : t->snapshot()->tombstones()) paths.insert(r.path);
    EXPECT_EQ(paths.size(), 2u);
    for (const auto& p : paths) EXPECT_NE(p.find("new"), std::string::npos) << p;
  }
  // A fresh load from the checkpoint at 10 agrees.
  auto fresh = Table::Open(dir.path(), options);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ((*fresh)->snapshot()->tombstones().size(), 2u);
  EXPECT_EQ((*fresh)->snapshot()->num_files(), 2);
}

}  // namespace
}  // namespace rp::delta
