// The streaming scan (Scanner, FileScan, ScanStream) and OrderedScan: rows in
// (partition, offset) order within each partition whatever the layout of the
// files (overlapping, compacted and wide, unsorted from another writer), and
// no window ever holding more than its budget.
#include "delta/ordered_scan.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "data_test_util.h"
#include "delta/data_file_writer.h"
#include "delta/scan.h"

namespace rp::delta {
namespace {

using data_testing::SeedBatch;
using data_testing::SeedPartitionColumns;
using data_testing::SeedRow;
using data_testing::SeedSchema;
using data_testing::StorageAt;
using data_testing::TempDir;
using data_testing::VisitJson;

using Key = std::pair<int32_t, int64_t>;  // (partition, offset)

// A seed-shaped table's data files, written one call at a time.
class Files {
 public:
  // One file per hour in `hours` (one hour for all rows when empty), the
  // rows in the order given.
  void Write(const std::vector<Key>& keys, int32_t hour = 7, int64_t row_group_rows = 1 << 20) {
    std::vector<SeedRow> rows;
    for (const auto& [p, o] : keys) rows.push_back({VisitJson(p, o), p, o, 2025, 9, 4, hour});
    DataFileWriterOptions options;
    options.row_group_rows = row_group_rows;
    auto adds = WriteDataFiles(*StorageAt(dir_.path()), SeedPartitionColumns(), *SeedBatch(rows), options);
    ASSERT_TRUE(adds.ok()) << adds.status().ToString();
    files_.insert(files_.end(), adds->begin(), adds->end());
    for (const auto& k : keys) all_.push_back({k, hour});
  }
  ScanSpec Spec(Filter filter = Filter::All()) const {
    ScanSpec spec;
    spec.storage = StorageAt(dir_.path());
    spec.schema = SeedSchema();
    spec.partition_columns = SeedPartitionColumns();
    spec.filter = std::move(filter);
    spec.columns = {"value", "partition", "offset"};
    return spec;
  }
  std::vector<AddFile>& files() { return files_; }
  // Every row written: (key, hour).
  const std::vector<std::pair<Key, int32_t>>& all() const { return all_; }

 private:
  TempDir dir_;
  std::vector<AddFile> files_;
  std::vector<std::pair<Key, int32_t>> all_;
};

// Every row of every window, in the order handed out; checks each value
// belongs to its key.
std::vector<Key> Drain(OrderedScan& scan) {
  std::vector<Key> out;
  while (true) {
    auto window = scan.Next();
    EXPECT_TRUE(window.ok()) << window.status().ToString();
    if (!window.ok() || !*window) break;
    const auto& w = **window;
    for (const auto& row : w.rows()) {
      const auto& batch = *w.batches()[row.batch];
      auto value = std::static_pointer_cast<arrow::StringArray>(batch.GetColumnByName("value"));
      auto p = std::static_pointer_cast<arrow::Int32Array>(batch.GetColumnByName("partition"));
      auto o = std::static_pointer_cast<arrow::Int64Array>(batch.GetColumnByName("offset"));
      const Key key{p->Value(row.row), o->Value(row.row)};
      EXPECT_EQ(value->GetString(row.row), VisitJson(key.first, key.second));
      out.push_back(key);
    }
  }
  return out;
}

// `got` holds exactly the rows of `want`, and each partition's rows in
// ascending offset order (partitions may interleave).
void ExpectPartitionOrder(const std::vector<Key>& got, std::vector<Key> want) {
  std::vector<Key> sorted = got;
  std::sort(sorted.begin(), sorted.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(sorted, want);
  std::map<int32_t, int64_t> last;
  for (const auto& [p, o] : got) {
    auto it = last.find(p);
    if (it != last.end()) {
      EXPECT_LT(it->second, o) << "partition " << p << ": offset " << o << " after " << it->second;
    }
    last[p] = o;
  }
}

std::unique_ptr<OrderedScan> OpenOrdered(Files& t, OrderedScanOptions options,
                                         Filter filter = Filter::All()) {
  auto scan = OrderedScan::Open(t.files(), t.Spec(std::move(filter)), std::move(options));
  EXPECT_TRUE(scan.ok()) << scan.status().ToString();
  return scan.ok() ? std::move(*scan) : nullptr;
}

class OrderedScanTest : public ::testing::TestWithParam<bool> {
 protected:
  OrderedScanOptions Options(int64_t window_rows) const {
    OrderedScanOptions o;
    o.window_rows = window_rows;
    o.batch_rows = 16;
    o.read_ahead = GetParam();
    return o;
  }
};

// As sync writes: a batch per commit holding every partition's next offsets,
// interleaved in arrival order; its late records go to an earlier hour's file.
// The partitions' offsets are far apart, so a file's offset stats span them.
TEST_P(OrderedScanTest, SyncBatchesOfEveryPartitionComeOutInOffsetOrderWithinTheBudget) {
  Files t;
  const int64_t base[] = {0, 1'000'000, 42};
  std::vector<Key> want;
  for (int b = 0; b < 20; ++b) {
    std::vector<Key> on_time, late;
    for (int i = 0; i < 30; ++i) {
      for (int p = 0; p < 3; ++p) {
        const Key k{p, base[p] + b * 30 + i};
        (i % 7 == 3 ? late : on_time).push_back(k);
        want.push_back(k);
      }
    }
    t.Write(on_time, 10 + b % 5);
    t.Write(late, 1);
  }
  auto scan = OpenOrdered(t, Options(100));
  ASSERT_TRUE(scan);
  EXPECT_EQ(scan->estimated_rows(), 1800);  // every file holds 3 partitions: keyed, so exact
  std::vector<Key> got = Drain(*scan);
  ExpectPartitionOrder(got, want);
  const OrderedScanStats stats = scan->stats();
  EXPECT_LE(stats.max_window_rows, 100);
  EXPECT_GE(stats.windows, 18);  // 1800 rows in windows of at most 100
  EXPECT_EQ(stats.keyed_units, stats.units);
  // Windows follow the batches: a sync batch's rows are read about once.
  EXPECT_LT(stats.rows_decoded, 3 * 1800);
}

// A compacted file of late records spans the whole offset range (every 7th
// offset), beside narrow files: it is re-read by every window, and the
// windows still never exceed the budget.
TEST_P(OrderedScanTest, AWideCompactedFileIsReadPerWindowAndStaysInOrder) {
  Files t;
  std::vector<Key> wide, want;
  for (int64_t o = 0; o < 2000; o += 7) wide.push_back({0, o});
  t.Write(wide, 3);
  std::vector<Key> rest;
  for (int64_t o = 0; o < 2000; ++o) {
    if (o % 7 != 0) rest.push_back({0, o});
    if (rest.size() == 50) {
      t.Write(rest, 5);
      rest.clear();
    }
  }
  t.Write(rest, 5);
  for (int64_t o = 0; o < 2000; ++o) want.push_back({0, o});
  auto scan = OpenOrdered(t, Options(60));
  ASSERT_TRUE(scan);
  ExpectPartitionOrder(Drain(*scan), want);
  const OrderedScanStats stats = scan->stats();
  EXPECT_LE(stats.max_window_rows, 60);
  EXPECT_GT(stats.unit_reads, stats.units);  // the wide file, once per window
}

// Another writer's files promise no order: rows shuffled, partitions mixed,
// no Delta stats; and a file of one partition, shuffled, with stats.
TEST_P(OrderedScanTest, UnsortedFilesFromAnotherWriterAreSortedWindowByWindow) {
  Files t;
  std::vector<Key> mixed, single, want;
  for (int64_t o = 0; o < 300; ++o) {
    for (int p = 0; p < 3; ++p) mixed.push_back({p, o * 2});
    single.push_back({1, o * 2 + 1});
  }
  std::mt19937 rng(7);
  std::shuffle(mixed.begin(), mixed.end(), rng);
  std::shuffle(single.begin(), single.end(), rng);
  t.Write(mixed, 4);
  t.files().back().stats.reset();
  t.Write(single, 6);
  want = mixed;
  want.insert(want.end(), single.begin(), single.end());
  auto scan = OpenOrdered(t, Options(50));
  ASSERT_TRUE(scan);
  ExpectPartitionOrder(Drain(*scan), want);
  EXPECT_LE(scan->stats().max_window_rows, 50);
}

// Statistics say a file of one partition spans offsets 0..10^6 evenly, but
// 900 of its 1000 rows sit at the start: windows planned from that estimate
// go over budget, are abandoned before they do, and retried narrower.
TEST_P(OrderedScanTest, AWindowThatWouldExceedItsBudgetIsRetriedNarrowerNeverHeld) {
  Files t;
  std::vector<Key> keys;
  for (int64_t o = 0; o < 900; ++o) keys.push_back({2, o});
  for (int64_t i = 1; i <= 100; ++i) keys.push_back({2, i * 10'000});
  t.Write(keys, 8);
  auto scan = OpenOrdered(t, Options(100));
  ASSERT_TRUE(scan);
  ExpectPartitionOrder(Drain(*scan), keys);
  const OrderedScanStats stats = scan->stats();
  EXPECT_GT(stats.retries, 0);
  EXPECT_LE(stats.max_window_rows, 100);
  EXPECT_EQ(stats.keyed_units, 0);  // one partition: its stats describe it
}

TEST_P(OrderedScanTest, TheByteBudgetBoundsWindowsToo) {
  Files t;
  std::vector<Key> keys;
  for (int64_t o = 0; o < 400; ++o) keys.push_back({0, o});
  t.Write(keys, 8);
  OrderedScanOptions options = Options(1'000'000);
  options.window_bytes = 8 << 10;
  auto scan = OpenOrdered(t, options);
  ASSERT_TRUE(scan);
  ExpectPartitionOrder(Drain(*scan), keys);
  const OrderedScanStats stats = scan->stats();
  EXPECT_LE(stats.max_window_bytes, 8 << 10);
  EXPECT_GT(stats.windows, 1);
}

// A compacted file sorted by (partition, offset) in small row groups: a
// window reads only the row groups overlapping it.
TEST_P(OrderedScanTest, RowGroupsOutsideAWindowAreNotRead) {
  Files t;
  std::vector<Key> keys;
  for (int p = 0; p < 2; ++p) {
    for (int64_t o = 0; o < 500; ++o) keys.push_back({p, o});
  }
  t.Write(keys, 9, /*row_group_rows=*/50);
  auto scan = OpenOrdered(t, Options(100));
  ASSERT_TRUE(scan);
  ExpectPartitionOrder(Drain(*scan), keys);
  const OrderedScanStats stats = scan->stats();
  EXPECT_EQ(stats.units, 20);
  EXPECT_EQ(stats.keyed_units, 0);
  EXPECT_LE(stats.rows_decoded, 2 * 1000);  // a row group at a window's edge is read twice at most
  EXPECT_LE(stats.max_window_rows, 100);
}

// Offset bounds per partition (a slice) and a partition-column filter (a time
// slice): exactly the matching rows, in order.
TEST_P(OrderedScanTest, SlicesByOffsetsAndByTimeSelectExactlyTheirRows) {
  Files t;
  std::vector<Key> keys;
  for (int64_t o = 0; o < 600; ++o) {
    for (int p = 0; p < 3; ++p) keys.push_back({p, o});
  }
  for (size_t i = 0; i < keys.size(); i += 90) {
    t.Write(std::vector<Key>(keys.begin() + i, keys.begin() + std::min(keys.size(), i + 90)),
            static_cast<int32_t>(i / 180));
  }
  // Partition 0: 100..349; the others: 500..; as reprocess builds them.
  Filter offsets = Filter::AnyOf(
      {{ColumnRange::Eq("partition", int64_t{0}), ColumnRange::Between("offset", int64_t{100}, int64_t{349})},
       {ColumnRange::Ge("partition", int64_t{1}), ColumnRange::Ge("offset", int64_t{500})}});
  OrderedScanOptions options = Options(64);
  options.order_bounds = [](int64_t p) {
    return p == 0 ? std::pair<int64_t, int64_t>(100, 349) : std::pair<int64_t, int64_t>(500, INT64_MAX);
  };
  auto scan = OpenOrdered(t, options, offsets);
  ASSERT_TRUE(scan);
  std::vector<Key> want;
  for (const auto& [p, o] : keys) {
    if ((p == 0 && o >= 100 && o <= 349) || (p >= 1 && o >= 500)) want.push_back({p, o});
  }
  EXPECT_EQ(scan->estimated_rows(), static_cast<int64_t>(want.size()));
  ExpectPartitionOrder(Drain(*scan), want);
  EXPECT_LE(scan->stats().max_window_rows, 64);

  auto by_time =
      OpenOrdered(t, Options(64), Filter::Where({ColumnRange::Between("hour", int64_t{2}, int64_t{4})}));
  ASSERT_TRUE(by_time);
  std::vector<Key> in_hours;
  for (const auto& [key, hour] : t.all()) {
    if (hour >= 2 && hour <= 4) in_hours.push_back(key);
  }
  ExpectPartitionOrder(Drain(*by_time), in_hours);
  EXPECT_GT(by_time->metrics().files_pruned, 0);
}

TEST_P(OrderedScanTest, ASliceThatFitsOneWindowNeedsNoPlan) {
  Files t;
  t.Write({{1, 5}, {0, 9}, {1, 3}, {0, 2}, {2, 7}}, 7);
  t.Write({{0, 1}, {2, 6}}, 8);
  auto scan = OpenOrdered(t, Options(100));
  ASSERT_TRUE(scan);
  std::vector<Key> got = Drain(*scan);
  EXPECT_EQ(got, (std::vector<Key>{{0, 1}, {0, 2}, {0, 9}, {1, 3}, {1, 5}, {2, 6}, {2, 7}}));
  EXPECT_EQ(scan->stats().windows, 1);
  EXPECT_EQ(scan->stats().keyed_units, 0);
}

TEST_P(OrderedScanTest, MoreRowsAtOneOffsetThanAWindowHoldsIsAnError) {
  Files t;
  std::vector<Key> same(30, Key{0, 5});
  same.push_back({0, 6});
  t.Write(same, 7);
  auto scan = OpenOrdered(t, Options(10));
  ASSERT_TRUE(scan);
  Result<std::unique_ptr<OrderedWindow>> window = std::unique_ptr<OrderedWindow>();
  do {
    window = scan->Next();
  } while (window.ok() && *window);
  ASSERT_FALSE(window.ok());
  EXPECT_NE(window.status().message().find("share offset 5 of partition 0"), std::string::npos)
      << window.status().ToString();
}

TEST_P(OrderedScanTest, ACancelledScanEnds) {
  Files t;
  std::vector<Key> keys;
  for (int64_t o = 0; o < 500; ++o) keys.push_back({0, o});
  t.Write(keys, 7);
  std::atomic<bool> cancel{false};
  OrderedScanOptions options = Options(50);
  options.cancel = &cancel;
  auto scan = OpenOrdered(t, options);
  ASSERT_TRUE(scan);
  auto first = scan->Next();
  ASSERT_TRUE(first.ok() && *first);
  cancel.store(true);
  int windows = 0;
  while (true) {
    auto w = scan->Next();
    ASSERT_TRUE(w.ok());
    if (!*w) break;
    ++windows;
  }
  EXPECT_LE(windows, 1);  // at most the one read ahead before the cancel
}

TEST_P(OrderedScanTest, GroupAndOrderMustBeIntegerOutputColumns) {
  Files t;
  t.Write({{0, 1}}, 7);
  ScanSpec spec = t.Spec();
  spec.columns = {"value", "offset"};
  EXPECT_FALSE(OrderedScan::Open(t.files(), spec, Options(10)).ok());
  OrderedScanOptions options = Options(10);
  options.order_column = "value";
  EXPECT_FALSE(OrderedScan::Open(t.files(), t.Spec(), options).ok());
}

INSTANTIATE_TEST_SUITE_P(ReadAhead, OrderedScanTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "ReadAhead" : "InCallersThread"; });

// ---- The streaming scan API -------------------------------------------------

TEST(ScanStream, StreamsTheRowsScanReturnsInTheSameOrderInBoundedBatches) {
  Files t;
  std::vector<Key> a, b;
  for (int64_t o = 0; o < 40; ++o) a.push_back({0, o});
  for (int64_t o = 0; o < 25; ++o) b.push_back({1, o});
  t.Write(a, 7);
  t.Write(b, 8);
  Filter f = Filter::Where({ColumnRange::Ge("offset", int64_t{5})});
  auto whole = Scan(t.files(), t.Spec(f));
  ASSERT_TRUE(whole.ok());
  FileScanOptions options;
  options.batch_rows = 7;
  auto stream = ScanStream::Open(t.files(), t.Spec(f), options);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  EXPECT_TRUE((*stream)->schema()->Equals(*whole->schema));
  std::vector<Key> streamed, scanned;
  while (true) {
    auto batch = (*stream)->Next();
    ASSERT_TRUE(batch.ok());
    if (!*batch) break;
    EXPECT_LE((**batch).num_rows(), 7);
    auto p = std::static_pointer_cast<arrow::Int32Array>((**batch).GetColumnByName("partition"));
    auto o = std::static_pointer_cast<arrow::Int64Array>((**batch).GetColumnByName("offset"));
    for (int64_t i = 0; i < (**batch).num_rows(); ++i) streamed.push_back({p->Value(i), o->Value(i)});
  }
  for (const auto& batch : whole->batches) {
    auto p = std::static_pointer_cast<arrow::Int32Array>(batch->GetColumnByName("partition"));
    auto o = std::static_pointer_cast<arrow::Int64Array>(batch->GetColumnByName("offset"));
    for (int64_t i = 0; i < batch->num_rows(); ++i) scanned.push_back({p->Value(i), o->Value(i)});
  }
  EXPECT_EQ(streamed, scanned);
  EXPECT_EQ(streamed.size(), 55u);
  EXPECT_EQ((*stream)->metrics().rows_matched, 55);
  EXPECT_EQ((*stream)->metrics().files_read, 2);
}

TEST(ScanStream, SkipsRowGroupsByTheirStatistics) {
  Files t;
  std::vector<Key> keys;
  for (int64_t o = 0; o < 100; ++o) keys.push_back({0, o});
  t.Write(keys, 7, /*row_group_rows=*/10);
  auto stream = ScanStream::Open(
      t.files(), t.Spec(Filter::Where({ColumnRange::Between("offset", int64_t{42}, int64_t{44})})));
  ASSERT_TRUE(stream.ok());
  int64_t rows = 0;
  while (true) {
    auto batch = (*stream)->Next();
    ASSERT_TRUE(batch.ok());
    if (!*batch) break;
    rows += (**batch).num_rows();
  }
  EXPECT_EQ(rows, 3);
  EXPECT_EQ((*stream)->metrics().rows_read, 10);  // one row group of ten decoded
}

TEST(FileScan, ReportsRowGroupStatisticsOfIntegerColumns) {
  Files t;
  t.Write({{3, 10}, {3, 12}, {4, 20}, {4, 25}}, 7, /*row_group_rows=*/2);
  auto scanner = Scanner::Make(t.Spec(Filter::Where({ColumnRange::Ge("offset", int64_t{21})})));
  ASSERT_TRUE(scanner.ok());
  auto file = (*scanner)->Open(t.files().front());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ((*file)->num_row_groups(), 2);
  auto partition = (*file)->RowGroupStats(1, "partition");
  ASSERT_TRUE(partition.has_value());
  EXPECT_EQ(partition->min, 4);
  EXPECT_EQ(partition->max, 4);
  EXPECT_EQ((*file)->RowGroupStats(0, "offset")->max, 12);
  EXPECT_FALSE((*file)->RowGroupStats(0, "value").has_value());  // not an integer
  EXPECT_FALSE((*file)->RowGroupMayMatch(0));
  EXPECT_TRUE((*file)->RowGroupMayMatch(1));
  ASSERT_TRUE((*file)->StartRowGroup(1).ok());
  auto batch = (*file)->Next();
  ASSERT_TRUE(batch.ok() && *batch);
  EXPECT_EQ((**batch).num_rows(), 1);  // offset 25 only
  EXPECT_EQ((*file)->rows_read(), 2);
}

}  // namespace
}  // namespace rp::delta
