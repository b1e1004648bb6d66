// The `reprocess` job's streaming read, through --dry-run (no broker): every
// selected row once, in offset order within each source partition, from a
// table of sync batches, late data and compacted files, with windows much
// smaller than the slice and never over their budget.
#include "jobs/reprocess_job.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "delta/data_file_writer.h"
#include "delta/optimize.h"
#include "delta/table.h"
#include "jobs/raw_table.h"
#include "logic/time_zone.h"
#include "support/process.h"

namespace rp::jobs {
namespace {

using Key = std::pair<int32_t, int64_t>;  // (partition, offset)

constexpr int kPartitions = 3;
constexpr int kCommits = 24;
constexpr int kPerPartition = 40;                         // offsets per partition per commit
constexpr int64_t kBase[kPartitions] = {0, 10'000, 500};  // partitions' first offsets
constexpr int64_t kStartMicros = 1'756'944'000'000'000;   // 2025-09-04T00:00:00Z

// Record i of a partition: an event in hour i / 80 (two commits an hour), or
// for every 9th record 5 hours earlier (late data, written into an older hour).
int64_t EventMicros(int64_t i) {
  const int64_t hour = i / 80 - (i % 9 == 4 ? 5 : 0);
  return kStartMicros + hour * 3'600'000'000 + (i % 80) * 1'000'000;
}

std::string EventText(int64_t micros) {
  const logic::CivilTime t = logic::TimeZone::Utc().ToCivil(micros);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.000000", static_cast<long long>(t.year),
                t.month, t.day, t.hour, t.minute, t.second);
  return buf;
}

class ReprocessJobStreaming : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    RawTableSettings settings;
    settings.layout = RawLayout::kKafka;
    settings.time_zone = "UTC";
    settings.source_topic = "visits";
    auto table = delta::Table::Create(dir_->path(), *RawTableSchema(settings.layout),
                                      RawTablePartitionColumns(), RawTableConfiguration(settings));
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    // As sync commits: each batch holds every partition's next offsets, in
    // arrival order, one file per event hour.
    for (int c = 0; c < kCommits; ++c) {
      RawBatchBuilder builder(settings.layout, settings.event_time, logic::TimeZone::Utc());
      std::vector<std::string> values;
      values.reserve(kPartitions * kPerPartition);
      for (int k = 0; k < kPerPartition; ++k) {
        for (int p = 0; p < kPartitions; ++p) {
          const int64_t i = static_cast<int64_t>(c) * kPerPartition + k;
          values.push_back("{\"event_id\": \"e" + std::to_string(p) + "-" + std::to_string(i) +
                           "\", \"visit_id\": 1, \"event_time\": \"" + EventText(EventMicros(i)) +
                           "\", \"page\": \"home\"}");
          kafka::MessageView r;
          r.topic = "visits";
          r.partition = p;
          r.offset = kBase[p] + i;
          r.value = values.back();
          r.timestamp_ms = 1'700'000'000'000;
          ASSERT_TRUE(builder.Append(r).ok());
          all_.push_back({{p, kBase[p] + i}, EventMicros(i)});
        }
      }
      auto batch = builder.Finish();
      ASSERT_TRUE(batch.ok());
      auto adds = delta::WriteDataFiles(*(*table)->storage(), RawTablePartitionColumns(), **batch,
                                        RawTableWriterOptions(settings.layout));
      ASSERT_TRUE(adds.ok()) << adds.status().ToString();
      delta::Transaction txn = (*table)->NewTransaction();
      txn.AddFiles(std::move(*adds));
      ASSERT_TRUE(txn.Commit("STREAMING UPDATE").ok());
    }
    // Compact the first hours as the compactor does, sorted by (partition,
    // offset): their files now hold the late records of many batches, so
    // their offset ranges are wide. The later hours stay as sync wrote them.
    delta::OptimizeOptions optimize;
    optimize.sort_columns = {"partition", "offset"};
    optimize.writer = RawTableWriterOptions(settings.layout);
    optimize.where = delta::Filter::Where({delta::ColumnRange::Le("hour", int64_t{5})});
    auto compacted = delta::Optimize(table->get(), optimize);
    ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
    ASSERT_GT(compacted->files_removed, 0);
  }
  static void TearDownTestSuite() { delete dir_; }

  // A dry run with small windows: the rows it would produce, in order.
  static std::vector<Key> DryRun(SliceArgs slice, ReprocessSummary* summary, int64_t window_rows = 64) {
    ReprocessJobOptions options;
    options.table_path = dir_->path();
    options.output.output_topic = "unused";
    options.dry_run = true;
    std::ostringstream out;
    options.dry_run_out = &out;
    options.slice = std::move(slice);
    options.window_rows = window_rows;
    std::atomic<bool> stop{false};
    auto result = RunReprocessJob(options, stop);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return {};
    *summary = *result;
    std::vector<Key> keys;
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);) {
      int p = -1;
      long long o = -1;
      EXPECT_EQ(std::sscanf(line.c_str(), "partition %d offset %lld -> {", &p, &o), 2) << line;
      EXPECT_NE(line.find("\"event_identifier\":\"e" + std::to_string(p) + "-"), std::string::npos) << line;
      keys.push_back({p, o});
    }
    return keys;
  }

  // Exactly `want`, each partition in ascending offset order.
  static void ExpectInPartitionOrder(const std::vector<Key>& got, std::vector<Key> want) {
    std::vector<Key> sorted = got;
    std::sort(sorted.begin(), sorted.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(sorted, want);
    std::map<int32_t, int64_t> last;
    for (const auto& [p, o] : got) {
      if (auto it = last.find(p); it != last.end()) {
        EXPECT_LT(it->second, o) << "partition " << p;
      }
      last[p] = o;
    }
  }

  static testing::TempDir* dir_;
  static std::vector<std::pair<Key, int64_t>> all_;  // every row: key, event time
};
testing::TempDir* ReprocessJobStreaming::dir_ = nullptr;
std::vector<std::pair<Key, int64_t>> ReprocessJobStreaming::all_;

TEST_F(ReprocessJobStreaming, TheWholeTableComesOutInOffsetOrderPerPartitionInSmallWindows) {
  ReprocessSummary summary;
  SliceArgs everything;
  everything.starting_offsets = R"({"visits":{"0":-2,"1":-2,"2":-2}})";
  std::vector<Key> got = DryRun(everything, &summary);
  std::vector<Key> want;
  for (const auto& [key, t] : all_) want.push_back(key);
  ExpectInPartitionOrder(got, want);
  EXPECT_EQ(summary.rows, static_cast<int64_t>(want.size()));
  EXPECT_EQ(summary.produced, summary.rows);
  EXPECT_LE(summary.scan.max_window_rows, 64);
  EXPECT_GE(summary.scan.windows, static_cast<int64_t>(want.size()) / 64);
  EXPECT_FALSE(summary.interrupted);
  EXPECT_EQ(summary.ToString().find("interrupted"), std::string::npos);
}

TEST_F(ReprocessJobStreaming, OffsetSlicesSelectTheirRowsPerPartition) {
  ReprocessSummary summary;
  SliceArgs slice;
  slice.starting_offsets = R"({"visits":{"0":15,"1":10300}})";
  slice.ending_offsets = R"({"visits":{"0":700,"1":10302}})";
  std::vector<Key> got = DryRun(slice, &summary);
  std::vector<Key> want;
  for (const auto& [key, t] : all_) {
    const auto [p, o] = key;
    if ((p == 0 && o >= 15 && o < 700) || (p == 1 && o >= 10300 && o < 10302) || p == 2) want.push_back(key);
  }
  ExpectInPartitionOrder(got, want);
  EXPECT_LE(summary.scan.max_window_rows, 64);

  // START END: inclusive, the same on every partition.
  SliceArgs start_end;
  start_end.start = 600;
  start_end.end = 620;
  std::vector<Key> both = DryRun(start_end, &summary);
  want.clear();
  for (const auto& [key, t] : all_) {
    if (key.second >= 600 && key.second <= 620) want.push_back(key);
  }
  ExpectInPartitionOrder(both, want);
}

TEST_F(ReprocessJobStreaming, TimeSlicesSelectByEventTimeIncludingLateRecords) {
  ReprocessSummary summary;
  SliceArgs slice;
  slice.since = "2025-09-04T03:00:00Z";
  slice.until = "2025-09-04T07:30:00Z";
  std::vector<Key> got = DryRun(slice, &summary, 32);
  const int64_t since = kStartMicros + 3 * 3'600'000'000LL,
                until = kStartMicros + 7 * 3'600'000'000LL + 1'800'000'000;
  std::vector<Key> want;
  for (const auto& [key, t] : all_) {
    if (t >= since && t < until) want.push_back(key);
  }
  ASSERT_FALSE(want.empty());
  ExpectInPartitionOrder(got, want);
  EXPECT_LE(summary.scan.max_window_rows, 32);
  EXPECT_GT(summary.files_pruned + summary.files_skipped, 0);
}

TEST_F(ReprocessJobStreaming, AStoppedRunSaysSoInItsSummary) {
  ReprocessJobOptions options;
  options.table_path = dir_->path();
  options.output.output_topic = "unused";
  options.dry_run = true;
  std::ostringstream out;
  options.dry_run_out = &out;
  options.slice.start = 0;
  options.slice.end = 1'000'000;
  std::atomic<bool> stop{true};
  auto result = RunReprocessJob(options, stop);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->interrupted);
  EXPECT_EQ(result->rows, 0);
  EXPECT_NE(result->ToString().find("; interrupted: 0 records may not have been delivered"),
            std::string::npos)
      << result->ToString();
}

}  // namespace
}  // namespace rp::jobs
