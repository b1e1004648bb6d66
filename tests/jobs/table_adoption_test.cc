// Whose raw table it is for a sync job, and the highest offset per partition
// that adopting it finds: from statistics when they are exact, else from the
// rows (the integration test adopts a delta-rs table end to end).
#include "jobs/table_adoption.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "delta/data_file_writer.h"
#include "support/process.h"

namespace rp::jobs {
namespace {

using Row = std::tuple<std::string, int32_t, int64_t>;  // topic, partition, offset

class TableAdoption : public ::testing::Test {
 protected:
  void Open(RawLayout layout) {
    layout_ = layout;
    RawTableSettings settings;
    settings.layout = layout;
    settings.time_zone = "UTC";
    auto table = delta::Table::Create(dir_.path(), *RawTableSchema(layout), RawTablePartitionColumns(),
                                      RawTableConfiguration(settings));
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = std::move(*table);
  }

  // One commit of one data file holding `rows` (no event time: null partitions).
  void Append(const std::vector<Row>& rows, const std::map<std::string, int64_t>& txns = {}) {
    RawBatchBuilder builder(layout_, *logic::EventTimeSpec::Parse("json:/event_time"),
                            logic::TimeZone::Utc());
    for (const auto& [topic, partition, offset] : rows) {
      kafka::MessageView r;
      r.topic = topic;
      r.partition = partition;
      r.offset = offset;
      r.value = "x";
      ASSERT_TRUE(builder.Append(r).ok());
    }
    auto batch = builder.Finish();
    ASSERT_TRUE(batch.ok());
    auto adds = delta::WriteDataFiles(*table_->storage(), RawTablePartitionColumns(), **batch);
    ASSERT_TRUE(adds.ok()) << adds.status().ToString();
    delta::Transaction txn = table_->NewTransaction();
    txn.AddFiles(std::move(*adds));
    for (const auto& [app_id, version] : txns) txn.SetTxn(app_id, version);
    ASSERT_TRUE(txn.Commit("WRITE").ok());
  }

  MaxOffsets Find(const std::string& topic) {
    MaxOffsetFinder finder(table_->storage(), layout_, topic);
    auto found = finder.Find(*table_->snapshot());
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() ? *found : MaxOffsets{};
  }

  testing::TempDir dir_;
  RawLayout layout_ = RawLayout::kSeed;
  std::unique_ptr<delta::Table> table_;
};

TEST_F(TableAdoption, ATableIsOursOnlyWithATxnOfOurJobForOurTopic) {
  Open(RawLayout::kSeed);
  EXPECT_EQ(ClassifyRawTable(*table_->snapshot(), "job", "visits"), TableOwnership::kNew);
  Append({{"visits", 0, 5}});
  EXPECT_EQ(ClassifyRawTable(*table_->snapshot(), "job", "visits"), TableOwnership::kForeign);
  // Another job, and our job for another topic, are not ours.
  Append({}, {{SyncAppId("other-job", "visits", 0), 5}, {SyncAppId("job", "clicks", 3), 9}});
  EXPECT_EQ(ClassifyRawTable(*table_->snapshot(), "job", "visits"), TableOwnership::kForeign);
  EXPECT_EQ(SyncJobsInTable(*table_->snapshot(), "visits"), std::vector<std::string>{"other-job"});
  auto error = ForeignTableError(*table_->snapshot(), "/t", "job", "visits");
  EXPECT_TRUE(error.IsInvalidArgument());
  EXPECT_EQ(error.message().find('\n'), std::string::npos);
  EXPECT_NE(
      error.message().find("holds 1 rows in 1 files but no positions of sync job 'job' for topic 'visits' "
                           "(it holds those of job other-job)"),
      std::string::npos)
      << error.message();
  // A txn of ours for any one partition makes it ours.
  Append({}, {{SyncAppId("job", "visits", 7), 1}});
  EXPECT_EQ(ClassifyRawTable(*table_->snapshot(), "job", "visits"), TableOwnership::kOurs);
  EXPECT_EQ(ClassifyRawTable(*table_->snapshot(), "jo", "visits"), TableOwnership::kForeign);
}

TEST_F(TableAdoption, StatisticsServeFilesOfOnePartitionAndRowsAreReadForTheRest) {
  Open(RawLayout::kSeed);
  Append({{"visits", 0, 3}, {"visits", 0, 9}, {"visits", 0, 4}});   // one partition: stats
  Append({{"visits", 1, 20}, {"visits", 2, 7}, {"visits", 1, 2}});  // two: read
  Append({{"visits", 2, 6}});
  MaxOffsets max = Find("visits");
  EXPECT_EQ(max.by_partition, (std::map<int32_t, int64_t>{{0, 9}, {1, 20}, {2, 7}}));
  EXPECT_EQ(max.files_from_stats, 2);
  EXPECT_EQ(max.files_read, 1);
}

TEST_F(TableAdoption, TheKafkaLayoutCountsOnlyRowsOfTheTopic) {
  Open(RawLayout::kKafka);
  Append({{"visits", 0, 3}});                     // stats: our topic
  Append({{"clicks", 0, 50}});                    // stats: another topic only
  Append({{"visits", 1, 4}, {"clicks", 1, 90}});  // read: both
  MaxOffsets max = Find("visits");
  EXPECT_EQ(max.by_partition, (std::map<int32_t, int64_t>{{0, 3}, {1, 4}}));
  EXPECT_EQ(max.files_from_stats, 2);
  EXPECT_EQ(max.files_read, 1);
}

TEST_F(TableAdoption, AdoptingRecordsTheOffsetsAsTxnsInOneCommitAndOnlyOnce) {
  Open(RawLayout::kSeed);
  Append({{"visits", 0, 3}, {"visits", 1, 8}});
  const int64_t before = table_->snapshot()->version();
  auto adopted = AdoptRawTable(table_.get(), RawLayout::kSeed, "job", "visits");
  ASSERT_TRUE(adopted.ok()) << adopted.status().ToString();
  EXPECT_EQ(adopted->version, before + 1);
  EXPECT_EQ(adopted->last_offsets, (std::map<int32_t, int64_t>{{0, 3}, {1, 8}}));
  // `table_` sees the commit: no new files, our txns.
  EXPECT_EQ(table_->snapshot()->version(), before + 1);
  EXPECT_EQ(table_->snapshot()->num_files(), 1);
  EXPECT_EQ(table_->snapshot()->TxnVersion(SyncAppId("job", "visits", 0)), 3);
  EXPECT_EQ(table_->snapshot()->TxnVersion(SyncAppId("job", "visits", 1)), 8);
  EXPECT_EQ(ClassifyRawTable(*table_->snapshot(), "job", "visits"), TableOwnership::kOurs);
  // A second adopter of the same job finds the table taken.
  auto again = AdoptRawTable(table_.get(), RawLayout::kSeed, "job", "visits");
  EXPECT_TRUE(again.status().IsConflict()) << again.status().ToString();
  EXPECT_EQ(table_->snapshot()->version(), before + 1);
}

}  // namespace
}  // namespace rp::jobs
