// The `reprocess` job as a real process: slices, dry runs, and running beside `stream`.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "support/jobs.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::HeaderValue;
using testing::JobArgs;
using testing::LogOf;
using testing::ReadAll;
using testing::SharedBroker;
using testing::TestRecord;
using testing::WaitFor;

// A 3-partition topic with 10 records per partition, synced into a table once
// for the whole suite.
class ReprocessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    table_ = dir_->path() + "/table";
    SharedBroker().CreateTopic("rp_in", 3);
    std::vector<TestRecord> records;
    for (int i = 0; i < 30; ++i) records.push_back({i % 3, testing::VisitRecord(i * 60), {}, {}});  // one per hour
    testing::Produce(SharedBroker().bootstrap(), "rp_in", records);
    testing::SyncUntil("rp_in", table_, 30, dir_->path());
  }
  static void TearDownTestSuite() { delete dir_; }

  // (partition, offset) pairs read back with kcat, an independent consumer.
  static std::set<std::pair<int, int>> SourcesSeenByKcat(const std::string& topic) {
    auto r = testing::RunProcess({"kcat", "-C", "-b", SharedBroker().bootstrap(), "-t", topic, "-o", "beginning",
                                  "-e", "-q", "-f", "%h\n"});
    std::set<std::pair<int, int>> seen;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      int p = -1, o = -1;
      std::istringstream fields(line);
      for (std::string kv; std::getline(fields, kv, ',');) {
        if (kv.rfind("source-partition=", 0) == 0) p = std::stoi(kv.substr(17));
        if (kv.rfind("source-offset=", 0) == 0) o = std::stoi(kv.substr(14));
      }
      seen.insert({p, o});
    }
    return seen;
  }

  static testing::TempDir* dir_;
  static std::string table_;
};
testing::TempDir* ReprocessTest::dir_ = nullptr;
std::string ReprocessTest::table_;

TEST_F(ReprocessTest, SparkJsonRangesSelectExactlyTheChosenRecordsPerPartition) {
  SharedBroker().CreateTopic("rp_out_json", 3);
  auto r = testing::RunProcess(JobArgs({"reprocess", "--table", table_, "--output-topic", "rp_out_json",
                                        "--starting-offsets", R"({"rp_in":{"0":2,"1":-2}})",
                                        "--ending-offsets", R"({"rp_in":{"0":4,"1":3,"2":-1}})"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::pair<int, int>> want = {{0, 2}, {0, 3}, {1, 0}, {1, 1}, {1, 2}};
  for (int o = 0; o < 10; ++o) want.insert({2, o});  // partition 2: whole range
  EXPECT_EQ(SourcesSeenByKcat("rp_out_json"), want);
  EXPECT_NE(r.err.find("produced 15"), std::string::npos) << r.err;
}

TEST_F(ReprocessTest, StartEndIsInclusiveOnEveryPartitionAndReadsOnlyMatchingFiles) {
  SharedBroker().CreateTopic("rp_out_range", 3);
  auto r = testing::RunProcess(JobArgs({"reprocess", "4", "5", "--table", table_, "--output-topic", "rp_out_range"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(SourcesSeenByKcat("rp_out_range"),
            (std::set<std::pair<int, int>>{{0, 4}, {0, 5}, {1, 4}, {1, 5}, {2, 4}, {2, 5}}));
  // Every record is in its own hour partition: 6 of 30 files are read.
  EXPECT_NE(r.err.find("30 total"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("6 read"), std::string::npos) << r.err;
  // Output keeps the input partition and carries the run header.
  for (const auto& rec : ReadAll(SharedBroker().bootstrap(), "rp_out_range")) {
    EXPECT_EQ(HeaderValue(rec, "source-partition"), std::to_string(rec.partition));
    EXPECT_TRUE(HeaderValue(rec, "reprocess-run").has_value());
  }
}

// Record n has event time 2025-09-04T00:00 + n hours (UTC, the table's zone):
// --since 05:00 --until 08:00 (10:00+02:00) selects records 5, 6 and 7.
std::set<std::string> RecordsFiveToSeven() {
  std::set<std::string> want;
  for (int n : {5, 6, 7}) {
    want.insert("{\"event_identifier\":\"e" + std::to_string(n * 60) + "\",\"visit_identifier\":" +
                std::to_string(n * 60) + ",\"event_time\":\"2025-09-04T0" + std::to_string(n) +
                ":00:00.000Z\",\"visited_page\":\"p" + std::to_string(n * 60) + "\"}");
  }
  return want;
}

TEST_F(ReprocessTest, SinceUntilSelectByTheStoredEventTimeAndSkipFilesByItsStatistics) {
  SharedBroker().CreateTopic("rp_out_time", 1);
  auto r = testing::RunProcess(JobArgs({"reprocess", "--table", table_, "--output-topic", "rp_out_time", "--since",
                                        "2025-09-04T05:00:00", "--until", "2025-09-04T10:00:00+02:00"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> ids;
  for (const auto& rec : ReadAll(SharedBroker().bootstrap(), "rp_out_time")) ids.insert(*rec.value);
  EXPECT_EQ(ids, RecordsFiveToSeven());
  // Partition pruning keeps a few hours of margin; event_time's min/max skip the rest.
  EXPECT_NE(r.err.find(" 3 read"), std::string::npos) << r.err;
}

TEST_F(ReprocessTest, SinceUntilOnASeedTableReadTheEventTimeFromTheValue) {
  const std::string seed_table = dir_->path() + "/seed_table";
  testing::SyncUntil("rp_in", seed_table, 30, dir_->path(), {"--layout", "seed", "--group", "rp_seed_sync"});
  SharedBroker().CreateTopic("rp_out_time_seed", 1);
  auto r = testing::RunProcess(JobArgs({"reprocess", "--table", seed_table, "--output-topic", "rp_out_time_seed",
                                        "--since", "2025-09-04T05:00:00", "--until", "2025-09-04T10:00:00+02:00"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> ids;
  for (const auto& rec : ReadAll(SharedBroker().bootstrap(), "rp_out_time_seed")) ids.insert(*rec.value);
  EXPECT_EQ(ids, RecordsFiveToSeven());
}

TEST_F(ReprocessTest, DryRunPrintsWhatWouldBeProducedAndProducesNothing) {
  SharedBroker().CreateTopic("rp_out_dry", 1);
  auto r = testing::RunProcess(JobArgs({"reprocess", "0", "0", "--table", table_, "--output-topic", "rp_out_dry",
                                        "--dry-run"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << r.out;
  EXPECT_NE(r.out.find("partition 1 offset 0 -> {\"event_identifier\":\"e60\""), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("dry run"), std::string::npos);
  EXPECT_TRUE(ReadAll(SharedBroker().bootstrap(), "rp_out_dry").empty());
}

TEST_F(ReprocessTest, BadSpecsAreUsageErrorsAndProduceNothing) {
  SharedBroker().CreateTopic("rp_out_bad", 1);
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"5", "2"},
           {"--starting-offsets", "{nope"},
           {"--starting-offsets", R"({"other":{"0":1}})"},
           {"--ending-offsets", R"({"rp_in":{"0":-2}})"},
           {}}) {
    std::vector<std::string> argv = {"reprocess", "--table", table_, "--output-topic", "rp_out_bad"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = testing::RunProcess(JobArgs(argv));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  auto missing = testing::RunProcess(JobArgs({"reprocess", "0", "1", "--table", dir_->path() + "/nope",
                                              "--output-topic", "rp_out_bad"}));
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_TRUE(ReadAll(SharedBroker().bootstrap(), "rp_out_bad").empty());
}

TEST_F(ReprocessTest, RunningBesideStreamLosesNothing) {
  SharedBroker().CreateTopic("rp_live_in", 3);
  SharedBroker().CreateTopic("rp_live_out", 3);
  BackgroundProcess stream(JobArgs({"stream", "--input-topic", "rp_live_in", "--output-topic", "rp_live_out",
                                    "--group", "rp_live"}),
                           dir_->path() + "/stream-live.log");
  std::thread producer([] {
    for (int i = 0; i < 300; i += 30) {
      std::vector<TestRecord> batch;
      for (int k = i; k < i + 30; ++k) batch.push_back({k % 3, testing::VisitRecord(k), {}, {}});
      testing::Produce(SharedBroker().bootstrap(), "rp_live_in", batch);
    }
  });
  for (int run = 0; run < 3; ++run) {
    auto r = testing::RunProcess(JobArgs({"reprocess", "0", "9", "--table", table_, "--output-topic", "rp_live_out"}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  producer.join();
  auto count = [](const std::vector<kafka::Record>& recs, bool reprocessed) {
    std::set<std::string> sources;
    for (const auto& r : recs) {
      if (HeaderValue(r, "reprocess-run").has_value() == reprocessed) {
        sources.insert(*HeaderValue(r, "source-topic") + "/" + *HeaderValue(r, "source-partition") + "/" +
                       *HeaderValue(r, "source-offset") + (reprocessed ? "/" + *HeaderValue(r, "reprocess-run") : ""));
      }
    }
    return sources.size();
  };
  ASSERT_TRUE(WaitFor([&] { return count(ReadAll(SharedBroker().bootstrap(), "rp_live_out"), false) >= 300; }, 60000))
      << LogOf(stream);
  stream.Signal(SIGTERM);
  EXPECT_EQ(stream.Wait(30000), 0);
  auto out = ReadAll(SharedBroker().bootstrap(), "rp_live_out");
  EXPECT_EQ(count(out, false), 300u);      // every live input
  EXPECT_EQ(count(out, true), 3u * 30u);   // every reprocessed row of each of the 3 runs
}

}  // namespace
}  // namespace rp
