// The storage contract of storage.h, run against every implementation
// through a factory that makes an empty storage per test. An object store
// joins by adding its factory to the instantiation at the bottom (skipping
// itself where no endpoint is configured); nothing here knows which storage
// it tests.
#include "delta/storage.h"

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "log_test_util.h"

namespace rp::delta {
namespace {

using testing::TempDir;

// A storage under test and whatever must outlive it (a temp dir, later a
// bucket prefix to clean up).
class StorageHarness {
 public:
  virtual ~StorageHarness() = default;
  virtual std::shared_ptr<Storage> storage() const = 0;
};

class LocalHarness final : public StorageHarness {
 public:
  // The root does not exist yet: writing must create what it needs.
  LocalHarness() : storage_(OpenStorage(dir_.path() + "/root").value()) {}
  std::shared_ptr<Storage> storage() const override { return storage_; }

 private:
  TempDir dir_;
  std::shared_ptr<Storage> storage_;
};

struct StorageKind {
  std::string name;
  std::function<std::unique_ptr<StorageHarness>()> make;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class StorageContract : public ::testing::TestWithParam<StorageKind> {
 protected:
  void SetUp() override {
    harness_ = GetParam().make();
    storage_ = harness_->storage();
  }

  const Storage& s() const { return *storage_; }

  void Put(const std::string& key, const std::string& content) {
    Status st = s().Put(key, content);
    ASSERT_TRUE(st.ok()) << key << ": " << st.ToString();
  }

  std::vector<std::string> Keys(const std::string& prefix, const std::string& start_after = "") const {
    auto listed = s().List(prefix, start_after);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> keys;
    if (listed.ok()) {
      for (const auto& o : *listed) keys.push_back(o.key);
    }
    return keys;
  }

  std::unique_ptr<StorageHarness> harness_;
  std::shared_ptr<Storage> storage_;
};

TEST_P(StorageContract, PutStoresAndReplacesWholeObjects) {
  Put("a/b/c.json", "hello");
  EXPECT_EQ(s().Read("a/b/c.json").ValueOr("?"), "hello");
  Put("a/b/c.json", std::string("bin\0ary", 7));
  EXPECT_EQ(s().Read("a/b/c.json").ValueOr("?"), std::string("bin\0ary", 7));
  Put("empty", "");
  EXPECT_EQ(s().Read("empty").ValueOr("?"), "");
  EXPECT_EQ(Keys(""), (std::vector<std::string>{"a/b/c.json", "empty"}));  // no temp files left behind
}

TEST_P(StorageContract, MissingObjectsAreNotFound) {
  EXPECT_TRUE(s().Read("nothing").status().IsNotFound());
  EXPECT_TRUE(s().OpenForRead("nothing").status().IsNotFound());
  EXPECT_TRUE(s().Stat("no/thing").status().IsNotFound());
  EXPECT_TRUE(s().OpenUriForRead(s().LocationOf("nothing")).status().IsNotFound());
  auto exists = s().Exists("nothing");
  ASSERT_TRUE(exists.ok()) << exists.status().ToString();
  EXPECT_FALSE(*exists);
  auto deleted = s().Delete("nothing");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_FALSE(*deleted);
}

TEST_P(StorageContract, APrefixIsNotAnObject) {
  Put("dir/x", "x");
  ASSERT_TRUE(s().CreateDirectory("made/by/hand").ok());
  for (const char* key : {"dir", "made/by/hand"}) {
    EXPECT_TRUE(s().Read(key).status().IsNotFound()) << key;
    EXPECT_TRUE(s().OpenForRead(key).status().IsNotFound()) << key;
    EXPECT_TRUE(s().Stat(key).status().IsNotFound()) << key;
    EXPECT_FALSE(s().Exists(key).ValueOr(true)) << key;
  }
  EXPECT_EQ(Keys(""), std::vector<std::string>{"dir/x"});
}

TEST_P(StorageContract, ListIsRecursiveSortedAndFilteredByPrefix) {
  const std::vector<std::string> keys = {
      "z",
      "year=2025/part-1.parquet",
      "year=2025/month=9/part-0.parquet",
      "_delta_log/_staged_commits/00000000000000000003.uuid.json",
      "_delta_log/00000000000000000001.json",
      "_delta_log/00000000000000000001.crc",
      "_delta_log/00000000000000000000.json",
  };
  for (size_t i = 0; i < keys.size(); ++i) Put(keys[i], std::string(i + 1, 'x'));
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  auto all = s().List("");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), keys.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    EXPECT_EQ((*all)[i].key, sorted[i]);
    const size_t put_as = std::find(keys.begin(), keys.end(), sorted[i]) - keys.begin();
    EXPECT_EQ((*all)[i].size, static_cast<int64_t>(put_as + 1)) << sorted[i];
  }
  EXPECT_EQ(
      Keys("_delta_log/"),
      (std::vector<std::string>{"_delta_log/00000000000000000000.json", "_delta_log/00000000000000000001.crc",
                                "_delta_log/00000000000000000001.json",
                                "_delta_log/_staged_commits/00000000000000000003.uuid.json"}));
  // A prefix is a string prefix, not a directory.
  EXPECT_EQ(Keys("year=2025/mo"), std::vector<std::string>{"year=2025/month=9/part-0.parquet"});
  EXPECT_EQ(Keys("_delta_log/00000000000000000001"),
            (std::vector<std::string>{"_delta_log/00000000000000000001.crc",
                                      "_delta_log/00000000000000000001.json"}));
  EXPECT_TRUE(Keys("nothing/").empty());
  EXPECT_TRUE(Keys("zz").empty());
}

TEST_P(StorageContract, ListStartsAfterAKey) {
  for (int v = 0; v < 12; ++v) Put(LogStore::KeyOf(CommitFileName(v)), "c");
  Put(LogStore::KeyOf(CheckpointFileName(10)), "cp");
  Put("_delta_log/_last_checkpoint", "{}");
  // The bare digits of version 10: its files and everything after them.
  EXPECT_EQ(
      Keys("_delta_log/", "_delta_log/00000000000000000010"),
      (std::vector<std::string>{LogStore::KeyOf(CheckpointFileName(10)), LogStore::KeyOf(CommitFileName(10)),
                                LogStore::KeyOf(CommitFileName(11)), "_delta_log/_last_checkpoint"}));
  // Exclusive: the key itself is not listed.
  EXPECT_EQ(Keys("_delta_log/", LogStore::KeyOf(CommitFileName(11))),
            std::vector<std::string>{"_delta_log/_last_checkpoint"});
}

TEST_P(StorageContract, AnEmptyOrMissingRootListsNothing) {
  auto listed = s().List("");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_TRUE(listed->empty());
}

TEST_P(StorageContract, StatAndListReportSizeAndModificationTime) {
  const int64_t before = NowMs();
  Put("t/x.parquet", std::string(1234, 'p'));
  const int64_t after = NowMs();
  auto info = s().Stat("t/x.parquet");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->key, "t/x.parquet");
  EXPECT_EQ(info->size, 1234);
  // Object stores keep whole seconds, and clocks differ a little.
  EXPECT_GE(info->modification_time_ms, before - 2000);
  EXPECT_LE(info->modification_time_ms, after + 2000);
  auto listed = s().List("t/");
  ASSERT_TRUE(listed.ok() && listed->size() == 1u);
  EXPECT_EQ((*listed)[0].size, info->size);
  EXPECT_EQ((*listed)[0].modification_time_ms, info->modification_time_ms);
  EXPECT_TRUE(s().Exists("t/x.parquet").ValueOr(false));
}

TEST_P(StorageContract, PutIfAbsentPublishesOnceAndNeverOverwrites) {
  auto first = s().PutIfAbsent("_delta_log/00000000000000000000.json", "first\n");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  auto second = s().PutIfAbsent("_delta_log/00000000000000000000.json", "second\n");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(*second);
  EXPECT_EQ(s().Read("_delta_log/00000000000000000000.json").ValueOr("?"), "first\n");
  EXPECT_EQ(Keys(""), std::vector<std::string>{"_delta_log/00000000000000000000.json"});
}

TEST_P(StorageContract, RacingPutIfAbsentHasExactlyOneWinnerWhoseContentStays) {
  constexpr int kThreads = 8, kKeys = 10;
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = LogStore::KeyOf(CommitFileName(k));
    std::atomic<int> winners{0}, losers{0}, winner{-1};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto r = s().PutIfAbsent(key, "writer " + std::to_string(t) + "\n");
        if (r.ok() && *r) {
          ++winners;
          winner = t;
        }
        if (r.ok() && !*r) ++losers;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1) << key;
    EXPECT_EQ(losers.load(), kThreads - 1) << key;
    EXPECT_EQ(s().Read(key).ValueOr("?"), "writer " + std::to_string(winner.load()) + "\n") << key;
  }
  EXPECT_EQ(Keys("").size(), static_cast<size_t>(kKeys));
}

TEST_P(StorageContract, ReadersSeeAWholeOldOrWholeNewObjectWhilePutReplaces) {
  const std::string a(100'000, 'a'), b(150'000, 'b');
  Put("_delta_log/_last_checkpoint", a);
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto content = s().Read("_delta_log/_last_checkpoint");
      ++reads;
      if (!content.ok() || (*content != a && *content != b)) ++torn;
    }
  });
  for (int i = 0; i < 40; ++i) Put("_delta_log/_last_checkpoint", i % 2 ? a : b);
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0) << "of " << reads.load() << " reads";
}

TEST_P(StorageContract, DeleteRemovesOnlyTheObject) {
  Put("d/x", "x");
  Put("d/y", "y");
  auto deleted = s().Delete("d/x");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(s().Exists("d/x").ValueOr(true));
  EXPECT_FALSE(s().Delete("d/x").ValueOr(true));
  EXPECT_EQ(Keys("d/"), std::vector<std::string>{"d/y"});
  EXPECT_TRUE(s().Delete("d/y").ValueOr(false));
  EXPECT_TRUE(Keys("").empty());
  Put("d/z", "z");  // the prefix is usable again
  EXPECT_EQ(s().Read("d/z").ValueOr("?"), "z");
}

TEST_P(StorageContract, AnOutputStreamPublishesTheWholeObjectOnClose) {
  const std::string key = "year=2025/hour=7/part-00000-x.c000.snappy.parquet";
  auto stream = s().OpenOutputStream(key);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  std::string expected;
  for (int i = 0; i < 64; ++i) {
    const std::string chunk(16'384 + i, static_cast<char>('A' + i % 26));
    ASSERT_TRUE((*stream)->Write(chunk.data(), static_cast<int64_t>(chunk.size())).ok());
    expected += chunk;
  }
  EXPECT_EQ((*stream)->Tell().ValueOr(-1), static_cast<int64_t>(expected.size()));
  ASSERT_TRUE((*stream)->Close().ok());
  EXPECT_TRUE((*stream)->closed());
  EXPECT_EQ(s().Read(key).ValueOr("?"), expected);
  EXPECT_EQ(s().Stat(key)->size, static_cast<int64_t>(expected.size()));
}

TEST_P(StorageContract, AnAbortedOutputStreamLeavesNothing) {
  auto stream = s().OpenOutputStream("p/part-0.parquet");
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  const std::string chunk(10'000, 'x');
  ASSERT_TRUE((*stream)->Write(chunk.data(), static_cast<int64_t>(chunk.size())).ok());
  ASSERT_TRUE((*stream)->Abort().ok());
  EXPECT_FALSE(s().Exists("p/part-0.parquet").ValueOr(true));
  EXPECT_TRUE(Keys("").empty());
}

TEST_P(StorageContract, OpenForReadGivesRandomAccessToAnyThread) {
  std::string content;
  for (int i = 0; i < 100'000; ++i) content += static_cast<char>('a' + i % 23);
  Put("data/file.parquet", content);
  auto file = s().OpenForRead("data/file.parquet");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->GetSize().ValueOr(-1), static_cast<int64_t>(content.size()));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t offset = t * 1000; offset < 90'000; offset += 7919) {
        auto buffer = (*file)->ReadAt(offset, 100);
        if (!buffer.ok() || (*buffer)->ToString() != content.substr(static_cast<size_t>(offset), 100))
          ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_TRUE((*file)->Close().ok());
}

TEST_P(StorageContract, KeysAreNamesAsGivenWithAnyCharacters) {
  const std::vector<std::string> keys = {"odd dir/a:b%c=d.parquet", "tag=a%3Ab/x",
                                         "\xC3\xBCn\xC3\xAF/c\xC3\xB6"
                                         "d"};
  for (const auto& k : keys) Put(k, k);
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys(""), sorted);
  for (const auto& k : keys) EXPECT_EQ(s().Read(k).ValueOr("?"), k);
}

TEST_P(StorageContract, AbsoluteLocationsUnderTheRootMapToKeys) {
  Put("year=2025/part-0.parquet", "data");
  const std::string location = s().LocationOf("year=2025/part-0.parquet");
  auto key = s().KeyOfUri(location);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, std::optional<std::string>("year=2025/part-0.parquet"));
  // A sibling of the root is not under it, however alike the names.
  auto sibling = s().KeyOfUri(s().location() + "-other/year=2025/part-0.parquet");
  ASSERT_TRUE(sibling.ok()) << sibling.status().ToString();
  EXPECT_EQ(*sibling, std::nullopt);
  auto file = s().OpenUriForRead(location);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->GetSize().ValueOr(-1), 4);
}

INSTANTIATE_TEST_SUITE_P(Storage, StorageContract,
                         ::testing::Values(StorageKind{"Local",
                                                       [] { return std::make_unique<LocalHarness>(); }}),
                         [](const ::testing::TestParamInfo<StorageKind>& info) { return info.param.name; });

// ---- The factory ----

TEST(OpenStorage, PathsAndFileUrisAreTheLocalDisk) {
  for (const auto& [location, expected] : std::vector<std::pair<std::string, std::string>>{
           {"/data/t", "/data/t"},
           {"/data/t/", "/data/t"},
           {"relative/t", "relative/t"},
           {"file:///data/t", "/data/t"},
           {"file:/data/t", "/data/t"},
           {"file://localhost/data/my%20t", "/data/my t"},
           {"data:2025/t", "data:2025/t"},  // a path with a colon, not a URI
       }) {
    auto storage = OpenStorage(location);
    ASSERT_TRUE(storage.ok()) << location << ": " << storage.status().ToString();
    EXPECT_EQ((*storage)->location(), expected) << location;
  }
}

TEST(OpenStorage, OtherLocationsAreRefused) {
  auto s3 = OpenStorage("s3://bucket/prefix/t", {{"region", "eu-west-1"}});
  ASSERT_FALSE(s3.ok());
  EXPECT_TRUE(s3.status().IsInvalidArgument());
  EXPECT_NE(s3.status().message().find("S3 storage is not built yet"), std::string::npos)
      << s3.status().ToString();
  for (const char* location : {"", "gs://bucket/t", "file://otherhost/t", "file:relative/t"}) {
    auto refused = OpenStorage(location);
    ASSERT_FALSE(refused.ok()) << location;
    EXPECT_TRUE(refused.status().IsInvalidArgument()) << location << ": " << refused.status().ToString();
  }
}

}  // namespace
}  // namespace rp::delta
