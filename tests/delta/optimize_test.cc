// Compaction: small files of a partition become one, rows in (partition,
// offset) order, nothing changes for readers, and the log says no data changed.
#include "delta/optimize.h"

#include <gtest/gtest.h>

#include <set>

#include "data_test_util.h"
#include "delta/action_json.h"
#include "delta/data_file_path.h"
#include "delta/data_file_writer.h"
#include "delta/log_paths.h"
#include "delta/scan.h"
#include "delta/table.h"
#include "delta/table_sort.h"
#include "log_test_util.h"

namespace rp::delta {
namespace {

using data_testing::SeedBatch;
using data_testing::SeedPartitionColumns;
using data_testing::SeedRow;
using data_testing::SeedSchema;
using data_testing::TempDir;
using data_testing::VisitJson;

// One commit per call: rows for Kafka partitions 0 and 1 in hours 7 and 8,
// offsets from `first`, as a sync batch would write them (interleaved).
void AppendBatch(Table* table, int64_t first, int rows) {
  std::vector<SeedRow> batch;
  for (int i = 0; i < rows; ++i) {
    const int32_t partition = i % 2;
    const int64_t offset = first + i / 2;
    batch.push_back({VisitJson(partition, offset), partition, offset, 2025, 9, 4, 7 + (i % 4 < 2 ? 0 : 1)});
  }
  auto adds = WriteDataFiles(*table->storage(), SeedPartitionColumns(), *SeedBatch(batch));
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  Transaction txn = table->NewTransaction();
  txn.AddFiles(std::move(*adds));
  ASSERT_TRUE(txn.Commit("STREAMING UPDATE").ok());
}

std::shared_ptr<arrow::Table> AllRows(const Table& table) {
  std::vector<AddFile> files;
  for (const auto& [path, add] : table.snapshot()->files()) files.push_back(add);
  ScanSpec spec;
  spec.storage = table.storage();
  spec.schema = table.snapshot()->schema();
  spec.partition_columns = table.snapshot()->partition_columns();
  auto result = Scan(files, spec);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  auto rows = SortTable(*result->ToTable(), {"partition", "offset"});
  EXPECT_TRUE(rows.ok());
  return *rows;
}

std::unique_ptr<Table> SmallFilesTable(const std::string& path) {
  auto table = Table::Create(path, *SeedSchema(), SeedPartitionColumns(), {}, testing::NoCheckpoints());
  EXPECT_TRUE(table.ok());
  for (int b = 0; b < 5; ++b) AppendBatch(table->get(), b * 10, 20);  // 5 commits x 2 hours = 10 files
  return std::move(*table);
}

TEST(Optimize, EachPartitionsSmallFilesBecomeOneFileWithTheSameRows) {
  TempDir dir;
  auto table = SmallFilesTable(dir.path());
  ASSERT_EQ(table->snapshot()->num_files(), 10);
  const auto before = AllRows(*table);

  OptimizeOptions options;
  options.sort_columns = {"partition", "offset"};
  auto metrics = Optimize(table.get(), options);
  ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
  EXPECT_EQ(metrics->version, 6);
  EXPECT_EQ(metrics->partitions, 2);
  EXPECT_EQ(metrics->files_removed, 10);
  EXPECT_EQ(metrics->files_added, 2);
  EXPECT_EQ(metrics->rows, 100);
  EXPECT_EQ(table->snapshot()->num_files(), 2);
  EXPECT_TRUE(AllRows(*table)->Equals(*before)) << "readers see exactly the same rows";

  // Every action of the commit says no data changed.
  auto commit = ParseCommitFile(testing::ReadFile(dir.path() + "/_delta_log/" + CommitFileName(6)), "6.json");
  ASSERT_TRUE(commit.ok());
  EXPECT_EQ(commit->commit_info->operation, "OPTIMIZE");
  for (const auto& r : commit->removes) EXPECT_FALSE(r.data_change);
  for (const auto& a : commit->adds) EXPECT_FALSE(a.data_change);

  // Each new file holds its rows in (partition, offset) order.
  for (const auto& [path, add] : table->snapshot()->files()) {
    auto key = DataFileKey(add.path);
    ASSERT_TRUE(key.ok() && *key);
    auto file = data_testing::ReadParquet(dir.path() + "/" + **key);
    auto sorted = SortTable(file, {"partition", "offset"});
    ASSERT_TRUE(sorted.ok());
    EXPECT_TRUE(file->Equals(**sorted)) << path;
  }
}

// Auto-compaction's rule: a grown file is not rewritten for a few small
// files; it joins once the small files together are half as large as it.
TEST(Optimize, TieredSelectionLeavesAFileLargerThanTheSmallOnesTogetherAlone) {
  TempDir dir;
  auto created =
      Table::Create(dir.path(), *SeedSchema(), SeedPartitionColumns(), {}, testing::NoCheckpoints());
  ASSERT_TRUE(created.ok());
  auto& table = *created;
  AppendBatch(table.get(), 0, 4000);  // one large file per hour
  std::set<std::string> large;
  for (const auto& [path, add] : table->snapshot()->files()) large.insert(path);
  for (int b = 0; b < 5; ++b) AppendBatch(table.get(), 10000 + b * 10, 20);  // 10 small files
  int64_t small_bytes = 0, large_bytes = 0;
  for (const auto& [path, add] : table->snapshot()->files())
    (large.count(path) ? large_bytes : small_bytes) += add.size;
  ASSERT_GT(large_bytes, 2 * small_bytes) << "the test needs the large files to outweigh the small ones";
  const auto before = AllRows(*table);

  OptimizeOptions options;
  options.sort_columns = {"partition", "offset"};
  options.tiered = true;
  // Below target / 64 every file joins: keep the small ones above it, the
  // large ones below the target.
  options.target_file_size = 64 * (small_bytes / 10 - 256);
  ASSERT_LT(large_bytes / 2, options.target_file_size);
  auto tiered = Optimize(table.get(), options);
  ASSERT_TRUE(tiered.ok()) << tiered.status().ToString();
  EXPECT_EQ(tiered->files_removed, 10);
  EXPECT_EQ(tiered->files_added, 2);
  EXPECT_EQ(table->snapshot()->num_files(), 4);
  for (const auto& path : large)
    EXPECT_TRUE(table->snapshot()->files().count(path)) << path << " was rewritten";
  EXPECT_TRUE(AllRows(*table)->Equals(*before));

  // Without tiers every small file of the partition is packed.
  options.tiered = false;
  auto all = Optimize(table.get(), options);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->files_removed, 4);
  EXPECT_EQ(table->snapshot()->num_files(), 2);
  EXPECT_TRUE(AllRows(*table)->Equals(*before));
}

TEST(Optimize, ASecondRunHasNothingToDo) {
  TempDir dir;
  auto table = SmallFilesTable(dir.path());
  ASSERT_TRUE(Optimize(table.get(), {}).ok());
  auto again = Optimize(table.get(), {});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->version.has_value());
  EXPECT_EQ(again->ToString(), "optimize: nothing to compact");
  EXPECT_EQ(table->snapshot()->version(), 6) << "nothing to do, nothing committed";
}

TEST(Optimize, WhereLimitsItToMatchingPartitions) {
  TempDir dir;
  auto table = SmallFilesTable(dir.path());
  OptimizeOptions options;
  options.where = Filter::Where({ColumnRange::Eq("hour", int64_t{8})});
  auto metrics = Optimize(table.get(), options);
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->partitions, 1);
  EXPECT_EQ(table->snapshot()->num_files(), 6) << "hour 7's five files are untouched";
}

TEST(Optimize, FilesAtTheTargetSizeAreLeftAlone) {
  TempDir dir;
  auto table = SmallFilesTable(dir.path());
  OptimizeOptions options;
  options.target_file_size = 1;  // every file is already "large"
  auto metrics = Optimize(table.get(), options);
  ASSERT_TRUE(metrics.ok());
  EXPECT_FALSE(metrics->version.has_value());
  options.target_file_size = 0;
  EXPECT_TRUE(Optimize(table.get(), options).status().IsInvalidArgument());
}

}  // namespace
}  // namespace rp::delta
