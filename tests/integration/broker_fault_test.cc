// Jobs against a broker that goes away: they retry and resume when it comes
// back, and give up cleanly when it never does.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <regex>
#include <set>
#include <thread>

#include "support/jobs.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::LocalBroker;
using testing::LogOf;
using testing::WaitFor;

std::vector<std::string> Args(const LocalBroker& broker, std::vector<std::string> args) {
  args.insert(args.begin(), testing::ReprocessorBinary());
  args.push_back("-b");
  args.push_back(broker.bootstrap());
  return args;
}

TEST(BrokerFaults, SyncAndStreamRideOutATenSecondOutageAndLoseNothing) {
  LocalBroker broker;  // its own: this test stops it
  broker.CreateTopic("bf_in", 2);
  broker.CreateTopic("bf_out", 2);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  BackgroundProcess sync(Args(broker, {"sync", "--topic", "bf_in", "--table", table, "--timezone", "UTC"}),
                         dir.path() + "/sync.log");
  BackgroundProcess stream(Args(broker, {"stream", "--input-topic", "bf_in", "--output-topic", "bf_out"}),
                           dir.path() + "/stream.log");
  auto produce = [&](int from, int to) {
    std::vector<testing::TestRecord> recs;
    for (int i = from; i < to; ++i) recs.push_back({i % 2, testing::VisitRecord(i), {}, {}});
    testing::Produce(broker.bootstrap(), "bf_in", recs);
  };
  produce(0, 100);
  ASSERT_TRUE(WaitFor([&] { return testing::TableRows(table) >= 100; }, 60000)) << LogOf(sync);
  broker.Stop();
  std::this_thread::sleep_for(std::chrono::seconds(10));
  EXPECT_TRUE(sync.Running()) << LogOf(sync);
  EXPECT_TRUE(stream.Running()) << LogOf(stream);
  broker.Start();
  produce(100, 200);
  EXPECT_TRUE(WaitFor([&] { return testing::TableRows(table) >= 200; }, 90000)) << LogOf(sync);
  EXPECT_TRUE(WaitFor([&] { return testing::ReadAll(broker.bootstrap(), "bf_out").size() >= 200; }, 90000))
      << LogOf(stream);
  sync.Signal(SIGTERM);
  stream.Signal(SIGTERM);
  EXPECT_EQ(sync.Wait(30000), 0) << LogOf(sync);
  EXPECT_EQ(stream.Wait(30000), 0) << LogOf(stream);
  EXPECT_EQ(testing::TableRows(table), 200);
  std::set<std::string> sources;
  for (const auto& r : testing::ReadAll(broker.bootstrap(), "bf_out")) {
    sources.insert(*testing::HeaderValue(r, "source-partition") + "/" + *testing::HeaderValue(r, "source-offset"));
  }
  EXPECT_EQ(sources.size(), 200u);  // at-least-once: every input, duplicates allowed
  // The outage was visible in the logs.
  EXPECT_NE(LogOf(sync).find("WARN"), std::string::npos);
}

TEST(BrokerFaults, ABrokerThatNeverComesBackEndsTheJobsWithAClearErrorAndNoPartialCommit) {
  auto broker = std::make_unique<LocalBroker>();
  broker->CreateTopic("bf2_in", 1);
  broker->CreateTopic("bf2_out", 1);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  testing::Produce(broker->bootstrap(), "bf2_in", {{0, testing::VisitRecord(1), {}, {}}});
  BackgroundProcess sync(Args(*broker, {"sync", "--topic", "bf2_in", "--table", table, "--broker-timeout", "5"}),
                         dir.path() + "/sync.log");
  BackgroundProcess stream(Args(*broker, {"stream", "--input-topic", "bf2_in", "--output-topic", "bf2_out",
                                          "--broker-timeout", "5"}),
                           dir.path() + "/stream.log");
  ASSERT_TRUE(WaitFor([&] { return testing::TableRows(table) >= 1; }, 60000)) << LogOf(sync);
  broker->Stop();
  int sync_exit = sync.Wait(60000);
  int stream_exit = stream.Wait(60000);
  EXPECT_EQ(sync_exit, 1) << LogOf(sync);
  EXPECT_EQ(stream_exit, 1) << LogOf(stream);
  EXPECT_NE(LogOf(sync).find("no Kafka broker reachable"), std::string::npos) << LogOf(sync);
  EXPECT_NE(LogOf(stream).find("no Kafka broker reachable"), std::string::npos) << LogOf(stream);
  // The table is intact at its last complete commit.
  EXPECT_EQ(testing::TableRows(table), 1);
}

// A reprocess whose broker goes away, then told to stop while it waits in its
// final flush (up to 5 minutes for acknowledgements that cannot come): it ends
// within seconds, says how many records may not have been delivered, and
// exits non-zero, since its slice was not confirmed delivered.
TEST(BrokerFaults, AReprocessWhoseBrokerHasGoneStopsWithinSecondsOfSigterm) {
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  constexpr int kRows = 3000;
  testing::SharedBroker().CreateTopic("bf3_in", 3);
  std::vector<testing::TestRecord> records;
  for (int i = 0; i < kRows; ++i) records.push_back({i % 3, testing::VisitRecord(i), {}, {}});
  testing::Produce(testing::SharedBroker().bootstrap(), "bf3_in", records);
  testing::SyncUntil("bf3_in", table, kRows, dir.path());

  LocalBroker broker;  // its own: this test stops it
  broker.CreateTopic("bf3_out", 3);
  // 500 rows/s: every row is handed to the producer after ~6 s, most of them
  // after the broker has gone, so the final flush waits for acknowledgements.
  BackgroundProcess run(Args(broker, {"reprocess", "0", "100000", "--table", table, "--output-topic",
                                      "bf3_out", "--max-rate", "500"}),
                        dir.path() + "/reprocess.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(run.Running()) << LogOf(run);
  broker.Stop();
  std::this_thread::sleep_for(std::chrono::seconds(7));
  ASSERT_TRUE(run.Running()) << LogOf(run);
  const auto signalled = std::chrono::steady_clock::now();
  run.Signal(SIGTERM);
  const int exit_code = run.Wait(60000);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
  EXPECT_EQ(exit_code, 1) << LogOf(run);
  EXPECT_LT(seconds, 6.0) << LogOf(run);
  std::smatch m;
  const std::string log = LogOf(run);
  ASSERT_TRUE(
      std::regex_search(log, m, std::regex("interrupted: (\\d+) records may not have been delivered")))
      << log;
  const int undelivered = std::stoi(m[1]);
  EXPECT_GT(undelivered, 0) << log;
  EXPECT_LE(undelivered, kRows) << log;
}

}  // namespace
}  // namespace rp
