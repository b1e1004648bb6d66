// `sync` SIGKILLed at random moments while records arrive: the table ends up
// with every record exactly once, alone or with two instances in one group,
// with the classic consumer-group protocol or the consumer protocol of
// Kafka 4 (KIP-848, incremental assignments), on a local disk or on S3.
#include <gtest/gtest.h>

#include <csignal>

#include "reliability.h"
#include "support/s3_server.h"

namespace rp::reliability {
namespace {

using testing::BackgroundProcess;
using testing::SharedBroker;

constexpr int kPartitions = 3;

enum class GroupProtocol { kClassic, kConsumer };

std::vector<std::string> SyncArgs(const std::string& topic, const std::string& table,
                                  GroupProtocol protocol) {
  // Small, frequent commits, so kills land during data writes and log commits
  // alike, and frequent auto-compaction, so they land during its rewrites too. A killed member's partitions
  // move after 6 s, not 45 s: set by the client in the classic protocol, by the test broker in the consumer
  // one (group.consumer.session.timeout.ms; clients may not set it there).
  return testing::JobArgs(
      {"sync",
       "--topic",
       topic,
       "--table",
       table,
       "--timezone",
       "UTC",
       "--group",
       "rel-" + topic,
       "--job-id",
       "rel-" + topic,
       "--max-batch-records",
       "2000",
       "--max-batch-ms",
       "100",
       "--compact-interval-ms",
       "500",
       "--compact-min-files",
       "3",
       "-X",
       protocol == GroupProtocol::kClassic ? "session.timeout.ms=6000" : "group.protocol=consumer"});
}

// Where the scenario's table lives: a temp dir unless `location` is set (an
// s3:// table, reached through `access`).
struct Target {
  std::string location;
  TableAccess access;
  int kills = 0;  // 0: the scale's default
  double produce_seconds_per_kill = 8.0;
};

// Kills, then lets `instances` clean runs finish the topic, then checks the
// table with delta-rs: `records` rows, unique (partition, offset), none missing.
void RunSyncKillScenario(const std::string& name, int instances,
                         GroupProtocol protocol = GroupProtocol::kClassic, const Target& target = {}) {
  const std::string topic = "rel_" + name;
  SharedBroker().CreateTopic(topic, kPartitions);
  testing::TempDir dir;
  const std::string table = target.location.empty() ? dir.path() + "/table" : target.location;
  const TableAccess& access = target.access;
  const int64_t records = Scaled<int64_t>(20000, 200000);
  KillPlan plan;
  plan.kills = target.kills > 0 ? target.kills : Scaled(6, 20);
  // Working kills count from the assignment (the first commit, of the
  // downtime's backlog, is under way) or from the run's first commit (the
  // run has advanced the table and is still catching up).
  plan.ready = {"kafka: assigned ", "INFO sync: version "};
  plan.progress = "INFO sync: version ";
  std::mt19937 rng(Seed());
  Stopwatch clock;

  // Records keep arriving over about as long as the kills take.
  const double produce_seconds = plan.kills * target.produce_seconds_per_kill / instances;
  PacedProducer producer(topic, kPartitions, records, produce_seconds);
  std::vector<std::string> args = SyncArgs(topic, table, protocol);
  args.insert(args.end(), access.args.begin(), access.args.end());
  KillStats kills =
      RunUnderKills(std::vector<std::vector<std::string>>(instances, args), plan, &rng, dir.path() + "/sync");
  producer.Join();

  std::vector<std::unique_ptr<BackgroundProcess>> finals;
  for (int i = 0; i < instances; ++i) {
    finals.push_back(
        std::make_unique<BackgroundProcess>(args, dir.path() + "/sync-final-" + std::to_string(i) + ".log"));
  }
  const bool caught_up = testing::WaitFor([&] { return testing::TableRows(table, access.args) >= records; },
                                          Scaled(240000, 900000));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // would a duplicate still land?
  for (auto& f : finals) f->Signal(SIGTERM);
  for (auto& f : finals) EXPECT_EQ(f->Wait(60000), 0) << LogTail(f->log_path());
  ASSERT_TRUE(caught_up) << "table has " << testing::TableRows(table, access.args) << " of " << records
                         << " rows\n"
                         << LogTail(finals[0]->log_path());

  Cover cover = CheckCover(DeltaRsKeys(table, access), RoundRobinOffsets(records, kPartitions));
  PrintFigures({"sync-kill-" + name, kills.runs + instances, kills.kills, cover.rows, cover.duplicates,
                cover.losses, clock.Seconds(),
                "instances=" + std::to_string(instances) +
                    " kills_while_working=" + std::to_string(kills.kills_while_working) +
                    " commits_by_killed_runs=" + std::to_string(kills.progress) +
                    " orphan_files=" + std::to_string(OrphanDataFiles(table, access)) +
                    (target.location.empty() ? "" : " storage=s3")});
  EXPECT_GE(kills.kills, plan.kills);
  EXPECT_EQ(cover.duplicates, 0);
  EXPECT_EQ(cover.losses, 0);
  EXPECT_EQ(cover.foreign, 0);
  EXPECT_EQ(cover.rows, records);
  EXPECT_EQ(testing::TableRows(table, access.args), records);  // our own stats agree with delta-rs
}

TEST(SyncUnderSigkill, OneInstanceKilledAtRandomStoresEveryRecordExactlyOnce) {
  RunSyncKillScenario("single", 1);
}

TEST(SyncUnderSigkill, TwoInstancesOfOneGroupKilledIndependentlyStoreEveryRecordExactlyOnce) {
  RunSyncKillScenario("pair", 2);
}

TEST(SyncUnderSigkill, TwoInstancesWithTheConsumerGroupProtocolStoreEveryRecordExactlyOnce) {
  RunSyncKillScenario("pair_kip848", 2, GroupProtocol::kConsumer);
}

// The same on an s3://bucket/prefix table (a real S3 server; commits are
// conditional PUTs, data files multipart uploads), killed at least 10 times.
TEST(SyncUnderSigkillOnS3, OneInstanceKilledAtRandomStoresEveryRecordExactlyOnce) {
  const testing::S3Server& s3 = testing::S3Server::Get();
  ASSERT_EQ(s3.error(), "");
  ASSERT_EQ(s3.CreateBucket("rel-sync-kill"), "");
  Target target;
  target.location = "s3://rel-sync-kill/raw/visits";
  target.access = {s3.StorageArgs(), s3.DeltaRsOptions(), s3.BucketDir("rel-sync-kill") + "/raw/visits"};
  target.kills = Scaled(10, 20);
  target.produce_seconds_per_kill = 4.0;
  RunSyncKillScenario("single_s3", 1, GroupProtocol::kClassic, target);
}

}  // namespace
}  // namespace rp::reliability
