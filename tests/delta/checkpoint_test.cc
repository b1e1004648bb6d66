// Checkpoints and the _last_checkpoint hint.
#include "delta/checkpoint.h"

#include <arrow/api.h>
#include <arrow/io/memory.h>
#include <arrow/json/from_string.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>

#include <filesystem>

#include "delta/action_json.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "log_test_util.h"

namespace rp::delta {
namespace {

using testing::KafkaSchema;
using testing::MakeAdd;
using testing::ReadFile;
using testing::SameAdd;
using testing::TempDir;
using testing::WriteFile;

namespace fs = std::filesystem;

// Commits `n` appends, commit i adding one file and txn ("app-(i%3)", i).
void CommitMany(Table* table, int first, int n) {
  for (int i = first; i < first + n; ++i) {
    Transaction txn = table->NewTransaction();
    AddFile add = MakeAdd(fmt::format("f{}.parquet", i), i % 2 ? "2024" : "2025", 10 + i);
    if (i % 4 == 0) add.tags = std::map<std::string, std::string>{{"k", "v" + std::to_string(i)}};
    if (i % 5 == 0) add.stats.reset();
    txn.AddFile(add).SetTxn("app-" + std::to_string(i % 3), i);
    auto v = txn.Commit("WRITE");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
  }
}

void ExpectSameState(const Snapshot& a, const Snapshot& b) {
  EXPECT_EQ(a.version(), b.version());
  EXPECT_EQ(a.protocol().min_reader_version, b.protocol().min_reader_version);
  EXPECT_EQ(a.protocol().min_writer_version, b.protocol().min_writer_version);
  EXPECT_EQ(a.metadata().id, b.metadata().id);
  EXPECT_EQ(a.metadata().schema_string, b.metadata().schema_string);
  EXPECT_EQ(a.metadata().partition_columns, b.metadata().partition_columns);
  EXPECT_EQ(a.metadata().configuration, b.metadata().configuration);
  EXPECT_EQ(a.metadata().created_time, b.metadata().created_time);
  ASSERT_EQ(a.files().size(), b.files().size());
  for (auto ia = a.files().begin(), ib = b.files().begin(); ia != a.files().end(); ++ia, ++ib) {
    EXPECT_TRUE(SameAdd(ia->second, ib->second)) << ia->first << " vs " << ib->first;
  }
  ASSERT_EQ(a.txns().size(), b.txns().size());
  for (const auto& [app, t] : a.txns()) {
    EXPECT_EQ(b.TxnVersion(app), t.version) << app;
    EXPECT_EQ(b.txns().at(app).last_updated, t.last_updated) << app;
  }
  EXPECT_EQ(a.table_size_bytes(), b.table_size_bytes());
  EXPECT_EQ(a.tombstones().size(), b.tombstones().size());
}

TEST(Checkpoint, IsWrittenEveryTenCommitsByDefaultWithALastCheckpointHint) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {});
  ASSERT_TRUE(table.ok());
  CommitMany(table->get(), 1, 9);
  EXPECT_FALSE(fs::exists(dir.path() + "/_delta_log/" + CheckpointFileName(9)));
  EXPECT_FALSE(fs::exists(dir.path() + "/_delta_log/_last_checkpoint"));
  CommitMany(table->get(), 10, 1);
  ASSERT_TRUE(fs::exists(dir.path() + "/_delta_log/" + CheckpointFileName(10)));
  auto hint = ParseLastCheckpoint(ReadFile(dir.path() + "/_delta_log/_last_checkpoint"));
  ASSERT_TRUE(hint.ok()) << hint.status().ToString();
  EXPECT_EQ(hint->version, 10);
  EXPECT_EQ(hint->size, 1 + 1 + 3 + 10);  // protocol, metaData, 3 txns, 10 adds
  EXPECT_EQ(hint->num_of_add_files, 10);
  EXPECT_EQ(hint->size_in_bytes,
            static_cast<int64_t>(fs::file_size(dir.path() + "/_delta_log/" + CheckpointFileName(10))));

  auto actions = ReadCheckpoint(testing::LogStoreAt(dir.path()), 10);
  ASSERT_TRUE(actions.ok()) << actions.status().ToString();
  EXPECT_EQ(actions->adds.size(), 10u);
  EXPECT_EQ(actions->txns.size(), 3u);
  EXPECT_FALSE(actions->commit_info.has_value());
}

TEST(Checkpoint, FollowsACustomInterval) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {{"delta.checkpointInterval", "3"}});
  ASSERT_TRUE(table.ok());
  CommitMany(table->get(), 1, 7);
  LogStore store = testing::LogStoreAt(dir.path());
  auto listing = store.List();
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(listing->checkpoints, (std::vector<int64_t>{3, 6}));
  EXPECT_EQ(ReadLastCheckpoint(store)->version, 6);
}

TEST(Checkpoint, SnapshotFromCheckpointPlusCommitsEqualsFullReplay) {
  TempDir dir;
  auto table = Table::Create(dir.path() + "/t", *KafkaSchema(), {"year"}, {});
  ASSERT_TRUE(table.ok());
  CommitMany(table->get(), 1, 13);
  LogStore store = testing::LogStoreAt(dir.path() + "/t");
  auto from_checkpoint = LoadSnapshot(store);
  ASSERT_TRUE(from_checkpoint.ok()) << from_checkpoint.status().ToString();
  EXPECT_EQ((*from_checkpoint)->version(), 13);

  // Full replay: a copy of the log without checkpoint or hint.
  fs::copy(dir.path() + "/t", dir.path() + "/replay", fs::copy_options::recursive);
  fs::remove(dir.path() + "/replay/_delta_log/" + CheckpointFileName(10));
  fs::remove(dir.path() + "/replay/_delta_log/_last_checkpoint");
  auto replayed = LoadSnapshot(testing::LogStoreAt(dir.path() + "/replay"));
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  ExpectSameState(**from_checkpoint, **replayed);
  ExpectSameState(**from_checkpoint, *(*table)->snapshot());

  // The checkpoint alone carries the state: without commits 0..10 it still loads.
  fs::copy(dir.path() + "/t", dir.path() + "/cleaned", fs::copy_options::recursive);
  for (int v = 0; v <= 10; ++v) fs::remove(dir.path() + "/cleaned/_delta_log/" + CommitFileName(v));
  auto cleaned = LoadSnapshot(testing::LogStoreAt(dir.path() + "/cleaned"));
  ASSERT_TRUE(cleaned.ok()) << cleaned.status().ToString();
  ExpectSameState(**cleaned, **replayed);
  // ... but versions before the checkpoint are gone there.
  EXPECT_TRUE(LoadSnapshot(testing::LogStoreAt(dir.path() + "/cleaned"), 5).status().IsNotFound());
}

TEST(Checkpoint, TimeTravelBeforeTheCheckpointReplaysFromTheStart) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {});
  ASSERT_TRUE(table.ok());
  CommitMany(table->get(), 1, 12);
  auto v7 = LoadSnapshot(testing::LogStoreAt(dir.path()), 7);
  ASSERT_TRUE(v7.ok()) << v7.status().ToString();
  EXPECT_EQ((*v7)->version(), 7);
  EXPECT_EQ((*v7)->num_files(), 7);
  EXPECT_EQ((*v7)->TxnVersion("app-1"), 7);
}

TEST(Checkpoint, AMissingStaleOrGarbledHintStillGivesTheRightSnapshot) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {});
  ASSERT_TRUE(table.ok());
  CommitMany(table->get(), 1, 21);  // checkpoints at 10 and 20
  const Snapshot& expected = *(*table)->snapshot();
  const std::string hint_path = dir.path() + "/_delta_log/_last_checkpoint";
  for (const std::string& hint :
       {std::string(), std::string("{\"version\":10,\"size\":15}"),
        std::string("{\"version\":15,\"size\":1}"), std::string("{\"version\":99,\"size\":1}"),
        std::string("{\"vers"), std::string("[]")}) {
    if (hint.empty()) {
      fs::remove(hint_path);
    } else {
      WriteFile(hint_path, hint);
    }
    auto snap = LoadSnapshot(testing::LogStoreAt(dir.path()));
    ASSERT_TRUE(snap.ok()) << "hint '" << hint << "': " << snap.status().ToString();
    ExpectSameState(**snap, expected);
  }
}

TEST(Checkpoint, ABadCheckpointIsCorruptionNamingTheFile) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {});
  ASSERT_TRUE(table.ok());
  CommitMany(table->get(), 1, 10);
  const std::string path = dir.path() + "/_delta_log/" + CheckpointFileName(10);
  const std::string good = ReadFile(path);
  for (const std::string& bad :
       {good.substr(0, good.size() / 2), std::string("PAR1 not really"), std::string()}) {
    WriteFile(path, bad);
    auto snap = LoadSnapshot(testing::LogStoreAt(dir.path()));
    ASSERT_FALSE(snap.ok());
    EXPECT_EQ(snap.status().code(), Status::Code::kCorruption);
    EXPECT_NE(snap.status().message().find(path), std::string::npos) << snap.status().ToString();
  }
}

TEST(Checkpoint, AFailedCheckpointDoesNotFailTheCommit) {
  TempDir dir;
  std::vector<std::string> errors;
  TableOptions options;
  options.on_maintenance_error = [&errors](const Status& st) { errors.push_back(st.ToString()); };
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, options);
  ASSERT_TRUE(table.ok());
  // The hint cannot be replaced by a file while a directory has its name.
  fs::create_directories(dir.path() + "/_delta_log/_last_checkpoint/blocker");
  CommitMany(table->get(), 1, 10);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("checkpoint at version 10"), std::string::npos) << errors[0];
  EXPECT_EQ((*table)->snapshot()->version(), 10);
  fs::remove_all(dir.path() + "/_delta_log/_last_checkpoint");
  auto reopened = Table::Open(dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->snapshot()->num_files(), 10);
}

TEST(Checkpoint, KeepsRecentTombstonesAndDropsExpiredOnes) {
  TempDir dir;
  auto table = Table::Create(
      dir.path(), *KafkaSchema(), {"year"},
      {{"delta.appendOnly", "false"}, {"delta.deletedFileRetentionDuration", "interval 2 days"}});
  ASSERT_TRUE(table.ok());
  CommitMany(table->get(), 1, 3);
  LogStore store = testing::LogStoreAt(dir.path());
  const int64_t now = 1800000000000, day = 24LL * 3600 * 1000;
  LogActions removes;
  RemoveFile old_one, recent;
  old_one.path = "year=2024/f1.parquet";
  old_one.deletion_timestamp = now - 3 * day;
  recent.path = "year=2025/f2.parquet";
  recent.deletion_timestamp = now - day;
  recent.extended_file_metadata = true;
  recent.partition_values = PartitionValues{{"year", "2025"}};
  recent.size = 12;
  removes.removes = {old_one, recent};
  ASSERT_TRUE(*store.PutIfAbsent(CommitFileName(4), SerializeCommit(removes)));
  auto snap = LoadSnapshot(store);
  ASSERT_TRUE(snap.ok());
  auto encoded = EncodeCheckpoint(**snap, now);
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  ASSERT_TRUE(*store.PutIfAbsent(CheckpointFileName(4), encoded->parquet));
  auto actions = ReadCheckpoint(store, 4);
  ASSERT_TRUE(actions.ok()) << actions.status().ToString();
  ASSERT_EQ(actions->removes.size(), 1u);
  EXPECT_EQ(actions->removes[0].path, recent.path);
  EXPECT_EQ(actions->removes[0].deletion_timestamp, recent.deletion_timestamp);
  EXPECT_EQ(actions->removes[0].partition_values, recent.partition_values);
  EXPECT_EQ(actions->removes[0].size, 12);
  EXPECT_EQ(actions->adds.size(), 1u);
}

// A checkpoint shaped like Spark's or delta-rs's: all-nullable columns in
// another order, extra columns we do not use, and no tags/remove columns.
TEST(Checkpoint, ReadsForeignCheckpointsByColumnNameToleratingExtraAndMissingColumns) {
  using arrow::field;
  auto str_map = arrow::map(arrow::utf8(), arrow::utf8());
  auto add_type = arrow::struct_({
      field("stats_parsed", arrow::struct_({field("numRecords", arrow::int64())})),
      field("size", arrow::int64()),
      field("path", arrow::utf8()),
      field("partitionValues", str_map),
      field("modificationTime", arrow::int64()),
      field("dataChange", arrow::boolean()),
      field("stats", arrow::utf8()),
      field("deletionVector", arrow::struct_({field("storageType", arrow::utf8())})),
      field("baseRowId", arrow::int64()),
  });
  auto meta_type = arrow::struct_({
      field("id", arrow::utf8()),
      field("format", arrow::struct_({field("provider", arrow::utf8()), field("options", str_map)})),
      field("schemaString", arrow::utf8()),
      field("partitionColumns", arrow::list(arrow::utf8())),
      field("configuration", str_map),
      field("createdTime", arrow::int64()),
  });
  auto protocol_type =
      arrow::struct_({field("minReaderVersion", arrow::int32()), field("minWriterVersion", arrow::int32())});
  auto txn_type = arrow::struct_({field("appId", arrow::utf8()), field("version", arrow::int64()),
                                  field("lastUpdated", arrow::int64())});
  auto domain_type = arrow::struct_({field("domain", arrow::utf8()), field("configuration", arrow::utf8()),
                                     field("removed", arrow::boolean())});
  auto schema = arrow::schema({field("txn", txn_type), field("add", add_type), field("metaData", meta_type),
                               field("protocol", protocol_type), field("domainMetadata", domain_type)});
  const std::string schema_string =
      R"({\"type\":\"struct\",\"fields\":[{\"name\":\"v\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},{\"name\":\"p\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}}]})";
  auto col = [](const std::shared_ptr<arrow::DataType>& t, const std::string& json) {
    auto a = arrow::json::ArrayFromJSONString(t, json);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return *a;
  };
  auto table = arrow::Table::Make(
      schema,
      {col(txn_type, R"([{"appId":"spark-stream","version":7,"lastUpdated":1}, null, null, null, null])"),
       col(add_type,
           R"([null, {"stats_parsed":{"numRecords":3},"size":100,"path":"p=1/a.parquet","partitionValues":[["p","1"]],"modificationTime":5,"dataChange":false,"stats":"{\"numRecords\":3}","deletionVector":null,"baseRowId":null},
               {"stats_parsed":null,"size":50,"path":"p=__HIVE_DEFAULT_PARTITION__/b.parquet","partitionValues":[["p",null]],"modificationTime":6,"dataChange":false,"stats":null,"deletionVector":null,"baseRowId":7},
               null, null])"),
       col(meta_type,
           R"([null, null, null, {"id":"tid","format":{"provider":"parquet","options":[]},"schemaString":")" +
               schema_string +
               R"(","partitionColumns":["p"],"configuration":[["delta.appendOnly","true"]],"createdTime":9}, null])"),
       col(protocol_type, R"([null, null, null, null, {"minReaderVersion":1,"minWriterVersion":2}])"),
       col(domain_type, R"([null, null, null, null, null])")});
  TempDir dir;
  LogStore store = testing::LogStoreAt(dir.path());
  ASSERT_TRUE(store.CreateDirectories().ok());
  auto sink = arrow::io::BufferOutputStream::Create().ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 2).ok());
  ASSERT_TRUE(*store.PutIfAbsent(CheckpointFileName(3), sink->Finish().ValueOrDie()->ToString()));
  LogActions c4;
  c4.adds = {AddFile{"p=2/c.parquet", {{"p", "2"}}, 10, 11, true, std::nullopt, std::nullopt, std::nullopt}};
  ASSERT_TRUE(*store.PutIfAbsent(CommitFileName(4), SerializeCommit(c4)));

  auto snap = LoadSnapshot(store);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->version(), 4);
  EXPECT_EQ((*snap)->metadata().id, "tid");
  EXPECT_EQ((*snap)->partition_columns(), std::vector<std::string>{"p"});
  EXPECT_EQ((*snap)->metadata().configuration.at("delta.appendOnly"), "true");
  EXPECT_EQ((*snap)->metadata().created_time, 9);
  EXPECT_EQ((*snap)->schema()->num_fields(), 2);
  EXPECT_EQ((*snap)->TxnVersion("spark-stream"), 7);
  ASSERT_EQ((*snap)->num_files(), 3);
  const AddFile& a = (*snap)->files().at("p=1/a.parquet");
  EXPECT_EQ(a.size, 100);
  EXPECT_EQ(a.stats, "{\"numRecords\":3}");
  EXPECT_FALSE(a.tags.has_value());
  const AddFile& b = (*snap)->files().at("p=__HIVE_DEFAULT_PARTITION__/b.parquet");
  EXPECT_FALSE(b.partition_values.at("p").has_value());
  EXPECT_EQ((*snap)->table_size_bytes(), 160);
}

TEST(Checkpoint, LastCheckpointRoundTripsAndRejectsGarbage) {
  LastCheckpoint h{42, 17, std::nullopt, 1234, 9};
  auto back = ParseLastCheckpoint(SerializeLastCheckpoint(h));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->version, 42);
  EXPECT_EQ(back->size, 17);
  EXPECT_EQ(back->size_in_bytes, 1234);
  EXPECT_EQ(back->num_of_add_files, 9);
  EXPECT_FALSE(back->parts.has_value());
  // Spark's hint carries more fields (checkpointSchema, checksum): fine.
  EXPECT_TRUE(
      ParseLastCheckpoint(
          R"({"version":10,"size":13,"sizeInBytes":16479,"numOfAddFiles":6,"checkpointSchema":{"type":"struct","fields":[]},"checksum":"6872b3692f168925bdd80e3f92163949"})")
          .ok());
  EXPECT_FALSE(ParseLastCheckpoint("{}").ok());
  EXPECT_FALSE(ParseLastCheckpoint("{\"version\":\"10\"}").ok());
  EXPECT_FALSE(ParseLastCheckpoint("").ok());
}

}  // namespace
}  // namespace rp::delta
