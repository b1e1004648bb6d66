// `stream` SIGKILLed at random moments while records arrive: exactly-once
// output for read_committed readers in exactly-once mode; nothing lost (and
// duplicates counted) in the default at-least-once mode.
#include <gtest/gtest.h>

#include <csignal>

#include "reliability.h"

namespace rp::reliability {
namespace {

using testing::BackgroundProcess;
using testing::SharedBroker;

constexpr int kPartitions = 3;
constexpr int kMaxBatch = 50;  // --max-batch-records

struct StreamOutcome {
  KillStats kills;
  Cover cover;
  int64_t uncommitted_reads = 0;  // records a read_uncommitted reader sees
  double seconds = 0;
};

StreamOutcome RunStreamKillScenario(const std::string& name, const std::string& delivery) {
  const std::string in = "rel_" + name + "_in", out = "rel_" + name + "_out";
  SharedBroker().CreateTopic(in, kPartitions);
  SharedBroker().CreateTopic(out, kPartitions);
  testing::TempDir dir;
  const int64_t records = Scaled<int64_t>(20000, 200000);
  const bool eos = delivery == "exactly-once";
  const auto args = testing::JobArgs({"stream", "--input-topic", in, "--output-topic", out, "--group", "rel-" + name,
                                      "--delivery", delivery, "--max-batch-records", std::to_string(kMaxBatch), "-X",
                                      "session.timeout.ms=6000"});
  KillPlan plan;
  plan.kills = Scaled(6, 20);
  std::mt19937 rng(Seed());
  Stopwatch clock;
  StreamOutcome outcome;

  PacedProducer producer(in, kPartitions, records, plan.kills * 8.0);
  outcome.kills = RunUnderKills({args}, plan, &rng, dir.path() + "/stream");
  producer.Join();

  BackgroundProcess final_run(args, dir.path() + "/stream-final.log");
  const auto expected = RoundRobinOffsets(records, kPartitions);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(Scaled(240000, 900000));
  bool caught_up = false;
  while (!caught_up && std::chrono::steady_clock::now() < deadline) {
    // Reading the whole output is not free: look every 2 s.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    caught_up = CheckCover(SourceKeys(ReadTopic(out, eos)), expected).losses == 0;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // would a duplicate still arrive?
  final_run.Signal(SIGTERM);
  EXPECT_EQ(final_run.Wait(60000), 0) << LogTail(final_run.log_path());
  EXPECT_TRUE(caught_up) << LogTail(final_run.log_path());

  outcome.cover = CheckCover(SourceKeys(ReadTopic(out, eos)), expected);
  outcome.uncommitted_reads = static_cast<int64_t>(ReadTopic(out, false).size());
  outcome.seconds = clock.Seconds();
  EXPECT_GE(outcome.kills.kills, plan.kills);
  EXPECT_EQ(outcome.cover.foreign, 0);
  EXPECT_TRUE(ReadTopic(out + "-dlq", false).empty());  // every input is a valid visit
  return outcome;
}

TEST(StreamUnderSigkill, ExactlyOnceGivesReadCommittedReadersEachInputExactlyOnce) {
  StreamOutcome o = RunStreamKillScenario("eos", "exactly-once");
  PrintFigures({"stream-kill-exactly-once", o.kills.runs + 1, o.kills.kills, o.cover.rows, o.cover.duplicates,
                o.cover.losses, o.seconds,
                "kills_while_working=" + std::to_string(o.kills.kills_while_working) +
                    " aborted_records_hidden=" + std::to_string(o.uncommitted_reads - o.cover.rows)});
  EXPECT_EQ(o.cover.losses, 0);
  EXPECT_EQ(o.cover.duplicates, 0);
}

TEST(StreamUnderSigkill, AtLeastOnceLosesNothingAndCountsDuplicates) {
  StreamOutcome o = RunStreamKillScenario("alo", "at-least-once");
  PrintFigures({"stream-kill-at-least-once", o.kills.runs + 1, o.kills.kills, o.cover.rows, o.cover.duplicates,
                o.cover.losses, o.seconds, "kills_while_working=" + std::to_string(o.kills.kills_while_working)});
  EXPECT_EQ(o.cover.losses, 0);
  // Duplicates are allowed, and bounded: a kill replays what was consumed
  // after the last commit that landed. The job keeps at most one batch's
  // worth of records unacknowledged, commits after a batch's worth was
  // consumed, and its commits are asynchronous (the last one may be lost):
  // a few batches per kill at most.
  EXPECT_LE(o.cover.duplicates, int64_t{o.kills.kills} * 6 * kMaxBatch);
}

}  // namespace
}  // namespace rp::reliability
