// The lag `reprocessor lag` reports, from a table's txns and a topic's
// watermarks: records after the table's last offset, none counted twice,
// none that retention already deleted, and only the given job's positions.
#include "jobs/sync_lag.h"

#include <gtest/gtest.h>

#include "jobs/raw_table.h"

namespace rp::jobs {
namespace {

// A table state at version 1 holding the given txns.
delta::Snapshot TableWith(const std::vector<delta::Txn>& txns) {
  delta::Snapshot s;
  delta::LogActions create;
  create.protocol.emplace();
  create.metadata.emplace().schema_string = R"({"type":"struct","fields":[]})";
  EXPECT_TRUE(s.Apply(0, create).ok());
  delta::LogActions commit;
  commit.txns = txns;
  EXPECT_TRUE(s.Apply(1, commit).ok());
  return s;
}

TEST(SyncLag, CountsTheRecordsAfterTheTablesLastOffsetPerPartition) {
  const delta::Snapshot table = TableWith({{SyncAppId("job", "visits", 0), 9, 1000},
                                           {SyncAppId("job", "visits", 1), 4, 2000},
                                           {SyncAppId("other", "visits", 2), 50, 3000}});
  // Partition 0: offsets 0..14, the table holds up to 9. Partition 1: caught
  // up. Partition 2: only another job's position, so nothing of ours yet.
  const SyncLag lag = ComputeSyncLag(table, "job", "visits", {{0, {0, 15}}, {1, {0, 5}}, {2, {3, 8}}});
  EXPECT_EQ(lag.topic, "visits");
  EXPECT_EQ(lag.job_id, "job");
  EXPECT_EQ(lag.table_version, 1);
  ASSERT_EQ(lag.partitions.size(), 3u);
  EXPECT_EQ(lag.partitions[0].partition, 0);
  EXPECT_EQ(lag.partitions[0].end_offset, 15);
  EXPECT_EQ(lag.partitions[0].committed_offset, 9);
  EXPECT_EQ(lag.partitions[0].lag, 5);
  EXPECT_EQ(lag.partitions[0].last_commit_ms, 1000);
  EXPECT_EQ(lag.partitions[1].lag, 0);
  EXPECT_EQ(lag.partitions[1].last_commit_ms, 2000);
  EXPECT_EQ(lag.partitions[2].committed_offset, std::nullopt);
  EXPECT_EQ(lag.partitions[2].last_commit_ms, std::nullopt);
  EXPECT_EQ(lag.partitions[2].lag, 5);  // sync would start at the first offset still there, 3
  EXPECT_EQ(lag.total_lag, 10);
}

TEST(SyncLag, RecordsRetentionDeletedBeforeTheTableGotThemAreNotLag) {
  // The table holds up to offset 9, the topic now starts at 20: 10..19 are gone.
  const SyncLag lag =
      ComputeSyncLag(TableWith({{SyncAppId("job", "visits", 0), 9, 1}}), "job", "visits", {{0, {20, 25}}});
  EXPECT_EQ(lag.partitions[0].lag, 5);
}

TEST(SyncLag, ATableAheadOfTheWatermarkHasNoNegativeLag) {
  // read_committed ends at the last stable offset, which an open transaction holds back.
  const SyncLag lag =
      ComputeSyncLag(TableWith({{SyncAppId("job", "visits", 0), 30, 1}}), "job", "visits", {{0, {0, 25}}});
  EXPECT_EQ(lag.partitions[0].lag, 0);
  EXPECT_EQ(lag.total_lag, 0);
}

TEST(SyncLag, AnotherTopicsPositionsAreNotThisOnes) {
  const SyncLag lag =
      ComputeSyncLag(TableWith({{SyncAppId("job", "clicks", 0), 30, 1}}), "job", "visits", {{0, {0, 25}}});
  EXPECT_EQ(lag.partitions[0].committed_offset, std::nullopt);
  EXPECT_EQ(lag.partitions[0].lag, 25);
}

}  // namespace
}  // namespace rp::jobs
