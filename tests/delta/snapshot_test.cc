// Snapshots: replaying the log (PROTOCOL.md "Action Reconciliation").
#include "delta/snapshot.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "delta/action_json.h"
#include "delta/checkpoint.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/table.h"
#include "delta/transaction.h"
#include "delta/vacuum.h"
#include "log_test_util.h"

namespace rp::delta {
namespace {

using testing::KafkaSchema;
using testing::MakeAdd;
using testing::NoCheckpoints;
using testing::ReadFile;
using testing::SameAdd;
using testing::TempDir;
using testing::WriteFile;

// Publishes raw actions as the next commit, as another writer would.
void RawCommit(const LogStore& store, int64_t version, const LogActions& actions) {
  auto r = store.PutIfAbsent(CommitFileName(version), SerializeCommit(actions));
  ASSERT_TRUE(r.ok() && *r) << "version " << version;
}

TEST(Snapshot, EveryVersionIsReadableAtLatestAndByTimeTravel) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  for (int i = 1; i <= 5; ++i) {
    Transaction txn = (*table)->NewTransaction();
    txn.AddFile(MakeAdd("f" + std::to_string(i) + ".parquet", i % 2 ? "2024" : "2025", 100 * i));
    auto v = txn.Commit("WRITE", {{"mode", "Append"}});
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(*v, i);
  }
  LogStore store = testing::LogStoreAt(dir.path());
  for (int64_t v = 0; v <= 5; ++v) {
    auto snap = LoadSnapshot(store, v);
    ASSERT_TRUE(snap.ok()) << snap.status().ToString();
    EXPECT_EQ((*snap)->version(), v);
    EXPECT_EQ((*snap)->num_files(), v);
    int64_t bytes = 0;
    for (int i = 1; i <= v; ++i) bytes += 100 * i;
    EXPECT_EQ((*snap)->table_size_bytes(), bytes);
  }
  auto latest = LoadSnapshot(store);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->version(), 5);
  EXPECT_TRUE((*latest)->schema()->Equals(*KafkaSchema()));
  EXPECT_EQ((*latest)->partition_columns(), std::vector<std::string>{"year"});
  // Files come ordered by path, whatever the commit order.
  std::vector<std::string> paths;
  for (const auto& [p, add] : (*latest)->files()) paths.push_back(p);
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
  EXPECT_EQ(paths.front(), "year=2024/f1.parquet");

  // Through the Table too, and a future version does not exist.
  auto v2 = (*table)->GetSnapshot(2);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ((*v2)->num_files(), 2);
  EXPECT_TRUE((*table)->GetSnapshot(6).status().IsNotFound());
  EXPECT_TRUE(LoadSnapshot(store, 6).status().IsNotFound());
}

TEST(Snapshot, TheLatestTxnVersionPerAppIdWins) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(table.ok());
  const std::vector<std::pair<std::string, int64_t>> commits = {
      {"a", 10}, {"b", 3}, {"a", 12}, {"a", 11}, {"c", 0}};
  for (const auto& [app, version] : commits) {
    Transaction txn = (*table)->NewTransaction();
    txn.SetTxn(app, version);
    ASSERT_TRUE(txn.Commit("WRITE").ok());
  }
  auto snap = LoadSnapshot(testing::LogStoreAt(dir.path()));
  ASSERT_TRUE(snap.ok());
  // "Latest" is log order, not the largest number: the protocol allows rollbacks.
  EXPECT_EQ((*snap)->TxnVersion("a"), 11);
  EXPECT_EQ((*snap)->TxnVersion("b"), 3);
  EXPECT_EQ((*snap)->TxnVersion("c"), 0);
  EXPECT_EQ((*snap)->TxnVersion("d"), std::nullopt);
  EXPECT_EQ((*snap)->txns().size(), 3u);
  EXPECT_EQ((*table)->snapshot()->TxnVersion("a"), 11);
}

// A table partitioned by year whose commit 1 adds a and b (2024) and c (2025).
void CreateWithThreeFiles(const TempDir& dir, const LogStore& store) {
  ASSERT_TRUE(Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints()).ok());
  LogActions c1;
  c1.adds = {MakeAdd("a.parquet", "2024", 10), MakeAdd("b.parquet", "2024", 20),
             MakeAdd("c.parquet", "2025", 30)};
  RawCommit(store, 1, c1);
}

TEST(Snapshot, AddsAndRemovesReconcileByPath) {
  TempDir dir;
  LogStore store = testing::LogStoreAt(dir.path());
  ASSERT_NO_FATAL_FAILURE(CreateWithThreeFiles(dir, store));
  LogActions c2;  // remove a, re-add b with new stats (replaces it)
  RemoveFile ra;
  ra.path = "year=2024/a.parquet";
  ra.deletion_timestamp = 5;
  c2.removes = {ra};
  AddFile b2 = MakeAdd("b.parquet", "2024", 25);
  b2.stats = "{\"numRecords\":99}";
  c2.adds = {b2};
  RawCommit(store, 2, c2);
  LogActions c3;  // a comes back
  c3.adds = {MakeAdd("a.parquet", "2024", 11)};
  RemoveFile rc;
  rc.path = "year=2025/c.parquet";
  c3.removes = {rc};
  RawCommit(store, 3, c3);

  auto v2 = LoadSnapshot(store, 2);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ((*v2)->num_files(), 2);
  EXPECT_EQ((*v2)->files().count("year=2024/a.parquet"), 0u);
  EXPECT_EQ((*v2)->files().at("year=2024/b.parquet").stats, "{\"numRecords\":99}");
  EXPECT_EQ((*v2)->table_size_bytes(), 25 + 30);
  EXPECT_EQ((*v2)->tombstones().count("year=2024/a.parquet"), 1u);

  auto v3 = LoadSnapshot(store, 3);
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ((*v3)->num_files(), 2);
  EXPECT_EQ((*v3)->files().at("year=2024/a.parquet").size, 11);
  EXPECT_EQ((*v3)->files().count("year=2025/c.parquet"), 0u);
  EXPECT_EQ((*v3)->table_size_bytes(), 11 + 25);
  // A file added again is no longer a tombstone; the removed one is.
  EXPECT_EQ((*v3)->tombstones().count("year=2024/a.parquet"), 0u);
  EXPECT_EQ((*v3)->tombstones().count("year=2025/c.parquet"), 1u);
}

TEST(Snapshot, AReaderLoadSkipsTombstonesButSeesTheSameFilesFromACheckpointAndCommits) {
  TempDir dir;
  LogStore store = testing::LogStoreAt(dir.path());
  ASSERT_NO_FATAL_FAILURE(CreateWithThreeFiles(dir, store));
  LogActions c2;
  RemoveFile ra;
  ra.path = "year=2024/a.parquet";
  ra.deletion_timestamp = 5;
  c2.removes = {ra};
  RawCommit(store, 2, c2);
  // The checkpoint at 2 holds a's tombstone; commit 3 removes c after it.
  auto at2 = LoadSnapshot(store, 2);
  ASSERT_TRUE(at2.ok()) << at2.status().ToString();
  ASSERT_TRUE(WriteCheckpoint(store, **at2, 10).ok());
  LogActions c3;
  RemoveFile rc;
  rc.path = "year=2025/c.parquet";
  rc.deletion_timestamp = 6;
  c3.removes = {rc};
  c3.adds = {MakeAdd("d.parquet", "2025", 40)};
  RawCommit(store, 3, c3);

  auto writer = LoadSnapshot(store);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  auto reader = LoadSnapshot(store, std::nullopt, LoadOptions{.tombstones = false});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*writer)->tombstones().size(), 2u);
  EXPECT_TRUE((*writer)->keeps_tombstones());
  EXPECT_TRUE((*reader)->tombstones().empty());
  EXPECT_FALSE((*reader)->keeps_tombstones());
  ASSERT_EQ((*reader)->num_files(), 2);
  for (const auto& [path, add] : (*writer)->files())
    EXPECT_TRUE(SameAdd((*reader)->files().at(path), add)) << path;
  EXPECT_EQ((*reader)->table_size_bytes(), 20 + 40);
  EXPECT_EQ((*reader)->version(), 3);

  // Nothing that needs the tombstones can be made from it.
  auto encoded = EncodeCheckpoint(**reader, 10);
  EXPECT_FALSE(encoded.ok());
  EXPECT_TRUE(EncodeCheckpoint(**writer, 10).ok());
  auto vacuumed = Vacuum(*store.storage(), **reader, VacuumOptions{});
  ASSERT_FALSE(vacuumed.ok());
  EXPECT_NE(vacuumed.status().message().find("tombstones"), std::string::npos)
      << vacuumed.status().ToString();
}

TEST(Snapshot, ATableOpenedReadOnlyRefusesToCommitAndLeavesTheLogAlone) {
  TempDir dir;
  ASSERT_TRUE(Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints()).ok());
  TableOptions options = NoCheckpoints();
  options.read_only = true;
  auto table = Table::Open(dir.path(), options);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  Transaction txn = (*table)->NewTransaction();
  txn.AddFile(MakeAdd("a.parquet", "2024", 10));
  auto committed = txn.Commit("WRITE");
  ASSERT_FALSE(committed.ok());
  EXPECT_NE(committed.status().message().find("opened for reading only"), std::string::npos)
      << committed.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/_delta_log/" + CommitFileName(1)));
  // A writer's handle of the same table still commits.
  auto writable = Table::Open(dir.path(), NoCheckpoints());
  ASSERT_TRUE(writable.ok());
  Transaction ok = (*writable)->NewTransaction();
  ok.AddFile(MakeAdd("a.parquet", "2024", 10));
  EXPECT_TRUE(ok.Commit("WRITE").ok());
}

TEST(Snapshot, AGapInTheLogIsCorruptionNamingTheMissingFile) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(table.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*table)->NewTransaction().Commit("WRITE").ok());
  std::filesystem::remove(dir.path() + "/_delta_log/" + CommitFileName(2));
  auto snap = LoadSnapshot(testing::LogStoreAt(dir.path()));
  ASSERT_FALSE(snap.ok());
  EXPECT_EQ(snap.status().code(), Status::Code::kCorruption);
  EXPECT_NE(snap.status().message().find(CommitFileName(2)), std::string::npos) << snap.status().ToString();
  // Versions before the gap are still readable.
  EXPECT_TRUE(LoadSnapshot(testing::LogStoreAt(dir.path()), 1).ok());
}

TEST(Snapshot, ACorruptedCommitIsCorruptionNamingTheFileAndLine) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(table.ok());
  Transaction txn = (*table)->NewTransaction();
  txn.AddFile(MakeAdd("a.parquet", "2024", 10)).AddFile(MakeAdd("b.parquet", "2024", 10));
  ASSERT_TRUE(txn.Commit("WRITE").ok());
  const std::string path = dir.path() + "/_delta_log/" + CommitFileName(1);
  const std::string good = ReadFile(path);

  WriteFile(path, good.substr(0, good.size() - 25));  // truncated last line
  auto truncated = LoadSnapshot(testing::LogStoreAt(dir.path()));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), Status::Code::kCorruption);
  EXPECT_NE(truncated.status().message().find(path + " line 3"), std::string::npos)
      << truncated.status().ToString();

  WriteFile(path, "garbage\n" + good);
  auto garbage = LoadSnapshot(testing::LogStoreAt(dir.path()));
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.status().message().find(path + " line 1"), std::string::npos)
      << garbage.status().ToString();

  WriteFile(path, "");
  auto empty = LoadSnapshot(testing::LogStoreAt(dir.path()));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find(path), std::string::npos);
}

TEST(Snapshot, ALogWithoutCommitZeroOrCheckpointIsNotReadable) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE((*table)->NewTransaction().Commit("WRITE").ok());
  std::filesystem::remove(dir.path() + "/_delta_log/" + CommitFileName(0));
  auto latest = LoadSnapshot(testing::LogStoreAt(dir.path()));
  EXPECT_EQ(latest.status().code(), Status::Code::kCorruption);
  EXPECT_NE(latest.status().message().find(CommitFileName(0)), std::string::npos);
  EXPECT_TRUE(LoadSnapshot(testing::LogStoreAt(dir.path()), 1).status().IsNotFound());
}

TEST(Snapshot, UpdateAppliesOnlyTheNewCommits) {
  TempDir dir;
  auto writer = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(writer.ok());
  LogStore store = testing::LogStoreAt(dir.path());
  auto snap = LoadSnapshot(store);
  ASSERT_TRUE(snap.ok());
  for (int i = 0; i < 3; ++i) {
    Transaction txn = (*writer)->NewTransaction();
    txn.AddFile(MakeAdd("f" + std::to_string(i), "2024", 1));
    ASSERT_TRUE(txn.Commit("WRITE").ok());
  }
  // Old commits are not read again: removing one does not matter.
  std::filesystem::remove(dir.path() + "/_delta_log/" + CommitFileName(0));
  auto applied = UpdateSnapshot(store, snap->get());
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 3);
  EXPECT_EQ((*snap)->version(), 3);
  EXPECT_EQ((*snap)->num_files(), 3);
  auto none = UpdateSnapshot(store, snap->get());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
}

TEST(Snapshot, CheckpointIntervalComesFromTheTableConfiguration) {
  Snapshot s;
  LogActions a;
  a.protocol.emplace();
  a.metadata.emplace().schema_string = R"({"type":"struct","fields":[]})";
  ASSERT_TRUE(s.Apply(0, a).ok());
  EXPECT_EQ(s.checkpoint_interval(), 10);
  a.metadata->configuration["delta.checkpointInterval"] = "3";
  ASSERT_TRUE(s.Apply(1, a).ok());
  EXPECT_EQ(s.checkpoint_interval(), 3);
  a.metadata->configuration["delta.checkpointInterval"] = "zero";
  ASSERT_TRUE(s.Apply(2, a).ok());
  EXPECT_EQ(s.checkpoint_interval(), 10);
  EXPECT_FALSE(s.Apply(4, a).ok());  // not the next version
}

}  // namespace
}  // namespace rp::delta
