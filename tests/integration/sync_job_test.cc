// The `sync` job as a real process: what it stores, exactly once, and where bad input goes.
#include <gtest/gtest.h>

#include <csignal>
#include <random>
#include <thread>

#include "support/jobs.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::JobArgs;
using testing::LogOf;
using testing::SharedBroker;
using testing::TestRecord;
using testing::WaitFor;

// delta-rs's view of a table: rows, distinct (partition, offset), and whether
// every partition's offsets are 0..n-1 with no gap.
struct DeltaRsView {
  int64_t rows = -1, distinct = -1;
  bool contiguous = false;
};

DeltaRsView ReadWithDeltaRs(const std::string& table) {
  auto r = testing::RunPython(
      "from deltalake import DeltaTable\n"
      "rows = DeltaTable('" + table + "').to_pyarrow_table(columns=['partition','offset']).to_pylist()\n"
      "keys = {(r['partition'], r['offset']) for r in rows}\n"
      "by = {}\n"
      "for p, o in keys: by.setdefault(p, []).append(o)\n"
      "ok = all(sorted(v) == list(range(len(v))) for v in by.values())\n"
      "print(len(rows), len(keys), int(ok))\n");
  DeltaRsView v;
  if (r.exit_code != 0) {
    ADD_FAILURE() << r.err;
    return v;
  }
  int ok = 0;
  std::sscanf(r.out.c_str(), "%lld %lld %d", reinterpret_cast<long long*>(&v.rows),
              reinterpret_cast<long long*>(&v.distinct), &ok);
  v.contiguous = ok == 1;
  return v;
}

TEST(SyncJob, KilledAndRestartedNeitherLosesNorDuplicatesRows) {
  SharedBroker().CreateTopic("sync_kill", 3);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  constexpr int kRecords = 3000;
  std::atomic<bool> producing{true};
  std::thread producer([&] {
    for (int i = 0; i < kRecords; i += 100) {
      std::vector<TestRecord> batch;
      for (int k = i; k < i + 100; ++k) batch.push_back({k % 3, testing::VisitRecord(k), {}, {}});
      testing::Produce(SharedBroker().bootstrap(), "sync_kill", batch);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    producing = false;
  });
  std::mt19937 rng(42);
  int kills = 0;
  for (; kills < 5; ++kills) {
    BackgroundProcess sync(JobArgs({"sync", "--topic", "sync_kill", "--table", table, "--timezone", "UTC",
                                    "--max-batch-records", "200", "--max-batch-ms", "50",
                                    // a killed member's partitions move after 6 s, not 45 s
                                    "-X", "session.timeout.ms=6000"}),
                           dir.path() + "/sync.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500 + rng() % 1500));
    sync.Signal(SIGKILL);
    sync.Wait(10000);
  }
  producer.join();
  BackgroundProcess sync(JobArgs({"sync", "--topic", "sync_kill", "--table", table}), dir.path() + "/sync.log");
  ASSERT_TRUE(WaitFor([&] { return testing::TableRows(table) >= kRecords; }, 120000)) << LogOf(sync);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  sync.Signal(SIGTERM);
  ASSERT_EQ(sync.Wait(30000), 0) << LogOf(sync);

  DeltaRsView v = ReadWithDeltaRs(table);
  EXPECT_EQ(v.rows, kRecords) << "after " << kills << " kills";
  EXPECT_EQ(v.distinct, kRecords);
  EXPECT_TRUE(v.contiguous);
}

TEST(SyncJob, ResumesFromTheTablesTxnVersionsNotFromGroupOffsets) {
  SharedBroker().CreateTopic("sync_resume", 1);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  std::vector<TestRecord> first;
  for (int i = 0; i < 5; ++i) first.push_back({0, testing::VisitRecord(i), {}, {}});
  testing::Produce(SharedBroker().bootstrap(), "sync_resume", first);
  testing::SyncUntil("sync_resume", table, 5, dir.path());
  testing::Produce(SharedBroker().bootstrap(), "sync_resume", {{0, testing::VisitRecord(5), {}, {}}});
  // A new consumer group has no committed offsets; the table still knows where to resume.
  BackgroundProcess sync(JobArgs({"sync", "--topic", "sync_resume", "--table", table, "--group", "other-group",
                                  "--job-id", "reprocessor-sync"}),
                         dir.path() + "/sync2.log");
  ASSERT_TRUE(WaitFor([&] { return testing::TableRows(table) >= 6; }, 60000)) << LogOf(sync);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  sync.Signal(SIGTERM);
  ASSERT_EQ(sync.Wait(30000), 0) << LogOf(sync);
  DeltaRsView v = ReadWithDeltaRs(table);
  EXPECT_EQ(v.rows, 6);
  EXPECT_EQ(v.distinct, 6);
}

TEST(SyncJob, KeepsEveryRecordAndSendsInvalidUtf8ToTheDeadLetterTable) {
  SharedBroker().CreateTopic("sync_bad", 1);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  const std::string big = R"({"event_id":")" + std::string(1000000, 'x') + R"(","event_time":"2025-01-02T03:04:05"})";
  testing::Produce(SharedBroker().bootstrap(), "sync_bad",
                   {{0, "not json", {}, {}},                                         // 0
                    {0, "[1,2]", {}, {}},                                            // 1
                    {0, R"({"event_id":"no-time"})", {}, {}},                        // 2
                    {0, R"({"event_id":5,"visit_id":"x","event_time":true})", {}, {}},  // 3
                    {0, std::string("\xc3\x28 bad utf8"), {}, {}},                   // 4 -> DLQ table
                    {0, std::nullopt, std::string("key"), {}},                       // 5 tombstone
                    {0, big, {}, {}},                                                // 6
                    {0, testing::VisitRecord(7), {}, {}}});                          // 7
  testing::SyncUntil("sync_bad", table, 7, dir.path());

  auto rows = testing::RunProcess({testing::ReprocessorBinary(), "read-table", "--table", table, "--format", "jsonl"});
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  std::vector<std::string> lines;
  std::istringstream in(rows.out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 7u) << rows.out.substr(0, 2000);
  EXPECT_NE(lines[0].find(R"("value":"not json","partition":0,"offset":0,"year":null,"month":null,"day":null,"hour":null)"),
            std::string::npos) << lines[0];
  EXPECT_NE(lines[2].find(R"("offset":2,"year":null)"), std::string::npos) << lines[2];
  EXPECT_NE(lines[4].find(R"("value":null,"partition":0,"offset":5,"year":null)"), std::string::npos) << lines[4];
  EXPECT_NE(lines[5].find(R"("offset":6,"year":2025,"month":1,"day":2,"hour":3)"), std::string::npos);
  EXPECT_NE(lines[6].find(R"("offset":7,"year":2025,"month":9,"day":4,"hour":0)"), std::string::npos) << lines[6];

  auto dlq = testing::RunPython(
      "from deltalake import DeltaTable\n"
      "r = DeltaTable('" + table + "_dlq').to_pyarrow_table().to_pylist()\n"
      "print(len(r), r[0]['offset'], r[0]['reason'], r[0]['value'] == b'\\xc3\\x28 bad utf8')\n");
  ASSERT_EQ(dlq.exit_code, 0) << dlq.out << dlq.err;
  EXPECT_EQ(dlq.out, "1 4 invalid_utf8 True\n");
}

TEST(SyncJob, UsesTheZoneStoredInTheTableAndRefusesAnother) {
  SharedBroker().CreateTopic("sync_zone", 1);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  testing::Produce(SharedBroker().bootstrap(), "sync_zone", {{0, testing::VisitRecord(0), {}, {}}});
  testing::SyncUntil("sync_zone", table, 1, dir.path());  // created with UTC
  auto r = testing::RunProcess(JobArgs({"sync", "--topic", "sync_zone", "--table", table, "--timezone", "Asia/Tokyo"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("UTC"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rp
