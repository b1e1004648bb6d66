#include "delta/scan.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "data_test_util.h"
#include "delta/data_file_path.h"
#include "delta/data_file_writer.h"
#include "delta/local_storage.h"
#include "delta/partition_path.h"
#include "delta/table_sort.h"

namespace rp::delta {
namespace {

using data_testing::SeedBatch;
using data_testing::SeedPartitionColumns;
using data_testing::SeedRow;
using data_testing::SeedSchema;
using data_testing::StorageAt;
using data_testing::TempDir;
using data_testing::VisitJson;

// A seed-shaped table built from separate appends, one file per append.
class SeedTable {
 public:
  void Append(int32_t partition, int64_t first_offset, int count, int32_t hour) {
    std::vector<SeedRow> rows;
    for (int i = 0; i < count; ++i) {
      rows.push_back({VisitJson(partition, first_offset + i), partition, first_offset + i, 2025, 9, 4, hour});
    }
    AppendRows(rows);
  }
  void AppendRows(const std::vector<SeedRow>& rows) {
    auto adds = WriteDataFiles(*StorageAt(dir_.path()), SeedPartitionColumns(), *SeedBatch(rows));
    ASSERT_TRUE(adds.ok()) << adds.status().ToString();
    files_.insert(files_.end(), adds->begin(), adds->end());
  }
  ScanSpec Spec(Filter filter = Filter::All(), std::vector<std::string> columns = {}) const {
    ScanSpec spec;
    spec.storage = StorageAt(dir_.path());
    spec.schema = SeedSchema();
    spec.partition_columns = SeedPartitionColumns();
    spec.filter = std::move(filter);
    spec.columns = std::move(columns);
    return spec;
  }
  ScanResult Run(const ScanSpec& spec) const {
    auto result = Scan(files_, spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : ScanResult{};
  }
  std::vector<AddFile>& files() { return files_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::vector<AddFile> files_;
};

// (partition, offset) of every output row, in output order.
std::vector<std::pair<int32_t, int64_t>> Keys(const ScanResult& result) {
  std::vector<std::pair<int32_t, int64_t>> keys;
  for (const auto& b : result.batches) {
    auto p = std::static_pointer_cast<arrow::Int32Array>(b->GetColumnByName("partition"));
    auto o = std::static_pointer_cast<arrow::Int64Array>(b->GetColumnByName("offset"));
    for (int64_t i = 0; i < b->num_rows(); ++i) keys.emplace_back(p->Value(i), o->Value(i));
  }
  return keys;
}

std::vector<std::pair<int32_t, int64_t>> Range(int32_t partition, int64_t first, int64_t last) {
  std::vector<std::pair<int32_t, int64_t>> out;
  for (int64_t o = first; o <= last; ++o) out.emplace_back(partition, o);
  return out;
}

TEST(Scan, NoFilterReadsEveryRowWithTheTableSchema) {
  SeedTable t;
  t.Append(0, 0, 5, 7);
  t.Append(0, 5, 5, 8);
  ScanResult r = t.Run(t.Spec());
  EXPECT_TRUE(r.schema->Equals(*SeedSchema()));
  EXPECT_EQ(Keys(r), Range(0, 0, 9));
  EXPECT_EQ(r.metrics.files_total, 2);
  EXPECT_EQ(r.metrics.files_read, 2);
  EXPECT_EQ(r.metrics.rows_read, 10);
  EXPECT_EQ(r.metrics.rows_matched, 10);
  auto table = r.ToTable();
  ASSERT_TRUE(table.ok());
  auto hours = std::static_pointer_cast<arrow::Int32Array>((*table)->GetColumnByName("hour")->chunk(1));
  EXPECT_EQ(hours->Value(0), 8);
  auto values = std::static_pointer_cast<arrow::StringArray>((*table)->GetColumnByName("value")->chunk(0));
  EXPECT_EQ(values->GetString(2), VisitJson(0, 2));
}

TEST(Scan, PartitionPredicatesPruneFilesByPartitionValues) {
  SeedTable t;
  t.Append(0, 0, 3, 6);
  t.Append(0, 3, 3, 7);
  t.Append(0, 6, 3, 8);
  ScanResult r = t.Run(t.Spec(Filter::Where({ColumnRange::Eq("hour", int64_t{7})})));
  EXPECT_EQ(r.metrics.files_pruned, 2);
  EXPECT_EQ(r.metrics.files_skipped, 0);
  EXPECT_EQ(r.metrics.files_read, 1);
  EXPECT_EQ(Keys(r), Range(0, 3, 5));
}

TEST(Scan, HourRangesAcrossPartitionColumns) {
  SeedTable t;
  for (int h = 0; h < 6; ++h) t.Append(0, h * 2, 2, h);
  Filter f = Filter::Where({ColumnRange::Eq("year", int64_t{2025}), ColumnRange::Eq("month", int64_t{9}),
                            ColumnRange::Eq("day", int64_t{4}),
                            ColumnRange::Between("hour", int64_t{2}, int64_t{3})});
  ScanResult r = t.Run(t.Spec(f));
  EXPECT_EQ(r.metrics.files_pruned, 4);
  EXPECT_EQ(Keys(r), Range(0, 4, 7));
  ScanResult none = t.Run(t.Spec(Filter::Where({ColumnRange::Gt("day", int64_t{4})})));
  EXPECT_EQ(none.metrics.files_pruned, 6);
  EXPECT_TRUE(Keys(none).empty());
}

TEST(Scan, OffsetStatsSkipAllButTheOneFileInRange) {
  SeedTable t;
  for (int f = 0; f < 10; ++f) t.Append(0, f * 10, 10, 7);  // offsets [10f, 10f+9]
  ScanResult r = t.Run(t.Spec(Filter::Where({ColumnRange::Between("offset", int64_t{23}, int64_t{27})})));
  EXPECT_EQ(r.metrics.files_total, 10);
  EXPECT_EQ(r.metrics.files_pruned, 0);
  EXPECT_EQ(r.metrics.files_skipped, 9);
  EXPECT_EQ(r.metrics.files_read, 1);
  EXPECT_EQ(r.metrics.rows_read, 10);
  EXPECT_EQ(Keys(r), Range(0, 23, 27));  // and the row filter is exact
}

TEST(Scan, FilesWithoutStatsAreAlwaysRead) {
  SeedTable t;
  for (int f = 0; f < 3; ++f) t.Append(0, f * 10, 10, 7);
  t.files()[0].stats.reset();
  t.files()[1].stats = "{\"numRecords\":10,\"minValues\":{},\"maxValues\":{},\"nullCount\":{}}";
  ScanResult r = t.Run(t.Spec(Filter::Where({ColumnRange::Ge("offset", int64_t{25})})));
  EXPECT_EQ(r.metrics.files_skipped, 0);
  EXPECT_EQ(r.metrics.files_read, 3);
  EXPECT_EQ(Keys(r), Range(0, 25, 29));
  t.files()[2].stats = "{not json";
  EXPECT_EQ(t.Run(t.Spec(Filter::Where({ColumnRange::Ge("offset", int64_t{25})}))).metrics.files_read, 3);
}

TEST(Scan, OrOfConjunctionsSelectsPerKafkaPartition) {
  SeedTable t;
  t.Append(0, 0, 20, 7);
  t.Append(1, 0, 20, 7);
  t.Append(2, 0, 20, 7);
  Filter f = Filter::AnyOf({
      {ColumnRange::Eq("partition", int64_t{0}), ColumnRange::Between("offset", int64_t{3}, int64_t{7})},
      {ColumnRange::Eq("partition", int64_t{1}), ColumnRange::Ge("offset", int64_t{10})},
  });
  ScanResult r = t.Run(t.Spec(f));
  auto expected = Range(0, 3, 7);
  auto rest = Range(1, 10, 19);
  expected.insert(expected.end(), rest.begin(), rest.end());
  EXPECT_EQ(Keys(r), expected);
  EXPECT_EQ(r.metrics.files_skipped, 1);  // partition 2's file: its stats say partition = 2
  EXPECT_EQ(r.metrics.files_read, 2);
}

TEST(Scan, ExclusiveBoundsAndNullsFollowSql) {
  SeedTable t;
  std::vector<SeedRow> rows;
  for (int i = 0; i < 6; ++i)
    rows.push_back({i == 2 ? std::nullopt : std::optional<std::string>("v"), 0, i, 2025, 9, 4, 7});
  t.AppendRows(rows);
  Filter f = Filter::Where({ColumnRange{"offset", int64_t{1}, false, int64_t{4}, false}});
  EXPECT_EQ(Keys(t.Run(t.Spec(f))), Range(0, 2, 3));
  // value >= "" holds for every non-null value: the null row is dropped.
  ScanResult r = t.Run(t.Spec(Filter::Where({ColumnRange::Ge("value", std::string())})));
  EXPECT_EQ(r.metrics.rows_matched, 5);
}

TEST(Scan, ProjectionReturnsOnlyTheRequestedColumnsInOrder) {
  SeedTable t;
  t.Append(3, 0, 4, 7);
  ScanResult r = t.Run(t.Spec(Filter::Where({ColumnRange::Ge("offset", int64_t{2})}), {"hour", "value"}));
  auto expected = arrow::schema({arrow::field("hour", arrow::int32()), arrow::field("value", arrow::utf8())});
  EXPECT_TRUE(r.schema->Equals(*expected));
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_TRUE(r.batches[0]->schema()->Equals(*expected));
  EXPECT_EQ(r.batches[0]->num_rows(), 2);
  auto values = std::static_pointer_cast<arrow::StringArray>(r.batches[0]->column(1));
  EXPECT_EQ(values->GetString(0), VisitJson(3, 2));
}

TEST(Scan, OnlyPartitionColumnsNeedNoDataColumns) {
  SeedTable t;
  t.Append(0, 0, 3, 7);
  ScanResult r = t.Run(t.Spec(Filter::All(), {"hour"}));
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(r.batches[0]->num_rows(), 3);
}

TEST(Scan, NullPartitionValuesAreMaterializedAsNulls) {
  SeedTable t;
  t.AppendRows({{"a", 0, 0, 2025, 9, 4, std::nullopt}, {"b", 0, 1, 2025, 9, 4, 7}});
  ScanResult r = t.Run(t.Spec());
  auto table = *r.ToTable();
  auto sorted = *SortTable(table, {"offset"});
  auto hour = sorted->GetColumnByName("hour");
  EXPECT_EQ(hour->null_count(), 1);
  // A range never matches the null partition.
  ScanResult ranged = t.Run(t.Spec(Filter::Where({ColumnRange::Le("hour", int64_t{100})})));
  EXPECT_EQ(ranged.metrics.files_pruned, 1);
  EXPECT_EQ(Keys(ranged), Range(0, 1, 1));
}

TEST(Scan, ParallelReadEqualsSequentialRead) {
  SeedTable t;
  for (int f = 0; f < 24; ++f) t.Append(f % 3, f * 7, 7, f % 5);
  Filter filter =
      Filter::AnyOf({{ColumnRange::Eq("partition", int64_t{1})}, {ColumnRange::Lt("offset", int64_t{40})}});
  ScanSpec seq = t.Spec(filter);
  seq.num_threads = 1;
  ScanSpec par = t.Spec(filter);
  par.num_threads = 4;
  auto a = *t.Run(seq).ToTable();
  for (int round = 0; round < 5; ++round) {
    auto b = *t.Run(par).ToTable();
    EXPECT_TRUE(a->Equals(*b));
  }
  EXPECT_GT(a->num_rows(), 0);
}

TEST(Scan, OutputFollowsTheInputFileOrder) {
  SeedTable t;
  t.Append(0, 10, 2, 7);
  t.Append(0, 0, 2, 8);
  auto forward = Keys(t.Run(t.Spec()));
  EXPECT_EQ(forward.front().second, 10);
  std::reverse(t.files().begin(), t.files().end());
  EXPECT_EQ(Keys(t.Run(t.Spec())).front().second, 0);
}

TEST(Scan, MissingFileIsAnError) {
  SeedTable t;
  t.Append(0, 0, 2, 7);
  std::filesystem::remove(t.dir().path() + "/" + UriDecodePath(t.files()[0].path).ValueOr("?"));
  auto r = Scan(t.files(), t.Spec());
  EXPECT_FALSE(r.ok());
}

TEST(Scan, BindingRejectsUnknownColumnsAndWrongLiterals) {
  SeedTable t;
  t.Append(0, 0, 2, 7);
  EXPECT_TRUE(Scan(t.files(), t.Spec(Filter::Where({ColumnRange::Eq("nope", int64_t{1})})))
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(Scan(t.files(), t.Spec(Filter::Where({ColumnRange::Eq("offset", std::string("1"))})))
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(Scan(t.files(), t.Spec(Filter::All(), {"nope"})).status().IsInvalidArgument());
  EXPECT_FALSE(PlanScan(t.files(), t.Spec(Filter::Where({ColumnRange::Eq("value", int64_t{1})}))).ok());
}

TEST(Scan, EmptyFilterMatchesNothing) {
  SeedTable t;
  t.Append(0, 0, 2, 7);
  ScanResult r = t.Run(t.Spec(Filter::AnyOf({})));
  EXPECT_EQ(r.metrics.files_read, 0);
  EXPECT_EQ(r.metrics.files_pruned, 1);
  EXPECT_TRUE(r.batches.empty());
}

// Stats are lower/upper bounds only; the scan must not skip a file whose true
// values may reach the range.
TEST(ScanStats, TruncatedStringMaximaNeverSkipAMatchingFile) {
  SeedTable t;
  std::string long_value = std::string(32, 'k') + std::string(11, 'z');
  t.AppendRows({{long_value, 0, 0, 2025, 9, 4, 7}});
  // Just above the 32-character prefix but below the real value.
  std::string lower = std::string(32, 'k') + "m";
  ScanResult r = t.Run(t.Spec(Filter::Where({ColumnRange::Ge("value", lower)})));
  EXPECT_EQ(r.metrics.files_read, 1);
  EXPECT_EQ(r.metrics.rows_matched, 1);
  // Above the whole value: the file is skipped.
  ScanResult above = t.Run(t.Spec(Filter::Where({ColumnRange::Ge("value", std::string("l"))})));
  EXPECT_EQ(above.metrics.files_skipped, 1);
}

TEST(ScanStats, ForeignPrefixMaximaWithoutTieBreakerAreTreatedAsPrefixes) {
  SeedTable t;
  std::string long_value = std::string(32, 'k') + std::string(11, 'z');
  t.AppendRows({{long_value, 0, 0, 2025, 9, 4, 7}});
  // Another writer might store a bare 32-character prefix as the maximum.
  t.files()[0].stats = "{\"numRecords\":1,\"minValues\":{\"value\":\"" + std::string(32, 'k') +
                       "\"},\"maxValues\":{\"value\":\"" + std::string(32, 'k') +
                       "\"},\"nullCount\":{\"value\":0}}";
  ScanResult r = t.Run(t.Spec(Filter::Where({ColumnRange::Ge("value", std::string(32, 'k') + "m")})));
  EXPECT_EQ(r.metrics.files_read, 1);
  EXPECT_EQ(r.metrics.rows_matched, 1);
}

TEST(ScanStats, AllNullColumnsSkipRangeFilters) {
  SeedTable t;
  t.AppendRows({{std::nullopt, 0, 0, 2025, 9, 4, 7}, {std::nullopt, 0, 1, 2025, 9, 4, 7}});
  t.Append(0, 2, 2, 7);
  ScanResult r = t.Run(t.Spec(Filter::Where({ColumnRange::Ge("value", std::string())})));
  EXPECT_EQ(r.metrics.files_skipped, 1);
  EXPECT_EQ(Keys(r), Range(0, 2, 3));
}

TEST(ScanStats, TimestampMaximaAreTruncatedToMilliseconds) {
  TempDir dir;
  auto type = arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  auto schema = arrow::schema({arrow::field("ts", type), arrow::field("k", arrow::int32())});
  const int64_t base = 1756969200000000LL;  // 2025-09-04T07:00:00Z
  arrow::TimestampBuilder ts(type, arrow::default_memory_pool());
  arrow::Int32Builder k;
  ASSERT_TRUE(ts.AppendValues({base, base + 999}).ok());  // max stat: ...07:00:00.000
  ASSERT_TRUE(k.AppendValues({1, 2}).ok());
  auto batch = arrow::RecordBatch::Make(schema, 2, {ts.Finish().ValueOrDie(), k.Finish().ValueOrDie()});
  auto adds = WriteDataFiles(*StorageAt(dir.path()), {}, *batch);
  ASSERT_TRUE(adds.ok());
  ScanSpec spec;
  spec.storage = StorageAt(dir.path());
  spec.schema = schema;
  spec.filter = Filter::Where({ColumnRange::Ge("ts", base + 500)});
  auto r = Scan(*adds, spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->metrics.files_read, 1);
  EXPECT_EQ(r->metrics.rows_matched, 1);
  // Text literals work too, and a range past the last millisecond skips the file.
  spec.filter = Filter::Where({ColumnRange::Ge("ts", std::string("2025-09-04T07:00:00.001Z"))});
  r = Scan(*adds, spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->metrics.files_skipped, 1);
  spec.filter = Filter::Where({ColumnRange::Lt("ts", std::string("2025-09-04 07:00:00"))});
  EXPECT_EQ(Scan(*adds, spec)->metrics.files_skipped, 1);
}

TEST(ScanStats, FloatBoundsAreComparedAtFloatPrecision) {
  TempDir dir;
  auto schema = arrow::schema({arrow::field("f", arrow::float32())});
  arrow::FloatBuilder f;
  ASSERT_TRUE(f.AppendValues({0.1f, -3.0f}).ok());
  auto batch = arrow::RecordBatch::Make(schema, 2, {f.Finish().ValueOrDie()});
  auto adds = WriteDataFiles(*StorageAt(dir.path()), {}, *batch);
  ASSERT_TRUE(adds.ok());
  ScanSpec spec;
  spec.storage = StorageAt(dir.path());
  spec.schema = schema;
  // 0.1f is 0.100000001490116…, above this bound, though its stats text "0.1" is not.
  spec.filter = Filter::Where({ColumnRange::Ge("f", 0.1000000001)});
  auto r = Scan(*adds, spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->metrics.files_read, 1);
  EXPECT_EQ(r->metrics.rows_matched, 1);
  spec.filter = Filter::Where({ColumnRange::Gt("f", 0.2)});
  EXPECT_EQ(Scan(*adds, spec)->metrics.files_skipped, 1);
}

TEST(DataFilePath, ResolvesRelativePathsToKeysAndFileUrisToLocalPaths) {
  auto key = [](std::string_view path) {
    auto k = DataFileKey(path);
    return k.ok() && *k ? **k : std::string("?");
  };
  EXPECT_EQ(key("year=2025/part-0.parquet"), "year=2025/part-0.parquet");
  EXPECT_EQ(key("tag=a%253Ab/p%20q.parquet"), "tag=a%3Ab/p q.parquet");
  for (const char* absolute :
       {"file:///data/x.parquet", "file:/data/x.parquet", "/abs/x.parquet", "s3://b/x.parquet"}) {
    auto k = DataFileKey(absolute);
    EXPECT_TRUE(k.ok() && !*k) << absolute;
  }
  EXPECT_EQ(LocalStorage::PathOfUri("file:///data/x.parquet").ValueOr("?"), "/data/x.parquet");
  EXPECT_EQ(LocalStorage::PathOfUri("file:/data/x.parquet").ValueOr("?"), "/data/x.parquet");
  EXPECT_EQ(LocalStorage::PathOfUri("/abs/x.parquet").ValueOr("?"), "/abs/x.parquet");
  EXPECT_EQ(LocalStorage::PathOfUri("s3://bucket/x.parquet").status().code(), Status::Code::kUnsupported);
  const LocalStorage t("/t");
  EXPECT_EQ(t.KeyOfUri("file:///t/year=2025/p%20q.parquet").ValueOr(std::nullopt), "year=2025/p q.parquet");
  EXPECT_EQ(t.KeyOfUri("file:///data/x.parquet").ValueOr("?"), std::nullopt);
  EXPECT_EQ(t.KeyOfUri("s3://bucket/t/x.parquet").ValueOr("?"), std::nullopt);
  EXPECT_FALSE(DataFileKey("../x.parquet").ok());
  EXPECT_FALSE(DataFileKey("a/%2E%2E/x.parquet").ok());
  EXPECT_FALSE(DataFileKey("").ok());
  EXPECT_FALSE(DataFileKey("bad%zz").ok());
  EXPECT_FALSE(LocalStorage::PathOfUri("file:///t/../x.parquet").ok());
}

TEST(SortTable, OrdersByPartitionThenOffsetKeepingTies) {
  auto batch = SeedBatch({{"c", 1, 5, 2025, 9, 4, 7},
                          {"a", 0, 9, 2025, 9, 4, 7},
                          {"b", 1, 2, 2025, 9, 4, 7},
                          {"d", 0, 1, 2025, 9, 4, 7},
                          {"e", 0, 1, 2025, 9, 4, 8}});
  auto table = arrow::Table::FromRecordBatches({batch->Slice(0, 2), batch->Slice(2)}).ValueOrDie();
  auto sorted = SortTable(table, {"partition", "offset"});
  ASSERT_TRUE(sorted.ok()) << sorted.status().ToString();
  auto flat = (*sorted)->CombineChunksToBatch().ValueOrDie();
  auto values = std::static_pointer_cast<arrow::StringArray>(flat->GetColumnByName("value"));
  std::vector<std::string> order;
  for (int64_t i = 0; i < values->length(); ++i) order.push_back(values->GetString(i));
  EXPECT_EQ(order, (std::vector<std::string>{"d", "e", "a", "b", "c"}));
  EXPECT_FALSE(SortTable(table, {"nope"}).ok());
}

TEST(SortTable, NullsComeFirst) {
  auto batch = SeedBatch({{"x", 0, 0, 2025, 9, 4, 7}, {"y", 0, 1, 2025, 9, 4, std::nullopt}});
  auto sorted = SortTable(arrow::Table::FromRecordBatches({batch}).ValueOrDie(), {"hour"});
  ASSERT_TRUE(sorted.ok());
  auto first = std::static_pointer_cast<arrow::StringArray>((*sorted)->GetColumnByName("value")->chunk(0));
  EXPECT_EQ(first->GetString(0), "y");
}

}  // namespace
}  // namespace rp::delta

namespace rp::delta {
namespace {

// An hour's file: offsets 0..99 of partition 0 on time, and one late record at 5000.
std::vector<SeedRow> OnTimeAndLate() {
  std::vector<SeedRow> rows;
  for (int64_t o = 0; o < 100; ++o) rows.push_back({data_testing::VisitJson(0, o), 0, o, 2025, 9, 4, 7});
  rows.push_back({data_testing::VisitJson(0, 5000), 0, 5000, 2025, 9, 4, 7});
  return rows;
}

TEST(ScanWithBlockIndex, SkipsAFileWhoseMinMaxSpanTheSliceButWhoseBlocksDoNot) {
  data_testing::TempDir dir;
  DataFileWriterOptions writer;
  writer.block_index = BlockIndexSpec{"t.blocks", "partition", "offset", 4};
  auto adds = WriteDataFiles(*data_testing::StorageAt(dir.path()), data_testing::SeedPartitionColumns(),
                             *data_testing::SeedBatch(OnTimeAndLate()), writer);
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  ASSERT_EQ(adds->size(), 1u);
  ASSERT_TRUE((*adds)[0].tags && (*adds)[0].tags->count("t.blocks"));
  ScanSpec spec;
  spec.storage = data_testing::StorageAt(dir.path());
  spec.schema = data_testing::SeedSchema();
  spec.partition_columns = data_testing::SeedPartitionColumns();
  spec.filter =
      Filter::Where({ColumnRange::Eq("partition", int64_t{0}), ColumnRange::Between("offset", 2000, 2002)});
  // By min/max alone (0..5000) the file must be read.
  auto plain = PlanScan(*adds, spec);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->metrics.files_read, 1);
  spec.block_index = writer.block_index;
  auto indexed = PlanScan(*adds, spec);
  ASSERT_TRUE(indexed.ok());
  EXPECT_EQ(indexed->metrics.files_read, 0);
  EXPECT_EQ(indexed->metrics.files_skipped, 1);
  // The late record's block is still found, and read.
  spec.filter =
      Filter::Where({ColumnRange::Eq("partition", int64_t{0}), ColumnRange::Between("offset", 5000, 5000)});
  auto found = Scan(*adds, spec);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->metrics.rows_matched, 1);
}

TEST(ScanRowGroups, ReadsOnlyTheRowGroupsWhoseStatsMayMatch) {
  data_testing::TempDir dir;
  DataFileWriterOptions writer;
  writer.row_group_rows = 10;  // offsets 0..9, 10..19, … per row group
  auto adds = WriteDataFiles(*data_testing::StorageAt(dir.path()), data_testing::SeedPartitionColumns(),
                             *data_testing::SeedBatch(OnTimeAndLate()), writer);
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  ScanSpec spec;
  spec.storage = data_testing::StorageAt(dir.path());
  spec.schema = data_testing::SeedSchema();
  spec.partition_columns = data_testing::SeedPartitionColumns();
  spec.filter =
      Filter::Where({ColumnRange::Eq("partition", int64_t{0}), ColumnRange::Between("offset", 42, 44)});
  auto result = Scan(*adds, spec);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->metrics.rows_matched, 3);
  EXPECT_EQ(result->metrics.rows_read, 10);  // one row group of 11
}

}  // namespace
}  // namespace rp::delta

namespace rp::delta {
namespace {

// Offsets 0..9 and 100..109 of partition 0 in one row group: its min/max (0,
// 109) cannot rule out offsets in between.
std::vector<data_testing::SeedRow> TwoRuns() {
  std::vector<data_testing::SeedRow> rows;
  for (int64_t o : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109}) {
    rows.push_back({data_testing::VisitJson(0, o), 0, o, 2025, 9, 4, 1});
  }
  return rows;
}

TEST(ScanRowGroups, ARowGroupWhoseOffsetsMissTheSliceIsNotDecodedInFull) {
  SeedTable table;
  table.AppendRows(TwoRuns());
  ASSERT_EQ(table.files().size(), 1u);
  const std::vector<AddFile>* adds = &table.files();
  ScanSpec spec = table.Spec();
  // In the gap: the file is read (its stats span it), its values are not.
  spec.filter =
      Filter::Where({ColumnRange::Eq("partition", int64_t{0}), ColumnRange::Between("offset", 50, 60)});
  auto miss = Scan(*adds, spec);
  ASSERT_TRUE(miss.ok()) << miss.status().ToString();
  EXPECT_EQ(miss->metrics.files_read, 1);
  EXPECT_EQ(miss->metrics.rows_matched, 0);
  EXPECT_EQ(miss->metrics.rows_read, 0);
  // In a run: the row group is decoded and exactly the slice comes out.
  spec.filter =
      Filter::Where({ColumnRange::Eq("partition", int64_t{0}), ColumnRange::Between("offset", 101, 103)});
  auto hit = Scan(*adds, spec);
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_EQ(hit->metrics.rows_matched, 3);
  EXPECT_EQ(hit->metrics.rows_read, 20);
  auto out = hit->ToTable();
  ASSERT_TRUE(out.ok());
  auto offsets = std::static_pointer_cast<arrow::Int64Array>((*out)->GetColumnByName("offset")->chunk(0));
  ASSERT_EQ(offsets->length(), 3);
  EXPECT_EQ(offsets->Value(0), 101);
  EXPECT_EQ(offsets->Value(2), 103);
  // Another Kafka partition: also no full decode.
  spec.filter =
      Filter::Where({ColumnRange::Eq("partition", int64_t{1}), ColumnRange::Between("offset", 0, 200)});
  auto other = Scan(*adds, spec);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->metrics.rows_matched, 0);
  EXPECT_EQ(other->metrics.rows_read, 0);
}

}  // namespace
}  // namespace rp::delta
