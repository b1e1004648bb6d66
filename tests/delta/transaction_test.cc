// Committing: put-if-absent, conflict detection and blind-append retries.
#include "delta/transaction.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/log.h"
#include "common/uuid.h"
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
using testing::NoCheckpoints;
using testing::ReadFile;
using testing::TempDir;

LogActions ReadCommit(const std::string& table, int64_t version) {
  auto parsed = ParseCommitFile(ReadFile(table + "/_delta_log/" + CommitFileName(version)), "commit");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : LogActions{};
}

TEST(Transaction, CommitPublishesTheNextVersionAsABlindAppend) {
  TempDir dir;
  TableOptions options = NoCheckpoints();
  options.clock = [] { return int64_t{1750000000000}; };
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, options);
  ASSERT_TRUE(table.ok());
  Transaction txn = (*table)->NewTransaction();
  EXPECT_EQ(txn.read_version(), 0);
  txn.AddFiles({MakeAdd("a.parquet", "2024", 10), MakeAdd("b.parquet", "2025", 20)});
  txn.SetTxn("sync-0", 41).SetTxn("sync-1", 7).SetTxn("sync-0", 42);
  auto v = txn.Commit("STREAMING UPDATE", {{"outputMode", "Append"}, {"epochId", "3"}});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, 1);

  LogActions c = ReadCommit(dir.path(), 1);
  ASSERT_TRUE(c.commit_info.has_value());
  EXPECT_EQ(c.commit_info->operation, "STREAMING UPDATE");
  EXPECT_EQ(c.commit_info->operation_parameters.at("outputMode"), "\"Append\"");
  EXPECT_EQ(c.commit_info->operation_parameters.at("epochId"), "\"3\"");
  EXPECT_TRUE(c.commit_info->is_blind_append);
  EXPECT_EQ(c.commit_info->read_version, 0);
  EXPECT_EQ(c.commit_info->timestamp, 1750000000000);
  EXPECT_EQ(c.commit_info->operation_metrics.at("numFiles"), "\"2\"");
  EXPECT_EQ(c.commit_info->operation_metrics.at("numOutputBytes"), "\"30\"");
  ASSERT_TRUE(c.commit_info->txn_id.has_value());
  ASSERT_EQ(c.txns.size(), 2u);  // one per appId, the last SetTxn wins
  EXPECT_EQ(c.txns[0].app_id, "sync-0");
  EXPECT_EQ(c.txns[0].version, 42);
  EXPECT_EQ(c.txns[0].last_updated, 1750000000000);
  EXPECT_EQ(c.adds.size(), 2u);

  // The handle's snapshot advanced in memory.
  auto snap = (*table)->snapshot();
  EXPECT_EQ(snap->version(), 1);
  EXPECT_EQ(snap->num_files(), 2);
  EXPECT_EQ(snap->TxnVersion("sync-0"), 42);
  // A transaction commits at most once.
  EXPECT_TRUE(txn.Commit("WRITE").status().IsInvalidArgument());
}

TEST(Transaction, CommittingDoesNotReReadTheLog) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE((*table)->NewTransaction().Commit("WRITE").ok());
  // With an earlier commit made unreadable, a fresh reader fails, but the
  // handle keeps committing from its in-memory state.
  testing::WriteFile(dir.path() + "/_delta_log/" + CommitFileName(0), "not json\n");
  for (int i = 0; i < 3; ++i) {
    Transaction txn = (*table)->NewTransaction();
    txn.AddFile(MakeAdd("f" + std::to_string(i), "2024", 5));
    auto v = txn.Commit("WRITE");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(*v, 2 + i);
  }
  EXPECT_EQ((*table)->snapshot()->num_files(), 3);
  EXPECT_FALSE(Table::Open(dir.path()).ok());
}

TEST(Transaction, ALostRaceIsRetriedAtTheNextVersionWithTheSameActions) {
  TempDir dir;
  auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(a.ok());
  auto b = Table::Open(dir.path(), NoCheckpoints());
  ASSERT_TRUE(b.ok());
  Transaction ta = (*a)->NewTransaction();
  ta.AddFile(MakeAdd("from-a.parquet", "2024", 10)).SetTxn("app-a", 1);
  Transaction tb = (*b)->NewTransaction();
  tb.AddFile(MakeAdd("from-b.parquet", "2025", 20)).SetTxn("app-b", 1);
  ASSERT_EQ(*tb.Commit("WRITE"), 1);
  auto va = ta.Commit("WRITE");
  ASSERT_TRUE(va.ok()) << va.status().ToString();
  EXPECT_EQ(*va, 2);

  LogActions c = ReadCommit(dir.path(), 2);
  EXPECT_EQ(c.commit_info->read_version, 0);  // what it read, not where it landed
  ASSERT_EQ(c.adds.size(), 1u);
  EXPECT_EQ(c.adds[0].path, "year=2024/from-a.parquet");
  // A's in-memory snapshot took in B's commit on the way.
  auto snap = (*a)->snapshot();
  EXPECT_EQ(snap->version(), 2);
  EXPECT_EQ(snap->num_files(), 2);
  EXPECT_EQ(snap->TxnVersion("app-b"), 1);
  auto fresh = LoadSnapshot(testing::LogStoreAt(dir.path()));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*fresh)->num_files(), 2);
  EXPECT_EQ((*fresh)->TxnVersion("app-a"), 1);
}

TEST(Transaction, ALostRaceIsLoggedAtDebugWithTheVersionItRetriesAs) {
  TempDir dir;
  auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(a.ok());
  auto b = Table::Open(dir.path(), NoCheckpoints());
  ASSERT_TRUE(b.ok());
  auto lose_a_race = [&](LogLevel level) {
    Transaction ta = (*a)->NewTransaction();
    ta.AddFile(MakeAdd(NewUuid() + ".parquet", "2024", 10));
    Transaction tb = (*b)->NewTransaction();
    tb.AddFile(MakeAdd(NewUuid() + ".parquet", "2025", 20));
    EXPECT_TRUE(tb.Commit("WRITE").ok());
    const LogLevel before = GetLogLevel();
    SetLogLevel(level);
    ::testing::internal::CaptureStderr();
    auto version = ta.Commit("WRITE");
    std::string log = ::testing::internal::GetCapturedStderr();
    SetLogLevel(before);
    EXPECT_TRUE(version.ok()) << version.status().ToString();
    return std::make_pair(version.ok() ? *version : -1, log);
  };
  auto [v, debug] = lose_a_race(LogLevel::kDebug);
  EXPECT_EQ(v, 2);
  EXPECT_NE(debug.find("DEBUG delta: " + dir.path() +
                       ": version 1 was taken by a concurrent writer; retrying as "
                       "version 2"),
            std::string::npos)
      << debug;
  auto [v2, info] = lose_a_race(LogLevel::kInfo);
  EXPECT_EQ(v2, 4);
  EXPECT_EQ(info, "");
}

TEST(Transaction, AConcurrentTxnForOneOfOurAppIdsAbortsWithConflictNamingIt) {
  TempDir dir;
  auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(a.ok());
  auto b = Table::Open(dir.path(), NoCheckpoints());
  ASSERT_TRUE(b.ok());
  Transaction ta = (*a)->NewTransaction();
  ta.AddFile(MakeAdd("a.parquet", "2024", 10)).SetTxn("sync-3", 100);
  Transaction tb = (*b)->NewTransaction();
  tb.AddFile(MakeAdd("b.parquet", "2024", 10)).SetTxn("sync-3", 100);
  ASSERT_TRUE(tb.Commit("WRITE").ok());
  auto va = ta.Commit("WRITE");
  ASSERT_FALSE(va.ok());
  EXPECT_TRUE(va.status().IsConflict());
  EXPECT_NE(va.status().message().find("'sync-3'"), std::string::npos) << va.status().ToString();
  EXPECT_NE(va.status().message().find(CommitFileName(1)), std::string::npos);
  // Nothing of A landed.
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/_delta_log/" + CommitFileName(2)));
}

TEST(Transaction, AConcurrentMetadataOrProtocolChangeAborts) {
  for (bool metadata : {true, false}) {
    TempDir dir;
    auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
    ASSERT_TRUE(a.ok());
    Transaction ta = (*a)->NewTransaction();
    ta.AddFile(MakeAdd("a.parquet", "2024", 10));
    LogActions winner;
    if (metadata) {
      winner.metadata = (*a)->snapshot()->metadata();
      winner.metadata->configuration["delta.checkpointInterval"] = "5";
    } else {
      winner.protocol = Protocol{1, 3, std::nullopt, std::nullopt};
    }
    ASSERT_TRUE(*testing::LogStoreAt(dir.path()).PutIfAbsent(CommitFileName(1), SerializeCommit(winner)));
    auto va = ta.Commit("WRITE");
    ASSERT_FALSE(va.ok());
    EXPECT_TRUE(va.status().IsConflict());
    EXPECT_NE(va.status().message().find(metadata ? "metadata" : "protocol"), std::string::npos)
        << va.status().ToString();
    EXPECT_NE(va.status().message().find(CommitFileName(1)), std::string::npos);
  }
}

TEST(Transaction, RetriesAreBoundedAndRunningOutIsAClearConflict) {
  TempDir dir;
  TableOptions options = NoCheckpoints();
  options.max_commit_attempts = 3;
  auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, options);
  ASSERT_TRUE(a.ok());
  Transaction ta = (*a)->NewTransaction();
  LogStore store = testing::LogStoreAt(dir.path());
  for (int v = 1; v <= 3; ++v) {
    LogActions other;
    other.adds = {MakeAdd("other" + std::to_string(v), "2024", 1)};
    ASSERT_TRUE(*store.PutIfAbsent(CommitFileName(v), SerializeCommit(other)));
  }
  auto va = ta.Commit("WRITE");
  ASSERT_FALSE(va.ok());
  EXPECT_TRUE(va.status().IsConflict());
  EXPECT_NE(va.status().message().find("after 3 attempts"), std::string::npos) << va.status().ToString();
  // The same kind of transaction succeeds once there is room.
  Transaction again = (*a)->NewTransaction();
  EXPECT_EQ(again.read_version(), 3);
  EXPECT_EQ(*again.Commit("WRITE"), 4);
}

TEST(Transaction, AddsMustCarryExactlyThePartitionColumns) {
  TempDir dir;
  auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(a.ok());
  AddFile missing = MakeAdd("a.parquet", "2024", 1);
  missing.partition_values.clear();
  EXPECT_TRUE((*a)->NewTransaction().AddFile(missing).Commit("WRITE").status().IsInvalidArgument());
  AddFile extra = MakeAdd("a.parquet", "2024", 1);
  extra.partition_values["month"] = "1";
  EXPECT_TRUE((*a)->NewTransaction().AddFile(extra).Commit("WRITE").status().IsInvalidArgument());
  AddFile null_value = MakeAdd("a.parquet", "2024", 1);
  null_value.partition_values["year"] = std::nullopt;  // null is a value
  EXPECT_TRUE((*a)->NewTransaction().AddFile(null_value).Commit("WRITE").ok());
}

TEST(Transaction, WritingIsRefusedWhenTheTableNeedsWriterFeaturesWeLack) {
  TempDir dir;
  auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(a.ok());
  LogActions upgrade;
  upgrade.protocol = Protocol{1, 7, std::nullopt, std::vector<std::string>{"appendOnly", "rowTracking"}};
  ASSERT_TRUE(*testing::LogStoreAt(dir.path()).PutIfAbsent(CommitFileName(1), SerializeCommit(upgrade)));
  auto reopened = Table::Open(dir.path(), NoCheckpoints());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();  // reading is fine
  auto v = (*reopened)->NewTransaction().Commit("WRITE");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Status::Code::kUnsupported);
  EXPECT_NE(v.status().message().find("rowTracking"), std::string::npos) << v.status().ToString();
}

TEST(Transaction, RefreshSeesOtherWritersCommits) {
  TempDir dir;
  auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(a.ok());
  auto b = Table::Open(dir.path(), NoCheckpoints());
  ASSERT_TRUE(b.ok());
  auto held = (*a)->snapshot();  // a reader still holding the old state
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE((*b)->NewTransaction().AddFile(MakeAdd("f" + std::to_string(i), "2024", 1)).SetTxn("b", i).Commit("WRITE").ok());
  }
  auto fresh = (*a)->Refresh();
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*fresh)->version(), 2);
  EXPECT_EQ((*fresh)->num_files(), 2);
  EXPECT_EQ((*fresh)->TxnVersion("b"), 1);
  // Snapshots handed out are immutable.
  EXPECT_EQ(held->version(), 0);
  EXPECT_EQ(held->num_files(), 0);
}

TEST(Transaction, ACompactionRemovesFilesWithoutDataChangeAndAnAppendBesideItDoesNotConflict) {
  TempDir dir;
  auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());  // appendOnly by default
  ASSERT_TRUE(a.ok());
  Transaction seed = (*a)->NewTransaction();
  seed.AddFile(MakeAdd("small-1.parquet", "2025", 10)).AddFile(MakeAdd("small-2.parquet", "2025", 20));
  ASSERT_EQ(*seed.Commit("WRITE"), 1);
  const auto small = std::vector<AddFile>{(*a)->snapshot()->files().begin()->second,
                                          std::next((*a)->snapshot()->files().begin())->second};

  auto b = Table::Open(dir.path(), NoCheckpoints());
  ASSERT_TRUE(b.ok());
  Transaction compact = (*a)->NewTransaction();
  AddFile big = MakeAdd("big.parquet", "2025", 30);
  big.data_change = false;
  compact.AddFile(big).RemoveFiles(small, /*data_change=*/false);
  Transaction append = (*b)->NewTransaction();
  append.AddFile(MakeAdd("new.parquet", "2025", 5)).SetTxn("sync-0", 9);
  ASSERT_EQ(*append.Commit("STREAMING UPDATE"), 2);
  auto v = compact.Commit("OPTIMIZE");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, 3) << "an append that came first is no reason to fail";

  LogActions c = ReadCommit(dir.path(), 3);
  ASSERT_EQ(c.removes.size(), 2u);
  for (const auto& r : c.removes) {
    EXPECT_FALSE(r.data_change);
    EXPECT_EQ(r.deletion_timestamp, c.commit_info->timestamp);
    EXPECT_EQ(r.size, r.path == "year=2025/small-1.parquet" ? 10 : 20);
    ASSERT_TRUE(r.partition_values.has_value());
    EXPECT_EQ(r.partition_values->at("year"), "2025");
  }
  EXPECT_FALSE(c.commit_info->is_blind_append);
  auto fresh = LoadSnapshot(testing::LogStoreAt(dir.path()));
  ASSERT_TRUE(fresh.ok());
  std::vector<std::string> live;
  for (const auto& [path, add] : (*fresh)->files()) live.push_back(path);
  EXPECT_EQ(live, (std::vector<std::string>{"year=2025/big.parquet", "year=2025/new.parquet"}));
  EXPECT_EQ((*fresh)->tombstones().size(), 2u);
}

TEST(Transaction, TwoCompactionsOfTheSameFileConflict) {
  TempDir dir;
  auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(a.ok());
  Transaction seed = (*a)->NewTransaction();
  seed.AddFile(MakeAdd("small-1.parquet", "2025", 10));
  ASSERT_EQ(*seed.Commit("WRITE"), 1);
  const std::vector<AddFile> file = {(*a)->snapshot()->files().begin()->second};
  auto b = Table::Open(dir.path(), NoCheckpoints());
  ASSERT_TRUE(b.ok());
  Transaction first = (*b)->NewTransaction();
  first.RemoveFiles(file, false).AddFile(MakeAdd("b.parquet", "2025", 10));
  Transaction second = (*a)->NewTransaction();
  second.RemoveFiles(file, false).AddFile(MakeAdd("a.parquet", "2025", 10));
  ASSERT_EQ(*first.Commit("OPTIMIZE"), 2);
  auto v = second.Commit("OPTIMIZE");
  ASSERT_TRUE(v.status().IsConflict()) << v.status().ToString();
  EXPECT_NE(v.status().message().find("small-1.parquet"), std::string::npos) << v.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/_delta_log/" + CommitFileName(3)))
      << "a rows-doubling commit must not land";
}

TEST(Transaction, AnAppendOnlyTableRefusesRemovingData) {
  TempDir dir;
  auto a = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(a.ok());
  Transaction seed = (*a)->NewTransaction();
  seed.AddFile(MakeAdd("f.parquet", "2025", 10));
  ASSERT_EQ(*seed.Commit("WRITE"), 1);
  Transaction del = (*a)->NewTransaction();
  del.RemoveFiles({(*a)->snapshot()->files().begin()->second}, /*data_change=*/true);
  auto v = del.Commit("DELETE");
  EXPECT_TRUE(v.status().IsInvalidArgument()) << v.status().ToString();
  Transaction unknown = (*a)->NewTransaction();
  unknown.RemoveFiles({MakeAdd("never-there.parquet", "2025", 1)}, false);
  EXPECT_TRUE(unknown.Commit("OPTIMIZE").status().IsInvalidArgument());
}

}  // namespace
}  // namespace rp::delta
