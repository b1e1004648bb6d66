// Delta log costs that grow with a table's history (a plain main, not Google
// Benchmark: each measurement needs a large table built once).
//
// 1. Snapshot load of a table with --commits commits (default 1,000; each a
//    sync-job-like commit of 2 files with stats and 3 txns): with no
//    checkpoint (every commit replayed), with a checkpoint 10 commits behind
//    the head (the worst case at the default interval), and with one at the
//    head. LoadSnapshot and Table::Open, median of --repeat runs.
// 2. Finding 3 offsets (Kafka partition 1, offset BETWEEN k AND k+2) in a raw
//    table of --rows seed-shaped rows (default 10,000,000, ~100-byte values)
//    written the way the sync job writes it: commits of --rows_per_commit
//    rows (default 100,000) from 3 Kafka partitions in round-robin order,
//    built by jobs::RawBatchBuilder, written by delta::WriteDataFiles into
//    hourly partitions (--rows_per_hour, default 75,000, so most commits
//    span two hours) and committed with one txn per Kafka partition. Each
//    query opens the table and scans it as `reprocess` does; the common case
//    must read at most one data file.
//
//   build/bench/delta_log_bench [--commits=1000] [--rows=10000000]
//       [--rows_per_commit=100000] [--rows_per_hour=75000] [--queries=20]
//       [--repeat=5] [--dir=PATH] [--keep]
// The tables go to a fresh directory under --dir (default: the system temp
// dir), removed at the end unless --keep.
#include <arrow/api.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "common/uuid.h"
#include "delta/checkpoint.h"
#include "delta/data_file_writer.h"
#include "delta/log_store.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "jobs/raw_table.h"
#include "logic/time_zone.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  int64_t commits = 1000;
  int64_t rows = 10'000'000;
  int64_t rows_per_commit = 100'000;
  int64_t rows_per_hour = 75'000;
  int queries = 20;
  int repeat = 5;
  std::string dir = std::filesystem::temp_directory_path().string();
  bool keep = false;
};

using rp::bench::Check;
using rp::bench::Die;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Median wall time of `repeat` runs of `fn`, in milliseconds.
double MedianMs(int repeat, const std::function<void()>& fn) {
  std::vector<double> ms;
  for (int i = 0; i < repeat; ++i) {
    const auto start = Clock::now();
    fn();
    ms.push_back(Seconds(Clock::now() - start) * 1e3);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// ---- 1. Snapshot load over a long log. ----

// A sync commit's add: one hour partition, stats shaped like ComputeFileStats'.
rp::delta::AddFile SyncLikeAdd(int64_t commit, int file) {
  rp::delta::AddFile a;
  const int hour = static_cast<int>((commit + file) % 24);
  a.path = "year=2025/month=9/day=4/hour=" + std::to_string(hour) + "/part-0000" + std::to_string(file) +
           "-" + rp::NewUuid() + ".c000.snappy.parquet";
  a.partition_values = {{"year", "2025"}, {"month", "9"}, {"day", "4"}, {"hour", std::to_string(hour)}};
  a.size = 2'000'000 + commit;
  a.modification_time = 1'757'000'000'000 + commit;
  const int64_t lo = commit * 1000, hi = lo + 999;
  a.stats = "{\"numRecords\":3000,\"minValues\":{\"value\":\"{\\\"event_id\\\": \\\"click-" +
            std::to_string(lo) + "\\\", \\\"visit_i\",\"partition\":0,\"offset\":" + std::to_string(lo) +
            "},\"maxValues\":{\"value\":\"{\\\"event_id\\\": \\\"click-" + std::to_string(hi) +
            "\\\", \\\"visit_i\xef\xbf\xbd\",\"partition\":2,\"offset\":" + std::to_string(hi) +
            "},\"nullCount\":{\"value\":0,\"partition\":0,\"offset\":0}}";
  return a;
}

void BenchSnapshotLoad(const Flags& flags, const std::string& root) {
  const std::string path = root + "/log_table";
  rp::delta::TableOptions options;
  options.write_checkpoints = false;  // placed by hand below
  auto table = Check(rp::delta::Table::Create(path, *rp::jobs::RawTableSchema(rp::jobs::RawLayout::kSeed),
                                              rp::jobs::RawTablePartitionColumns(),
                                              {{"reprocessor.timeZone", "UTC"}}, options),
                     "create log table");
  // Commit latency as the log grows (the first and the last tenth).
  const int64_t tenth = std::max<int64_t>(flags.commits / 10, 1);
  std::vector<double> commit_ms;
  auto start = Clock::now();
  for (int64_t c = 1; c <= flags.commits; ++c) {
    const auto t0 = Clock::now();
    rp::delta::Transaction txn = table->NewTransaction();
    txn.AddFile(SyncLikeAdd(c, 0)).AddFile(SyncLikeAdd(c, 1));
    for (int p = 0; p < 3; ++p) txn.SetTxn("sync-visits-" + std::to_string(p), c * 1000 + p);
    Check(txn.Commit("STREAMING UPDATE", {{"outputMode", "Append"}}), "commit");
    commit_ms.push_back(Seconds(Clock::now() - t0) * 1e3);
  }
  auto mean = [](auto first, auto last) {
    return std::accumulate(first, last, 0.0) / static_cast<double>(last - first);
  };
  std::printf("log table: %" PRId64 " commits written in %.1f s; mean commit %.2f ms over the first %" PRId64
              ", %.2f ms over the last %" PRId64 " (%s)\n",
              flags.commits, Seconds(Clock::now() - start),
              mean(commit_ms.begin(), commit_ms.begin() + tenth), tenth,
              mean(commit_ms.end() - tenth, commit_ms.end()), tenth, path.c_str());

  const rp::delta::LogStore store = Check(rp::delta::LogStore::Open(path), "open log");
  const int64_t head = flags.commits;
  auto measure = [&](const char* label) {
    int64_t files = 0;
    const double load_ms =
        MedianMs(flags.repeat, [&] { files = Check(LoadSnapshot(store), "load")->num_files(); });
    const double open_ms = MedianMs(flags.repeat, [&] { Check(rp::delta::Table::Open(path), "open"); });
    std::printf("  %-34s LoadSnapshot %8.2f ms   Table::Open %8.2f ms   (%" PRId64 " files)\n", label,
                load_ms, open_ms, files);
    return load_ms;
  };
  const double none = measure("no checkpoint (all commits):");
  const int64_t behind = std::max<int64_t>(head - 10, 1);
  auto older = Check(LoadSnapshot(store, behind), "load older");
  Check(rp::delta::WriteCheckpoint(store, *older, 0), "checkpoint behind");
  const std::string behind_label =
      "checkpoint at " + std::to_string(behind) + " + " + std::to_string(head - behind) + " commits:";
  const double near = measure(behind_label.c_str());
  Check(rp::delta::WriteCheckpoint(store, *Check(LoadSnapshot(store), "load head"), 0), "checkpoint head");
  const std::string head_label = "checkpoint at " + std::to_string(head) + ":";
  const double at = measure(head_label.c_str());
  std::printf("  ratio no checkpoint / checkpoint 10 behind: %.1fx, / checkpoint at head: %.1fx\n",
              none / near, none / at);
}

// ---- 2. Three offsets in a 10M-row raw table. ----

// Appends the seed-shaped value of row `i` (event time advancing so that an
// hour holds `rows_per_hour` rows) to `out`.
void SeedValue(int64_t i, int64_t rows_per_hour, std::string* out) {
  static const char* kPages[] = {"home", "index", "page", "home-2", "index-2", "cart", "checkout"};
  const int64_t start = 7 * 3600;  // 2025-09-04T07:00:00
  const int64_t micros_per_row = 3'600'000'000 / rows_per_hour;
  const int64_t t = start * 1'000'000 + i * micros_per_row;
  const int64_t secs = t / 1'000'000, day = 4 + secs / 86400;
  char buf[160];
  const int n = std::snprintf(
      buf, sizeof buf,
      "{\"event_id\": \"click-%" PRId64 "\", \"visit_id\": %" PRId64 ", \"event_time\": \"2025-09-%02" PRId64
      "T%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%06" PRId64 "\", \"page\": \"%s\"}",
      i + 1, i / 7 + 1, day, secs / 3600 % 24, secs / 60 % 60, secs % 60, t % 1'000'000, kPages[i % 7]);
  out->assign(buf, static_cast<size_t>(n));
}

void BenchFindOffsets(const Flags& flags, const std::string& root) {
  const std::string path = root + "/raw_table";
  rp::jobs::RawTableSettings settings;
  settings.layout = rp::jobs::RawLayout::kKafka;  // what sync creates by default
  settings.time_zone = "UTC";
  settings.source_topic = "visits";
  auto table = Check(rp::delta::Table::Create(path, *rp::jobs::RawTableSchema(settings.layout),
                                              rp::jobs::RawTablePartitionColumns(),
                                              rp::jobs::RawTableConfiguration(settings)),
                     "create raw table");
  constexpr int kKafkaPartitions = 3;
  const rp::logic::TimeZone utc = rp::logic::TimeZone::Utc();
  std::string value;
  int64_t bytes_on_disk = 0, value_bytes = 0;
  auto start = Clock::now();
  for (int64_t first = 0; first < flags.rows; first += flags.rows_per_commit) {
    const int64_t last = std::min(flags.rows, first + flags.rows_per_commit);
    rp::jobs::RawBatchBuilder rows(settings.layout, settings.event_time, utc);
    std::map<int32_t, int64_t> last_offset;
    for (int64_t i = first; i < last; ++i) {
      SeedValue(i, flags.rows_per_hour, &value);
      value_bytes += static_cast<int64_t>(value.size());
      const auto partition = static_cast<int32_t>(i % kKafkaPartitions);
      const int64_t offset = i / kKafkaPartitions;
      rp::kafka::MessageView record;
      record.topic = "visits";
      record.partition = partition;
      record.offset = offset;
      record.value = value;
      record.timestamp_ms = 1'700'000'000'000 + i;
      record.timestamp_type = rp::kafka::TimestampType::kCreateTime;
      Check(rows.Append(record), "append row");
      last_offset[partition] = offset;
    }
    auto batch = Check(rows.Finish(), "finish batch");
    auto adds =
        Check(rp::delta::WriteDataFiles(*table->storage(), rp::jobs::RawTablePartitionColumns(), *batch),
              "write files");
    for (const auto& a : adds) bytes_on_disk += a.size;
    rp::delta::Transaction txn = table->NewTransaction();
    txn.AddFiles(std::move(adds));
    for (const auto& [p, o] : last_offset) txn.SetTxn(rp::jobs::SyncAppId("bench", "visits", p), o);
    Check(txn.Commit("STREAMING UPDATE", {{"outputMode", "Append"}}), "commit");
  }
  const auto snap = table->snapshot();
  std::printf("raw table: %" PRId64 " rows (%.0f MB of values) in %" PRId64 " commits, %" PRId64
              " files, %.0f MB on disk, written in %.1f s (%s)\n",
              flags.rows, static_cast<double>(value_bytes) / 1e6, snap->version(), snap->num_files(),
              static_cast<double>(bytes_on_disk) / 1e6, Seconds(Clock::now() - start), path.c_str());

  // Random offsets of Kafka partition 1, plus the first and the last three.
  const int64_t max_offset = (flags.rows + 1) / kKafkaPartitions - 1;  // rows i = 1, 4, 7, … are partition 1
  std::vector<int64_t> ks = {0, std::max<int64_t>(max_offset - 2, 0)};
  std::mt19937_64 rng(42);
  while (static_cast<int>(ks.size()) < flags.queries) {
    ks.push_back(std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(max_offset - 2, 0))(rng));
  }
  std::vector<double> open_ms, scan_ms, total_ms;
  std::map<int64_t, int> files_read_histogram;
  for (int64_t k : ks) {
    const auto t0 = Clock::now();
    auto opened = Check(rp::delta::Table::Open(path), "open");
    const auto t1 = Clock::now();
    const auto s = opened->snapshot();
    std::vector<rp::delta::AddFile> files;
    files.reserve(s->files().size());
    for (const auto& [p, add] : s->files()) files.push_back(add);
    rp::delta::ScanSpec spec;
    spec.storage = opened->storage();
    spec.schema = s->schema();
    spec.partition_columns = s->partition_columns();
    using rp::delta::ColumnRange;
    spec.filter = rp::delta::Filter::Where(
        {ColumnRange::Eq("partition", int64_t{1}), ColumnRange::Between("offset", k, k + 2)});
    spec.columns = {"value", "partition", "offset"};
    auto result = Check(rp::delta::Scan(files, spec), "scan");
    const auto t2 = Clock::now();
    if (result.metrics.rows_matched != 3) {
      Die("offsets " + std::to_string(k) + ".." + std::to_string(k + 2) + " matched " +
          std::to_string(result.metrics.rows_matched) + " rows, want 3");
    }
    open_ms.push_back(Seconds(t1 - t0) * 1e3);
    scan_ms.push_back(Seconds(t2 - t1) * 1e3);
    total_ms.push_back(Seconds(t2 - t0) * 1e3);
    ++files_read_histogram[result.metrics.files_read];
    if (k == ks[0]) {
      std::printf("  first query: %" PRId64 " files, %" PRId64 " skipped by stats, %" PRId64 " read, %" PRId64
                  " rows read\n",
                  result.metrics.files_total, result.metrics.files_skipped, result.metrics.files_read,
                  result.metrics.rows_read);
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto maximum = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  std::printf(
      "  %zu queries (partition 1, offset BETWEEN k AND k+2): median %.2f ms (open %.2f + scan %.2f), "
      "max %.2f ms\n",
      ks.size(), median(total_ms), median(open_ms), median(scan_ms), maximum(total_ms));
  std::printf("  data files read per query:");
  for (const auto& [n, count] : files_read_histogram)
    std::printf("  %" PRId64 " file(s): %d queries", n, count);
  std::printf("\n");
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      const std::string prefix = std::string("--") + name + "=";
      return a.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("commits"))
      f.commits = std::atoll(v);
    else if (const char* v = value("rows"))
      f.rows = std::atoll(v);
    else if (const char* v = value("rows_per_commit"))
      f.rows_per_commit = std::atoll(v);
    else if (const char* v = value("rows_per_hour"))
      f.rows_per_hour = std::atoll(v);
    else if (const char* v = value("queries"))
      f.queries = std::atoi(v);
    else if (const char* v = value("repeat"))
      f.repeat = std::atoi(v);
    else if (const char* v = value("dir"))
      f.dir = v;
    else if (a == "--keep")
      f.keep = true;
    else
      Die("unknown flag " + a + " (see the header of bench/delta_log_bench.cc)");
  }
  if (f.commits < 1 || f.rows < 6 || f.rows_per_commit < 1 || f.rows_per_hour < 1 || f.queries < 2 ||
      f.repeat < 1) {
    Die("flags out of range");
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  rp::bench::ProgramName() = "delta_log_bench";
  const Flags flags = ParseFlags(argc, argv);
  const std::string root = flags.dir + "/rp-delta-log-bench-" + rp::NewUuid();
  std::filesystem::create_directories(root);
  BenchSnapshotLoad(flags, root);
  BenchFindOffsets(flags, root);
  if (!flags.keep) std::filesystem::remove_all(root);
  return 0;
}
