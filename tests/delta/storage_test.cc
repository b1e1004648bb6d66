// The storage contract of storage.h, run against every implementation
// through a factory that makes an empty storage per test: the local disk,
// and S3 on a real S3 server (tests/support/s3_server.h, started once for
// the binary; a fresh bucket prefix per test). Nothing in the tests knows which storage
// it tests.
#include "delta/storage.h"

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <arrow/status.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/uuid.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "log_test_util.h"
#include "support/process.h"
#include "support/s3_server.h"

namespace rp::delta {
namespace {

using testing::TempDir;

// A storage under test and whatever must outlive it (a temp dir, a bucket
// prefix).
class StorageHarness {
 public:
  virtual ~StorageHarness() = default;
  virtual std::shared_ptr<Storage> storage() const = 0;
  // Why there is no storage to test: the test fails with it.
  virtual std::string error() const { return ""; }
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

// The binary's real S3 server (tests/support/s3_server.h) and the bucket
// these tests share; "" when both are ready, else why not.
constexpr const char* kBucket = "contract-tests";
std::string S3Ready() {
  static const std::string error = [] {
    const rp::testing::S3Server& server = rp::testing::S3Server::Get();
    return server.error().empty() ? server.CreateBucket(kBucket) : server.error();
  }();
  return error;
}

// A fresh prefix of the shared bucket per test.
class S3Harness final : public StorageHarness {
 public:
  S3Harness() {
    error_ = S3Ready();
    if (!error_.empty()) return;
    auto opened = OpenStorage(std::string("s3://") + kBucket + "/t-" + NewUuid(),
                              rp::testing::S3Server::Get().options());
    if (!opened.ok()) {
      error_ = opened.status().ToString();
      return;
    }
    storage_ = *opened;
  }
  std::shared_ptr<Storage> storage() const override { return storage_; }
  std::string error() const override { return error_; }

 private:
  std::string error_;
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
    ASSERT_EQ(harness_->error(), "");
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

// Object stores publish what a dropped stream buffered (Arrow's S3 stream
// closes in its destructor); the storage must not. Large enough for S3 to
// have started a multipart upload.
TEST_P(StorageContract, ADroppedOutputStreamLeavesNothing) {
  {
    auto stream = s().OpenOutputStream("p/part-1.parquet");
    ASSERT_TRUE(stream.ok()) << stream.status().ToString();
    const std::string chunk(6 << 20, 'y');
    ASSERT_TRUE((*stream)->Write(chunk.data(), static_cast<int64_t>(chunk.size())).ok());
  }
  EXPECT_FALSE(s().Exists("p/part-1.parquet").ValueOr(true));
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
                                                       [] { return std::make_unique<LocalHarness>(); }},
                                           StorageKind{"S3", [] { return std::make_unique<S3Harness>(); }}),
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

TEST(OpenStorage, TheLocalDiskTakesNoOptionsAndNamesNoValueWhenRefusing) {
  EXPECT_TRUE(IsLocalLocation("/data/t"));
  EXPECT_TRUE(IsLocalLocation("file:///data/t"));
  EXPECT_TRUE(IsLocalLocation("data:2025/t"));
  EXPECT_FALSE(IsLocalLocation("s3://bucket/t"));
  for (const char* location : {"/data/t", "file:///data/t"}) {
    auto refused = OpenStorage(location, {{"aws_secret_access_key", "hunter2-secret"}});
    ASSERT_FALSE(refused.ok()) << location;
    EXPECT_TRUE(refused.status().IsInvalidArgument()) << refused.status().ToString();
    EXPECT_NE(refused.status().message().find("aws_secret_access_key"), std::string::npos);
    EXPECT_EQ(refused.status().message().find("hunter2"), std::string::npos) << refused.status().ToString();
  }
}

TEST(OpenStorage, S3LocationsAreS3Storage) {
  const StorageOptions keys = {{"aws_access_key_id", "k"}, {"aws_secret_access_key", "s"}};
  for (const auto& [location, expected] : std::vector<std::pair<std::string, std::string>>{
           {"s3://bucket/prefix/t", "s3://bucket/prefix/t"},
           {"s3://bucket/prefix/t/", "s3://bucket/prefix/t"},
           {"s3://bucket", "s3://bucket"},
       }) {
    auto storage = OpenStorage(location, keys);
    ASSERT_TRUE(storage.ok()) << location << ": " << storage.status().ToString();
    EXPECT_EQ((*storage)->location(), expected) << location;
  }
  // A misspelt option is an error, not a silent fall-back to the environment.
  StorageOptions typo = keys;
  typo["region"] = "eu-west-1";
  auto refused = OpenStorage("s3://bucket/t", typo);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsInvalidArgument()) << refused.status().ToString();
  EXPECT_FALSE(OpenStorage("s3:///t", keys).ok());
  StorageOptions no_http = keys;
  no_http["aws_endpoint_url"] = "http://127.0.0.1:1";
  no_http["aws_allow_http"] = "false";
  EXPECT_TRUE(OpenStorage("s3://bucket/t", no_http).status().IsInvalidArgument());
}

// ---- S3 failures: retries, and conditional PUTs whose answer was lost ----

// A TCP proxy in front of the S3 server that fails chosen requests. It
// forwards each request on a connection of its own with "Connection: close",
// as versitygw closes every connection anyway. Towards the client, by default
// one request per connection too; with `keep_alive`, it keeps the client's
// connection open for more requests (dropping the server's "Connection:
// close"), as S3 does, and counts the connections clients opened.
class FaultProxy {
 public:
  enum class Fault { kNone, kReply503, kLoseResponse };
  // Decides the fate of the n-th request (from 0) given its request line.
  using Policy = std::function<Fault(int n, const std::string& request_line)>;

  FaultProxy(int upstream_port, Policy policy, bool keep_alive = false)
      : upstream_port_(upstream_port), policy_(std::move(policy)), keep_alive_(keep_alive) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listener_, 64) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "proxy: cannot listen";
      return;
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~FaultProxy() {
    ::shutdown(listener_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    ::close(listener_);
    std::lock_guard<std::mutex> lock(mu_);
    // Kept-alive clients (curl's connection cache) may never hang up.
    for (int fd : clients_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : workers_) t.join();
    for (int fd : clients_) ::close(fd);
  }
  int port() const { return port_; }
  int requests() const { return count_.load(); }
  int connections() const { return connections_.load(); }

 private:
  void AcceptLoop() {
    for (;;) {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      ++connections_;
      std::lock_guard<std::mutex> lock(mu_);
      clients_.push_back(client);
      workers_.emplace_back([this, client] { Serve(client); });
    }
  }

  static bool SendAll(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t w = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (w <= 0) return false;
      data.remove_prefix(static_cast<size_t>(w));
    }
    return true;
  }

  // Takes one whole request (the head, then Content-Length bytes of body) off
  // the front of `pending`, reading more from `client` as needed; empty when
  // the client hangs up first.
  static std::string NextRequest(int client, std::string* pending) {
    char buf[65536];
    size_t total = std::string::npos;
    for (;;) {
      if (total == std::string::npos) {
        if (const size_t head_end = pending->find("\r\n\r\n"); head_end != std::string::npos) {
          size_t length = 0;
          std::string head = pending->substr(0, head_end);
          for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (size_t at = head.find("\r\ncontent-length:"); at != std::string::npos)
            length = std::stoul(head.substr(at + 17));
          total = head_end + 4 + length;
        }
      }
      if (total != std::string::npos && pending->size() >= total) {
        std::string request = pending->substr(0, total);
        pending->erase(0, total);
        return request;
      }
      const ssize_t r = ::recv(client, buf, sizeof buf, 0);
      if (r <= 0) return "";
      pending->append(buf, static_cast<size_t>(r));
    }
  }

  void Serve(int client) {
    ServeRequests(client);
    ::shutdown(client, SHUT_RDWR);  // hung up; closed by the destructor
  }

  void ServeRequests(int client) {
    std::string pending;
    for (;;) {
      std::string request = NextRequest(client, &pending);
      if (request.empty()) return;
      const int n = count_++;
      const std::string line = request.substr(0, request.find("\r\n"));
      const Fault fault = policy_(n, line);
      if (fault == Fault::kReply503) {
        SendAll(client, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
      }
      request.insert(line.size() + 2, "Connection: close\r\n");
      const int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
      std::string response;
      if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          SendAll(upstream, request)) {
        char buf[65536];
        for (ssize_t r; (r = ::recv(upstream, buf, sizeof buf, 0)) > 0;)
          response.append(buf, static_cast<size_t>(r));
      }
      ::close(upstream);
      // Lost: the server acted on the request, the client never hears.
      if (fault != Fault::kNone || response.empty()) return;
      if (keep_alive_) {
        const size_t head_end = response.find("\r\n\r\n");
        std::string head = response.substr(0, head_end + 2);  // every header line with its "\r\n"
        for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (size_t at = head.find("\r\nconnection: close\r\n"); at != std::string::npos && at < head_end)
          response.erase(at, 19);  // "\r\nConnection: close", leaving the next line's "\r\n"
      }
      if (!SendAll(client, response) || !keep_alive_) return;
    }
  }

  int upstream_port_;
  Policy policy_;
  bool keep_alive_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> count_{0}, connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> clients_;
  std::vector<std::thread> workers_;
};

class S3Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(S3Ready(), "");
    options_ = rp::testing::S3Server::Get().options();
    const std::string endpoint = options_["aws_endpoint_url"];
    upstream_port_ = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
    location_ = std::string("s3://") + kBucket + "/faults-" + NewUuid();
    direct_ = OpenStorage(location_, options_).value();
  }

  // The same location, through a proxy that injects `policy`'s faults.
  std::shared_ptr<Storage> Through(const FaultProxy& proxy, const std::string& max_retries = "10") {
    StorageOptions options = options_;
    options["aws_endpoint_url"] = "http://127.0.0.1:" + std::to_string(proxy.port());
    options["max_retries"] = max_retries;
    return OpenStorage(location_, options).value();
  }

  StorageOptions options_;
  int upstream_port_ = 0;
  std::string location_;
  std::shared_ptr<Storage> direct_;
};

TEST_F(S3Faults, ServerErrorsAreRetriedWithBackoff) {
  FaultProxy proxy(upstream_port_, [](int n, const std::string&) {
    return n < 3 ? FaultProxy::Fault::kReply503 : FaultProxy::Fault::kNone;
  });
  auto s3 = Through(proxy);
  ASSERT_TRUE(s3->Put("a", "x").ok());
  EXPECT_EQ(direct_->Read("a").ValueOr("?"), "x");
  EXPECT_EQ(proxy.requests(), 4);
}

TEST_F(S3Faults, PersistentFailuresGiveUpAfterTheRetryLimit) {
  FaultProxy proxy(upstream_port_, [](int, const std::string&) { return FaultProxy::Fault::kReply503; });
  auto s3 = Through(proxy, "2");
  auto put = s3->PutIfAbsent("_delta_log/00000000000000000000.json", "c");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), Status::Code::kIOError) << put.status().ToString();
  EXPECT_NE(put.status().message().find("503"), std::string::npos) << put.status().ToString();
  EXPECT_NE(put.status().message().find("3 attempts"), std::string::npos) << put.status().ToString();
  EXPECT_EQ(proxy.requests(), 3);
}

TEST_F(S3Faults, AConditionalPutWhoseAnswerWasLostIsRecognisedAsOurs) {
  const std::string key = "_delta_log/00000000000000000000.json";
  // The first PUT lands but its 200 never arrives; the retry meets 412.
  FaultProxy proxy(upstream_port_, [](int n, const std::string&) {
    return n == 0 ? FaultProxy::Fault::kLoseResponse : FaultProxy::Fault::kNone;
  });
  auto s3 = Through(proxy);
  auto won = s3->PutIfAbsent(key, "ours\n");
  ASSERT_TRUE(won.ok()) << won.status().ToString();
  EXPECT_TRUE(*won);
  EXPECT_GE(proxy.requests(), 3);  // the lost PUT, the 412, the read back
  // Without any doubt, a 412 is a lost race, whatever the content.
  EXPECT_FALSE(direct_->PutIfAbsent(key, "ours\n").ValueOr(true));
}

TEST_F(S3Faults, AConditionalPutRetriedIntoAnotherWritersObjectLoses) {
  const std::string key = "_delta_log/00000000000000000001.json";
  ASSERT_TRUE(direct_->PutIfAbsent(key, "theirs\n").ValueOr(false));
  // The first attempt fails (503: it might have landed, as far as the
  // client knows); the retry's 412 and the read back show another writer.
  FaultProxy proxy(upstream_port_, [](int n, const std::string&) {
    return n == 0 ? FaultProxy::Fault::kReply503 : FaultProxy::Fault::kNone;
  });
  auto s3 = Through(proxy);
  auto won = s3->PutIfAbsent(key, "ours\n");
  ASSERT_TRUE(won.ok()) << won.status().ToString();
  EXPECT_FALSE(*won);
  EXPECT_EQ(direct_->Read(key).ValueOr("?"), "theirs\n");
}

// Commits, reads, listings and deletes from one thread share a connection
// where the server keeps connections open, as S3 does: no handshake per
// request (on S3, a TLS handshake).
TEST_F(S3Faults, RequestsFromOneThreadReuseOneConnection) {
  FaultProxy proxy(
      upstream_port_, [](int, const std::string&) { return FaultProxy::Fault::kNone; },
      /*keep_alive=*/true);
  auto s3 = Through(proxy);
  constexpr int kCommits = 20;
  for (int v = 0; v < kCommits; ++v) {
    const std::string key = LogStore::KeyOf(CommitFileName(v));
    ASSERT_TRUE(s3->PutIfAbsent(key, "commit").ValueOr(false)) << v;
    ASSERT_EQ(s3->Read(key).ValueOr("?"), "commit");
    ASSERT_EQ(s3->List("_delta_log/", LogStore::KeyOf(CommitFileName(v).substr(0, 20))).ValueOr({}).size(),
              1u);
  }
  ASSERT_TRUE(s3->Delete(LogStore::KeyOf(CommitFileName(0))).ValueOr(false));
  EXPECT_EQ(proxy.requests(), 3 * kCommits + 2);
  EXPECT_EQ(proxy.connections(), 1);
}

TEST(OpenStorage, OtherLocationsAreRefused) {
  for (const char* location : {"", "gs://bucket/t", "file://otherhost/t", "file:relative/t"}) {
    auto refused = OpenStorage(location);
    ASSERT_FALSE(refused.ok()) << location;
    EXPECT_TRUE(refused.status().IsInvalidArgument()) << location << ": " << refused.status().ToString();
  }
}

}  // namespace
}  // namespace rp::delta
