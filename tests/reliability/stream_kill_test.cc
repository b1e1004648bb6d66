// `stream` SIGKILLed at random moments while records arrive: exactly-once
// output for read_committed readers in exactly-once mode; nothing lost (and
// duplicates counted) in the default at-least-once mode. Alone, or several
// instances of one group whose partitions move as members die and return,
// with the classic consumer-group protocol or Kafka 4's (KIP-848).
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

enum class GroupProtocol { kClassic, kConsumer };

struct StreamScenario {
  std::string name;
  std::string delivery;
  int instances = 1;
  GroupProtocol protocol = GroupProtocol::kClassic;
  int kills = Scaled(6, 20);  // over all instances
};

StreamOutcome RunStreamKillScenario(const StreamScenario& scenario) {
  const std::string& name = scenario.name;
  const std::string in = "rel_" + name + "_in", out = "rel_" + name + "_out";
  SharedBroker().CreateTopic(in, kPartitions);
  SharedBroker().CreateTopic(out, kPartitions);
  testing::TempDir dir;
  const int64_t records = Scaled<int64_t>(20000, 200000);
  const bool eos = scenario.delivery == "exactly-once";
  // Each instance has its own --instance-id (its transactional id). A killed
  // member's partitions move after 6 s: set by the client in the classic
  // protocol, by the test broker in the consumer protocol.
  auto args_of = [&](int instance) {
    return testing::JobArgs({"stream", "--input-topic", in, "--output-topic", out, "--group", "rel-" + name,
                             "--delivery", scenario.delivery, "--instance-id", "i" + std::to_string(instance),
                             "--max-batch-records", std::to_string(kMaxBatch), "-X",
                             scenario.protocol == GroupProtocol::kClassic ? "session.timeout.ms=6000"
                                                                           : "group.protocol=consumer"});
  };
  std::vector<std::vector<std::string>> slots;
  for (int i = 0; i < scenario.instances; ++i) slots.push_back(args_of(i));
  KillPlan plan;
  plan.kills = scenario.kills;
  std::mt19937 rng(Seed());
  Stopwatch clock;
  StreamOutcome outcome;

  PacedProducer producer(in, kPartitions, records, plan.kills * 8.0 / scenario.instances);
  outcome.kills = RunUnderKills(slots, plan, &rng, dir.path() + "/stream");
  producer.Join();

  // Every instance runs once more, unkilled, until the output is complete
  // (each fences its killed predecessor's open transaction at start).
  std::vector<std::unique_ptr<BackgroundProcess>> finals;
  for (size_t i = 0; i < slots.size(); ++i) {
    finals.push_back(
        std::make_unique<BackgroundProcess>(slots[i], dir.path() + "/stream-final-" + std::to_string(i) + ".log"));
  }
  const auto expected = RoundRobinOffsets(records, kPartitions);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(Scaled(240000, 900000));
  bool caught_up = false;
  while (!caught_up && std::chrono::steady_clock::now() < deadline) {
    // Reading the whole output is not free: look every 2 s.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    caught_up = CheckCover(SourceKeys(ReadTopic(out, eos)), expected).losses == 0;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // would a duplicate still arrive?
  for (auto& f : finals) f->Signal(SIGTERM);
  for (auto& f : finals) EXPECT_EQ(f->Wait(60000), 0) << LogTail(f->log_path());
  EXPECT_TRUE(caught_up) << LogTail(finals[0]->log_path());

  outcome.cover = CheckCover(SourceKeys(ReadTopic(out, eos)), expected);
  outcome.uncommitted_reads = static_cast<int64_t>(ReadTopic(out, false).size());
  outcome.seconds = clock.Seconds();
  EXPECT_GE(outcome.kills.kills, plan.kills);
  EXPECT_EQ(outcome.cover.foreign, 0);
  EXPECT_TRUE(ReadTopic(out + "-dlq", false).empty());  // every input is a valid visit
  return outcome;
}

void ExpectExactlyOnce(const std::string& figures_name, const StreamScenario& scenario) {
  StreamOutcome o = RunStreamKillScenario(scenario);
  PrintFigures({figures_name, o.kills.runs + scenario.instances, o.kills.kills, o.cover.rows, o.cover.duplicates, o.cover.losses,
                o.seconds,
                "instances=" + std::to_string(scenario.instances) +
                    " kills_while_working=" + std::to_string(o.kills.kills_while_working) +
                    " aborted_records_hidden=" + std::to_string(o.uncommitted_reads - o.cover.rows)});
  EXPECT_EQ(o.cover.losses, 0);
  EXPECT_EQ(o.cover.duplicates, 0);
}

void ExpectAtLeastOnce(const std::string& figures_name, const StreamScenario& scenario) {
  StreamOutcome o = RunStreamKillScenario(scenario);
  PrintFigures({figures_name, o.kills.runs + scenario.instances, o.kills.kills, o.cover.rows, o.cover.duplicates, o.cover.losses,
                o.seconds,
                "instances=" + std::to_string(scenario.instances) +
                    " kills_while_working=" + std::to_string(o.kills.kills_while_working)});
  EXPECT_EQ(o.cover.losses, 0);
  // Duplicates are allowed, and bounded: a kill replays what was consumed
  // after the last commit that landed. The job keeps at most one batch's
  // worth of records unacknowledged, commits after a batch's worth was
  // consumed, and its commits are asynchronous (the last one may be lost):
  // a few batches per kill at most.
  EXPECT_LE(o.cover.duplicates, int64_t{o.kills.kills} * 6 * kMaxBatch);
}

TEST(StreamUnderSigkill, ExactlyOnceGivesReadCommittedReadersEachInputExactlyOnce) {
  ExpectExactlyOnce("stream-kill-exactly-once", {"eos", "exactly-once"});
}

TEST(StreamUnderSigkill, AtLeastOnceLosesNothingAndCountsDuplicates) {
  ExpectAtLeastOnce("stream-kill-at-least-once", {"alo", "at-least-once"});
}

// Three exactly-once instances in one group, each with its own transactional
// id, each killed at least ten times: partitions keep moving between them,
// and a zombie's late offsets are fenced by the group metadata (KIP-447).
TEST(StreamUnderSigkill, ThreeExactlyOnceInstancesKilledTenTimesEachGiveEachInputExactlyOnce) {
  ExpectExactlyOnce("stream-kill-exactly-once-3-instances",
                    {"eos3", "exactly-once", 3, GroupProtocol::kClassic, Scaled(30, 60)});
}

TEST(StreamUnderSigkill, ExactlyOnceWithTheConsumerGroupProtocolTwoInstances) {
  ExpectExactlyOnce("stream-kill-exactly-once-kip848", {"eos_kip848", "exactly-once", 2, GroupProtocol::kConsumer});
}

TEST(StreamUnderSigkill, AtLeastOnceWithTheConsumerGroupProtocolTwoInstances) {
  ExpectAtLeastOnce("stream-kill-at-least-once-kip848",
                    {"alo_kip848", "at-least-once", 2, GroupProtocol::kConsumer});
}

}  // namespace
}  // namespace rp::reliability
