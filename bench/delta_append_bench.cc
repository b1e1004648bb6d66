// Appending seed-shaped rows as Delta data files (value STRING ~100 bytes,
// partition INT, offset BIGINT; partitioned by year/month/day/hour INT), and
// scanning them back with an offset range. Items are rows.
//
//   build/bench/delta_append_bench --benchmark_filter=Append
#include <arrow/api.h>
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>

#include "common/uuid.h"
#include "delta/data_file_writer.h"
#include "delta/scan.h"

namespace {

constexpr int64_t kRows = 1'000'000;

// Events of three Kafka partitions over 24 hours; `interleaved` spreads
// consecutive rows over the hours instead of keeping them in time order.
std::shared_ptr<arrow::RecordBatch> SeedRows(int64_t n, bool interleaved) {
  arrow::StringBuilder value;
  arrow::Int32Builder partition, year, month, day, hour;
  arrow::Int64Builder offset;
  (void)value.Reserve(n);
  (void)value.ReserveData(n * 110);
  for (auto* b : {&partition, &year, &month, &day, &hour}) (void)b->Reserve(n);
  (void)offset.Reserve(n);
  char buf[160];
  for (int64_t i = 0; i < n; ++i) {
    int h = interleaved ? static_cast<int>(i % 24) : static_cast<int>(i * 24 / n);
    int len = std::snprintf(buf, sizeof buf,
                            "{\"event_id\": \"click-%lld\", \"visit_id\": %lld, \"event_time\": "
                            "\"2025-09-04T%02d:%02lld:00.000000\", \"page\": \"page-%lld\"}",
                            static_cast<long long>(i), static_cast<long long>(i / 7), h,
                            static_cast<long long>(i % 60), static_cast<long long>(i % 13));
    value.UnsafeAppend(buf, len);
    partition.UnsafeAppend(static_cast<int32_t>(i % 3));
    offset.UnsafeAppend(i / 3);
    year.UnsafeAppend(2025);
    month.UnsafeAppend(9);
    day.UnsafeAppend(4);
    hour.UnsafeAppend(h);
  }
  auto schema = arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("partition", arrow::int32()),
                               arrow::field("offset", arrow::int64()), arrow::field("year", arrow::int32()),
                               arrow::field("month", arrow::int32()), arrow::field("day", arrow::int32()),
                               arrow::field("hour", arrow::int32())});
  return arrow::RecordBatch::Make(schema, n,
                                  {value.Finish().ValueOrDie(), partition.Finish().ValueOrDie(),
                                   offset.Finish().ValueOrDie(), year.Finish().ValueOrDie(),
                                   month.Finish().ValueOrDie(), day.Finish().ValueOrDie(),
                                   hour.Finish().ValueOrDie()});
}

const std::vector<std::string> kPartitionColumns = {"year", "month", "day", "hour"};

std::string TempRoot() {
  return (std::filesystem::temp_directory_path() / ("rp-append-bench-" + rp::NewUuid())).string();
}

void Append(benchmark::State& state, bool interleaved) {
  auto batch = SeedRows(kRows, interleaved);
  for (auto _ : state) {
    state.PauseTiming();
    std::string root = TempRoot();
    auto storage = rp::delta::OpenStorage(root).value();
    state.ResumeTiming();
    auto adds = rp::delta::WriteDataFiles(*storage, kPartitionColumns, *batch);
    if (!adds.ok()) state.SkipWithError(adds.status().ToString().c_str());
    state.PauseTiming();
    int64_t bytes = 0;
    if (adds.ok()) {
      for (const auto& a : *adds) bytes += a.size;
      state.counters["files"] = static_cast<double>(adds->size());
      state.counters["MB_on_disk"] = static_cast<double>(bytes) / 1e6;
    }
    std::filesystem::remove_all(root);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}

void BM_AppendTimeOrdered(benchmark::State& state) { Append(state, false); }
void BM_AppendInterleavedHours(benchmark::State& state) { Append(state, true); }
BENCHMARK(BM_AppendTimeOrdered)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_AppendInterleavedHours)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Scan of an offset range of one Kafka partition over 24 files of 1M rows.
void BM_ScanOffsetRange(benchmark::State& state) {
  std::string root = TempRoot();
  auto storage = rp::delta::OpenStorage(root).value();
  auto adds = rp::delta::WriteDataFiles(*storage, kPartitionColumns, *SeedRows(kRows, false));
  if (!adds.ok()) {
    state.SkipWithError(adds.status().ToString().c_str());
    return;
  }
  rp::delta::ScanSpec spec;
  spec.storage = storage;
  spec.schema = SeedRows(0, false)->schema();
  spec.partition_columns = kPartitionColumns;
  spec.num_threads = static_cast<int>(state.range(0));
  using rp::delta::ColumnRange;
  spec.filter = rp::delta::Filter::Where({ColumnRange::Eq("partition", int64_t{1}),
                                          ColumnRange::Between("offset", int64_t{100'000}, int64_t{200'000})});
  spec.columns = {"value", "partition", "offset"};
  for (auto _ : state) {
    auto result = rp::delta::Scan(*adds, spec);
    if (!result.ok()) state.SkipWithError(result.status().ToString().c_str());
    benchmark::DoNotOptimize(result);
    if (result.ok()) state.counters["files_read"] = static_cast<double>(result->metrics.files_read);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  std::filesystem::remove_all(root);
}
BENCHMARK(BM_ScanOffsetRange)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
