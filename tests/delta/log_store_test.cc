// The _delta_log directory and its put-if-absent primitive.
#include "delta/log_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "delta/log_paths.h"
#include "log_test_util.h"

namespace rp::delta {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LogStore, CreateDirectoriesMakesTheLogAndAnEmptyStagedCommitsDirectory) {
  TempDir dir;
  LogStore store = testing::LogStoreAt(dir.path() + "/a/b/table");
  ASSERT_TRUE(store.CreateDirectories().ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/a/b/table/_delta_log/_staged_commits"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() + "/a/b/table/_delta_log/_staged_commits"));
  EXPECT_TRUE(store.CreateDirectories().ok());  // idempotent
}

TEST(LogStore, PutIfAbsentPublishesOnceAndNeverOverwrites) {
  TempDir dir;
  LogStore store = testing::LogStoreAt(dir.path());
  ASSERT_TRUE(store.CreateDirectories().ok());
  auto first = store.PutIfAbsent(CommitFileName(0), "first\n");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  auto second = store.PutIfAbsent(CommitFileName(0), "second\n");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  EXPECT_EQ(ReadFile(store.PathOf(CommitFileName(0))), "first\n");
  EXPECT_TRUE(*store.Exists(CommitFileName(0)));
  EXPECT_FALSE(*store.Exists(CommitFileName(1)));
  // No temp file is left behind either way.
  EXPECT_EQ(DirEntries(store.log_dir()), (std::vector<std::string>{CommitFileName(0), "_staged_commits"}));
}

TEST(LogStore, RacingPutIfAbsentHasExactlyOneWinner) {
  TempDir dir;
  LogStore store = testing::LogStoreAt(dir.path());
  ASSERT_TRUE(store.CreateDirectories().ok());
  std::atomic<int> winners{0}, losers{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto r = store.PutIfAbsent(CommitFileName(5), "writer " + std::to_string(t) + "\n");
      if (r.ok() && *r) ++winners;
      if (r.ok() && !*r) ++losers;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(losers.load(), 7);
  EXPECT_EQ(ReadFile(store.PathOf(CommitFileName(5))).rfind("writer ", 0), 0u);
}

TEST(LogStore, PutReplaceOverwritesAtomically) {
  TempDir dir;
  LogStore store = testing::LogStoreAt(dir.path());
  ASSERT_TRUE(store.CreateDirectories().ok());
  ASSERT_TRUE(store.PutReplace("_last_checkpoint", "{\"version\":10}").ok());
  ASSERT_TRUE(store.PutReplace("_last_checkpoint", "{\"version\":20}").ok());
  EXPECT_EQ(ReadFile(store.PathOf("_last_checkpoint")), "{\"version\":20}");
  EXPECT_EQ(DirEntries(store.log_dir()), (std::vector<std::string>{"_last_checkpoint", "_staged_commits"}));
}

TEST(LogStore, ListReturnsCommitsAndCheckpointsAndIgnoresEverythingElse) {
  TempDir dir;
  LogStore store = testing::LogStoreAt(dir.path());
  ASSERT_TRUE(store.CreateDirectories().ok());
  for (const auto& name : {CommitFileName(2), CommitFileName(0), CommitFileName(1), CommitFileName(11),
                           CheckpointFileName(10), ChecksumFileName(1), std::string("_last_checkpoint"),
                           fmt::format(".{}.abc.tmp", CommitFileName(3)), fmt::format(".{}.crc", CommitFileName(1)),
                           CommitFileName(10).substr(0, 20) + ".checkpoint.0000000001.0000000002.parquet",
                           std::string("00000000000000000012.00000000000000000014.compacted.json")}) {
    WriteFile(store.PathOf(name), "x");
  }
  WriteFile(store.PathOf("_staged_commits/" + CommitFileName(12)), "x");
  auto all = store.List();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->commits, (std::vector<int64_t>{0, 1, 2, 11}));
  EXPECT_EQ(all->checkpoints, (std::vector<int64_t>{10}));
  auto tail = store.List(2);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->commits, (std::vector<int64_t>{2, 11}));
}

TEST(LogStore, MissingLogAndMissingFilesAreNotFound) {
  TempDir dir;
  LogStore store = testing::LogStoreAt(dir.path() + "/nothing");
  EXPECT_TRUE(store.List().status().IsNotFound());
  EXPECT_TRUE(store.Read(CommitFileName(0)).status().IsNotFound());
}

}  // namespace
}  // namespace rp::delta
