// `stream --delivery exactly-once`, SIGKILLed and restarted: a read_committed
// consumer sees each input exactly once.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <random>
#include <thread>

#include "support/jobs.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::HeaderValue;
using testing::JobArgs;
using testing::SharedBroker;

TEST(StreamExactlyOnce, KilledAndRestartedGivesEachInputExactlyOnceToReadCommittedReaders) {
  SharedBroker().CreateTopic("eos_in", 2);
  SharedBroker().CreateTopic("eos_out", 2);
  testing::TempDir dir;
  constexpr int kRecords = 2000;
  std::thread producer([] {
    for (int i = 0; i < kRecords; i += 50) {
      std::vector<testing::TestRecord> batch;
      for (int k = i; k < i + 50; ++k) batch.push_back({k % 2, testing::VisitRecord(k), {}, {}});
      testing::Produce(SharedBroker().bootstrap(), "eos_in", batch);
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  });
  const auto args = JobArgs({"stream", "--input-topic", "eos_in", "--output-topic", "eos_out", "--group", "eos",
                             "--delivery", "exactly-once", "--max-batch-records", "100",
                             "-X", "session.timeout.ms=6000"});
  std::mt19937 rng(7);
  for (int kill = 0; kill < 4; ++kill) {
    BackgroundProcess job(args, dir.path() + "/stream.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500 + rng() % 1000));
    job.Signal(SIGKILL);
    job.Wait(10000);
  }
  producer.join();
  BackgroundProcess job(args, dir.path() + "/stream.log");
  auto committed = [] { return testing::ReadAll(SharedBroker().bootstrap(), "eos_out", /*read_committed=*/true); };
  ASSERT_TRUE(testing::WaitFor([&] { return committed().size() >= kRecords; }, 120000)) << testing::LogOf(job);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // would any duplicate still arrive?
  job.Signal(SIGTERM);
  ASSERT_EQ(job.Wait(30000), 0) << testing::LogOf(job);

  std::map<std::string, int> seen;
  for (const auto& r : committed()) seen[*HeaderValue(r, "source-partition") + "/" + *HeaderValue(r, "source-offset")]++;
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRecords));
  int duplicates = 0;
  for (const auto& [k, n] : seen) duplicates += n - 1;
  EXPECT_EQ(duplicates, 0);
}

}  // namespace
}  // namespace rp
