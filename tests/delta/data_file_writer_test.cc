#include "delta/data_file_writer.h"

#include <arrow/api.h>
#include <parquet/arrow/reader.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "data_test_util.h"
#include "delta/file_stats.h"
#include "delta/partition_path.h"

namespace rp::delta {
namespace {

using data_testing::ReadParquet;
using data_testing::SeedBatch;
using data_testing::SeedPartitionColumns;
using data_testing::SeedRow;
using data_testing::StorageAt;
using data_testing::TempDir;
using data_testing::VisitJson;

std::string LocalPath(const TempDir& dir, const AddFile& add) {
  return dir.path() + "/" + UriDecodePath(add.path).ValueOr("?");
}

std::vector<SeedRow> Rows(int32_t partition, int64_t first_offset, int count, int32_t hour) {
  std::vector<SeedRow> rows;
  for (int i = 0; i < count; ++i) {
    int64_t offset = first_offset + i;
    rows.push_back({VisitJson(partition, offset), partition, offset, 2025, 9, 4, hour});
  }
  return rows;
}

std::vector<SeedRow> Concat(std::vector<std::vector<SeedRow>> parts) {
  std::vector<SeedRow> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(DataFileWriter, WritesOneFilePerPartitionInHiveDirectories) {
  TempDir dir;
  auto batch = SeedBatch(Concat({Rows(0, 0, 3, 7), Rows(0, 3, 2, 8)}));
  auto adds = WriteDataFiles(*StorageAt(dir.path()), SeedPartitionColumns(), *batch);
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  ASSERT_EQ(adds->size(), 2u);
  const AddFile& first = (*adds)[0];
  EXPECT_EQ(first.path.rfind("year=2025/month=9/day=4/hour=7/part-00000-", 0), 0u) << first.path;
  EXPECT_TRUE(first.path.ends_with(".c000.snappy.parquet"));
  EXPECT_EQ((*adds)[1].path.rfind("year=2025/month=9/day=4/hour=8/part-00001-", 0), 0u) << (*adds)[1].path;
  PartitionValues expected = {{"year", "2025"}, {"month", "9"}, {"day", "4"}, {"hour", "7"}};
  EXPECT_EQ(first.partition_values, expected);
  EXPECT_TRUE(first.data_change);
}

TEST(DataFileWriter, AddFileDescribesTheFileOnDisk) {
  TempDir dir;
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  auto adds = WriteDataFiles(*StorageAt(dir.path()), SeedPartitionColumns(), *SeedBatch(Rows(1, 10, 4, 7)));
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  ASSERT_EQ(adds->size(), 1u);
  const AddFile& add = (*adds)[0];
  std::string path = LocalPath(dir, add);
  EXPECT_EQ(add.size, static_cast<int64_t>(std::filesystem::file_size(path)));
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(add.modification_time, st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000);
  EXPECT_GE(add.modification_time, before - 2000);

  ASSERT_TRUE(add.stats.has_value());
  auto stats = ParseFileStats(*add.stats);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->num_records, 4);
  EXPECT_EQ(stats->columns["offset"].min, StatValue(int64_t{10}));
  EXPECT_EQ(stats->columns["offset"].max, StatValue(int64_t{13}));
  EXPECT_EQ(stats->columns["partition"].min, StatValue(int64_t{1}));
  // Partition columns get no stats.
  EXPECT_FALSE(stats->columns.count("year"));
  EXPECT_FALSE(stats->columns.count("hour"));
}

TEST(DataFileWriter, FilesHoldExactlyTheRowsWithoutPartitionColumnsInInputOrder) {
  TempDir dir;
  // Hours interleave, so each file gathers non-adjacent rows.
  std::vector<SeedRow> rows;
  for (int i = 0; i < 50; ++i) rows.push_back({VisitJson(i % 2, i), i % 2, 1000 - i, 2025, 9, 4, 7 + i % 3});
  auto adds = WriteDataFiles(*StorageAt(dir.path()), SeedPartitionColumns(), *SeedBatch(rows));
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  ASSERT_EQ(adds->size(), 3u);
  for (int h = 0; h < 3; ++h) {
    const AddFile& add = (*adds)[h];
    EXPECT_EQ(add.partition_values.at("hour"), std::to_string(7 + h));
    auto table = ReadParquet(LocalPath(dir, add));
    ASSERT_TRUE(table);
    auto expected_schema = arrow::schema({arrow::field("value", arrow::utf8()),
                                          arrow::field("partition", arrow::int32()),
                                          arrow::field("offset", arrow::int64())});
    EXPECT_TRUE(table->schema()->Equals(*expected_schema)) << table->schema()->ToString();
    std::vector<SeedRow> mine;
    for (int i = h; i < 50; i += 3) mine.push_back(rows[i]);
    auto expected = SeedBatch(mine);
    auto expected_table = arrow::Table::Make(expected_schema, {expected->column(0), expected->column(1),
                                                               expected->column(2)});
    EXPECT_TRUE(table->Equals(*expected_table));
  }
}

TEST(DataFileWriter, FilesAreSnappyParquet) {
  TempDir dir;
  auto adds = WriteDataFiles(*StorageAt(dir.path()), SeedPartitionColumns(), *SeedBatch(Rows(0, 0, 10, 7)));
  ASSERT_TRUE(adds.ok());
  auto in = arrow::io::ReadableFile::Open(LocalPath(dir, (*adds)[0])).ValueOrDie();
  auto reader = parquet::arrow::OpenFile(in, arrow::default_memory_pool()).ValueOrDie();
  auto meta = reader->parquet_reader()->metadata();
  for (int c = 0; c < meta->num_columns(); ++c) {
    EXPECT_EQ(meta->RowGroup(0)->ColumnChunk(c)->compression(), parquet::Compression::SNAPPY);
  }
}

TEST(DataFileWriter, NullPartitionValueGoesToTheHiveDefaultPartition) {
  TempDir dir;
  std::vector<SeedRow> rows = {{"a", 0, 0, 2025, 9, 4, std::nullopt}, {"b", 0, 1, 2025, 9, 4, 7}};
  auto adds = WriteDataFiles(*StorageAt(dir.path()), SeedPartitionColumns(), *SeedBatch(rows));
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  ASSERT_EQ(adds->size(), 2u);
  EXPECT_EQ((*adds)[0].path.rfind("year=2025/month=9/day=4/hour=__HIVE_DEFAULT_PARTITION__/", 0), 0u);
  EXPECT_FALSE((*adds)[0].partition_values.at("hour").has_value());
  EXPECT_TRUE(std::filesystem::exists(LocalPath(dir, (*adds)[0])));
}

TEST(DataFileWriter, SpecialCharactersAreHiveEscapedOnDiskAndUriEncodedInTheLog) {
  TempDir dir;
  arrow::StringBuilder tag, value;
  ASSERT_TRUE(tag.Append("a:b c/é").ok());
  ASSERT_TRUE(value.Append("x").ok());
  auto schema = arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("tag", arrow::utf8())});
  auto batch = arrow::RecordBatch::Make(schema, 1, {value.Finish().ValueOrDie(), tag.Finish().ValueOrDie()});
  auto adds = WriteDataFiles(*StorageAt(dir.path()), {"tag"}, *batch);
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  const AddFile& add = (*adds)[0];
  EXPECT_EQ(add.partition_values.at("tag"), "a:b c/é");
  EXPECT_EQ(add.path.rfind("tag=a%253Ab%20c%252F%C3%A9/part-", 0), 0u) << add.path;
  EXPECT_TRUE(std::filesystem::is_directory(std::filesystem::path(dir.path()) / "tag=a%3Ab c%2Fé"));
  EXPECT_TRUE(std::filesystem::exists(LocalPath(dir, add)));
}

TEST(DataFileWriter, LargePartitionsAreSplitByRowLimit) {
  TempDir dir;
  DataFileWriterOptions options;
  options.max_rows_per_file = 4;
  auto adds =
      WriteDataFiles(*StorageAt(dir.path()), SeedPartitionColumns(), *SeedBatch(Rows(0, 0, 10, 7)), options);
  ASSERT_TRUE(adds.ok());
  ASSERT_EQ(adds->size(), 3u);
  std::vector<int64_t> counts;
  int64_t next_offset = 0;
  for (const auto& add : *adds) {
    auto table = ReadParquet(LocalPath(dir, add));
    counts.push_back(table->num_rows());
    auto offsets = std::static_pointer_cast<arrow::Int64Array>(table->GetColumnByName("offset")->chunk(0));
    for (int64_t i = 0; i < offsets->length(); ++i) EXPECT_EQ(offsets->Value(i), next_offset++);
  }
  EXPECT_EQ(counts, (std::vector<int64_t>{4, 4, 2}));
}

TEST(DataFileWriter, TargetFileSizeSplitsByEstimatedBytes) {
  TempDir dir;
  DataFileWriterOptions options;
  options.target_file_size_bytes = 1;  // far below one row: one row per file
  auto adds =
      WriteDataFiles(*StorageAt(dir.path()), SeedPartitionColumns(), *SeedBatch(Rows(0, 0, 3, 7)), options);
  ASSERT_TRUE(adds.ok());
  EXPECT_EQ(adds->size(), 3u);
}

TEST(DataFileWriter, UnpartitionedTablesWriteToTheRoot) {
  TempDir dir;
  auto adds = WriteDataFiles(*StorageAt(dir.path()), {}, *SeedBatch(Rows(0, 0, 3, 7)));
  ASSERT_TRUE(adds.ok());
  ASSERT_EQ(adds->size(), 1u);
  EXPECT_EQ((*adds)[0].path.find('/'), std::string::npos);
  EXPECT_TRUE((*adds)[0].partition_values.empty());
  EXPECT_EQ(ReadParquet(LocalPath(dir, (*adds)[0]))->num_columns(), 7);
}

TEST(DataFileWriter, MultiChunkTablesAreWrittenAsOneInput) {
  TempDir dir;
  auto a = SeedBatch(Rows(0, 0, 3, 7)), b = SeedBatch(Rows(0, 3, 3, 7));
  auto table = arrow::Table::FromRecordBatches({a, b}).ValueOrDie();
  auto adds = WriteDataFiles(*StorageAt(dir.path()), SeedPartitionColumns(), *table);
  ASSERT_TRUE(adds.ok());
  ASSERT_EQ(adds->size(), 1u);
  EXPECT_EQ(ReadParquet(LocalPath(dir, (*adds)[0]))->num_rows(), 6);
}

TEST(DataFileWriter, NoRowsNoFiles) {
  TempDir dir;
  auto adds = WriteDataFiles(*StorageAt(dir.path()), SeedPartitionColumns(), *SeedBatch({}));
  ASSERT_TRUE(adds.ok());
  EXPECT_TRUE(adds->empty());
}

TEST(DataFileWriter, RejectsUnknownPartitionColumns) {
  TempDir dir;
  auto batch = SeedBatch(Rows(0, 0, 1, 7));
  EXPECT_TRUE(WriteDataFiles(*StorageAt(dir.path()), {"minute"}, *batch).status().IsInvalidArgument());
  EXPECT_TRUE(WriteDataFiles(*StorageAt(dir.path()), {"hour", "hour"}, *batch).status().IsInvalidArgument());
  EXPECT_TRUE(WriteDataFiles(*StorageAt(dir.path()),
                             {"value", "partition", "offset", "year", "month", "day", "hour"}, *batch)
                  .status()
                  .IsInvalidArgument());
}

TEST(DataFileWriter, NaNPartitionValuesShareOneFile) {
  TempDir dir;
  arrow::DoubleBuilder x;
  arrow::Int64Builder offset;
  ASSERT_TRUE(x.AppendValues({std::nan(""), 1.0, std::nan(""), -std::nan("")}).ok());
  ASSERT_TRUE(offset.AppendValues({0, 1, 2, 3}).ok());
  auto schema = arrow::schema({arrow::field("x", arrow::float64()), arrow::field("offset", arrow::int64())});
  auto batch = arrow::RecordBatch::Make(schema, 4, {x.Finish().ValueOrDie(), offset.Finish().ValueOrDie()});
  auto adds = WriteDataFiles(*StorageAt(dir.path()), {"x"}, *batch);
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  ASSERT_EQ(adds->size(), 2u);
  EXPECT_EQ((*adds)[0].partition_values.at("x"), "NaN");
  EXPECT_EQ(ReadParquet(LocalPath(dir, (*adds)[0]))->num_rows(), 3);
}

TEST(DataFileWriter, FileNamesAreUniqueAndSparkShaped) {
  std::string a = NewDataFileName(3), b = NewDataFileName(3);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("part-00003-", 0), 0u);
  EXPECT_EQ(a.size(), std::string("part-00003-").size() + 36 + std::string(".c000.snappy.parquet").size());
}

}  // namespace
}  // namespace rp::delta
