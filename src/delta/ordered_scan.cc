#include "delta/ordered_scan.h"

#include <arrow/compute/api_vector.h>
#include <arrow/util/byte_size.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "delta/parallel_for.h"

namespace rp::delta {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// An integer column's values, whatever its width, without a virtual call per value.
class IntColumn {
 public:
  explicit IntColumn(const arrow::Array& a) : array_(a) {
    switch (a.type_id()) {
      case arrow::Type::INT8:
        i8_ = static_cast<const arrow::Int8Array&>(a).raw_values();
        break;
      case arrow::Type::INT16:
        i16_ = static_cast<const arrow::Int16Array&>(a).raw_values();
        break;
      case arrow::Type::INT32:
        i32_ = static_cast<const arrow::Int32Array&>(a).raw_values();
        break;
      default:
        i64_ = static_cast<const arrow::Int64Array&>(a).raw_values();
        break;
    }
  }
  bool IsNull(int64_t i) const { return array_.IsNull(i); }
  int64_t Value(int64_t i) const {
    if (i64_) return i64_[i];
    if (i32_) return i32_[i];
    if (i16_) return i16_[i];
    return i8_[i];
  }

 private:
  const arrow::Array& array_;
  const int8_t* i8_ = nullptr;
  const int16_t* i16_ = nullptr;
  const int32_t* i32_ = nullptr;
  const int64_t* i64_ = nullptr;
};

// A row group of a planned file: what a window reads.
struct Unit {
  uint32_t file;
  int32_t row_group;
  int64_t rows;
  int64_t bytes = 0;       // uncompressed, in the file
  bool keyed = false;      // described by a key pass (else by its statistics)
  bool has_nulls = false;  // holds rows with a null group or order value (read in the first window)
};

// The rows of one unit in one group: `count` rows with order values in lo..hi.
struct Segment {
  int64_t lo, hi;
  double count;
  uint32_t unit;
};

// One group's plan: its segments, and an estimate of how many of its rows
// have order values up to x, assuming a segment's rows spread evenly.
struct GroupPlan {
  int64_t id = 0;
  std::vector<Segment> segments;  // by lo, once built
  std::vector<int64_t> xs;        // breakpoints, ascending
  std::vector<double> below;      // estimated rows with order < xs[k]
  std::vector<double> slope;      // rows per order value in [xs[k], xs[k+1])
  double total = 0;
  int64_t first = kMax, last = kMin;  // the planned order values
  int64_t done = 0;                   // the last order value handed out, once started
  bool started = false, finished = false;
  size_t next_segment = 0;       // segments from here on are not started
  std::vector<uint32_t> active;  // started and not finished (indexes into segments)

  void Build() {
    std::sort(segments.begin(), segments.end(),
              [](const Segment& a, const Segment& b) { return a.lo < b.lo; });
    std::map<int64_t, double> delta;  // slope changes
    for (const Segment& s : segments) {
      const double per_value = s.count / (static_cast<double>(s.hi) - static_cast<double>(s.lo) + 1);
      delta[s.lo] += per_value;
      if (s.hi < kMax) delta[s.hi + 1] -= per_value;
      total += s.count;
      first = std::min(first, s.lo);
      last = std::max(last, s.hi);
    }
    double rows = 0, current = 0;
    int64_t prev = 0;
    for (const auto& [x, d] : delta) {
      if (!xs.empty()) rows += current * (static_cast<double>(x) - static_cast<double>(prev));
      xs.push_back(x);
      below.push_back(rows);
      current = std::max(0.0, current + d);
      slope.push_back(current);
      prev = x;
    }
  }

  // Estimated rows with order values <= x.
  double RowsUpTo(int64_t x) const {
    auto it = std::upper_bound(xs.begin(), xs.end(), x);
    if (it == xs.begin()) return 0;
    const size_t k = static_cast<size_t>(it - xs.begin()) - 1;
    return std::min(total, below[k] + slope[k] * (static_cast<double>(x) - static_cast<double>(xs[k]) + 1));
  }

  // The smallest order value x with RowsUpTo(x) >= rows (last when none).
  int64_t ValueWithRowsUpTo(double rows) const {
    if (xs.empty() || rows >= total) return last;
    auto it = std::lower_bound(below.begin(), below.end(), rows);  // first k with below[k] >= rows
    if (it == below.begin()) return xs.front();
    size_t k = static_cast<size_t>(it - below.begin()) - 1;
    if (slope[k] <= 0) return last;  // only where rounding left `rows` above every breakpoint
    const double steps = std::ceil((rows - below[k]) / slope[k]);
    const double x = static_cast<double>(xs[k]) + steps - 1;
    const int64_t cap = k + 1 < xs.size() ? xs[k + 1] - 1 : last;
    if (x >= static_cast<double>(cap)) return cap;
    return std::max(xs[k], static_cast<int64_t>(x));
  }
};

// The order values a window takes from one group, inclusive: kMin for the
// group's first window and kMax for its last, so that a row outside the plan
// (stats that lie) is still handed out, once.
struct Range {
  size_t group;
  int64_t lo, hi;
};

// A row of a window being read: its sort key and where it is.
struct Key {
  int64_t group, order;  // nulls as kMin: first
  uint32_t batch, row;
  bool operator<(const Key& o) const {
    if (group != o.group) return group < o.group;
    if (order != o.order) return order < o.order;
    if (batch != o.batch) return batch < o.batch;
    return row < o.row;
  }
};

enum class ReadOutcome { kDone, kOverBudget, kCancelled };

// Sorts a window's keys, which arrive as a few ascending runs: each file is
// in (partition, offset) order (sync writes a batch's rows so, compaction
// sorts them) and its batches follow one another, so a window holds about
// one run per file it read. Merging the runs costs n log(runs) where sorting
// cost n log(n) (a fifth of the read-ahead thread in a profile of a full
// reprocess); many runs (files in no order) are sorted.
void SortRuns(std::vector<Key>* keys) {
  constexpr size_t kMaxRuns = 64;
  std::vector<size_t> bounds{0};  // where each run starts, then the end
  for (size_t i = 1; i < keys->size(); ++i) {
    if ((*keys)[i] < (*keys)[i - 1]) {
      bounds.push_back(i);
      if (bounds.size() > kMaxRuns) {
        std::sort(keys->begin(), keys->end());
        return;
      }
    }
  }
  bounds.push_back(keys->size());
  const auto at = [keys](size_t i) { return keys->begin() + static_cast<std::ptrdiff_t>(i); };
  while (bounds.size() > 2) {  // more than one run: merge neighbours pairwise
    std::vector<size_t> merged{0};
    size_t r = 0;
    for (; r + 2 < bounds.size(); r += 2) {
      std::inplace_merge(at(bounds[r]), at(bounds[r + 1]), at(bounds[r + 2]));
      merged.push_back(bounds[r + 2]);
    }
    if (r + 1 < bounds.size()) merged.push_back(bounds.back());  // an odd run left over
    bounds = std::move(merged);
  }
}

}  // namespace

struct OrderedScan::Impl {
  OrderedScanOptions options;
  std::shared_ptr<const Scanner> scanner;
  ScanSpec key_spec;  // the group and order columns, under the same filter
  std::vector<AddFile> files;
  ScanMetrics metrics;
  std::vector<Unit> units;
  std::vector<GroupPlan> groups;
  std::vector<std::pair<int64_t, Segment>>
      stats_segments;  // (group, segment), until PlanGroups builds groups
  int64_t raw_rows = 0, raw_bytes = 0;
  std::atomic<int64_t> estimate{0};  // rows; replanning runs on the read-ahead thread
  bool planned = false;              // groups built; else one window holds everything
  bool everything_read = false;
  bool first_window = true;  // rows with nulls go in the first window
  double scale = 1;          // < 1 after windows went over budget
  double bytes_per_row = 0;  // the most seen in a window: turns the byte budget into rows
  bool measured_bytes_per_row = false;

  mutable std::mutex stats_mu;
  OrderedScanStats stats;
  std::set<uint32_t> decoded_files;  // under stats_mu

  // Read-ahead: the worker fills `slot` once the caller has taken the last one.
  std::atomic<bool> abort{false};
  std::thread worker;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<std::unique_ptr<OrderedWindow>>> slot;
  bool worker_started = false, worker_ended = false;

  bool Cancelled() const { return abort.load() || (options.cancel && options.cancel->load()); }
  FileScanOptions ReadOptions() const {
    FileScanOptions o;
    o.batch_rows = options.batch_rows;
    o.streaming = true;
    return o;
  }

  Status Plan(const std::vector<AddFile>& all_files);
  Status PlanGroups();
  Result<std::unique_ptr<OrderedWindow>> BuildWindow();
  std::vector<Range> ChooseRanges() const;
  int64_t Align(const GroupPlan& plan, int64_t lo, int64_t hi, double base, double share) const;
  bool Shrink(std::vector<Range>* ranges) const;
  void Commit(const std::vector<Range>& ranges);
  std::vector<char> UnitsFor(const std::vector<Range>& ranges) const;
  ReadOutcome Read(const std::vector<Range>* ranges, std::unique_ptr<OrderedWindow>* out, Status* error);
  void Work();
};

Status OrderedScan::Impl::Plan(const std::vector<AddFile>& all_files) {
  RP_ASSIGN_OR_RETURN(ScanPlan plan, scanner->Plan(all_files));
  metrics = plan.metrics;
  for (size_t i : plan.files) files.push_back(all_files[i]);

  // Footers: each row group that may match, with its statistics.
  struct FileUnits {
    std::vector<Unit> units;
    std::vector<std::optional<FileScan::IntStats>> group, order;
  };
  std::vector<FileUnits> found(files.size());
  RP_RETURN_IF_ERROR(ParallelFor(files.size(), scanner->spec().num_threads, options.cancel, [&](size_t f) {
    RP_ASSIGN_OR_RETURN(std::unique_ptr<FileScan> file, scanner->Open(files[f], ReadOptions()));
    for (int rg = 0; rg < file->num_row_groups(); ++rg) {
      if (file->row_group_rows(rg) == 0 || !file->RowGroupMayMatch(rg)) continue;
      found[f].units.push_back(
          {static_cast<uint32_t>(f), rg, file->row_group_rows(rg), file->row_group_bytes(rg)});
      found[f].group.push_back(file->RowGroupStats(rg, options.group_column));
      found[f].order.push_back(file->RowGroupStats(rg, options.order_column));
    }
    return Status::OK();
  }));
  for (auto& f : found) {
    for (size_t i = 0; i < f.units.size(); ++i) {
      Unit u = f.units[i];
      const auto& g = f.group[i];
      const auto& o = f.order[i];
      // One group value and an order range, no nulls: the stats say it all.
      const bool described = g && o && g->min == g->max && g->null_count == 0 && o->null_count == 0;
      u.keyed = !described;
      raw_rows += u.rows;
      raw_bytes += u.bytes;
      units.push_back(u);
      if (!described) continue;
      // Rows beyond the order bounds do not match: count only the part inside.
      int64_t lo = o->min, hi = o->max;
      double count = static_cast<double>(u.rows);
      if (options.order_bounds) {
        auto [blo, bhi] = options.order_bounds(g->min);
        const double width = static_cast<double>(hi) - static_cast<double>(lo) + 1;
        lo = std::max(lo, blo);
        hi = std::min(hi, bhi);
        if (lo > hi) continue;  // no row of it can match: no segment, so no window reads it
        count *= (static_cast<double>(hi) - static_cast<double>(lo) + 1) / width;
      }
      stats_segments.push_back({g->min, {lo, hi, count, static_cast<uint32_t>(units.size() - 1)}});
    }
  }
  {
    std::lock_guard<std::mutex> lock(stats_mu);
    stats.units = static_cast<int64_t>(units.size());
  }
  if (Cancelled()) return Status::OK();
  // Until windows show it, a row takes about its uncompressed size in the
  // files, plus a margin for offsets and columns read from dictionaries.
  if (raw_rows > 0) bytes_per_row = 1.25 * static_cast<double>(raw_bytes) / static_cast<double>(raw_rows);
  // A slice that fits one window needs no plan: read it all at once.
  if (raw_rows <= options.window_rows &&
      static_cast<double>(raw_rows) * bytes_per_row <= options.window_bytes) {
    estimate.store(raw_rows);
    return Status::OK();
  }
  return PlanGroups();
}

// Describes the units statistics cannot (a key pass), then builds each
// group's plan from every segment.
Status OrderedScan::Impl::PlanGroups() {
  std::map<int64_t, GroupPlan> by_id;
  for (const auto& [id, segment] : stats_segments) {
    GroupPlan& plan = by_id[id];
    plan.id = id;
    plan.segments.push_back(segment);
  }
  stats_segments.clear();
  stats_segments.shrink_to_fit();

  // Keyed units, by file: read their keys.
  std::map<uint32_t, std::vector<uint32_t>> keyed_by_file;
  for (uint32_t u = 0; u < units.size(); ++u) {
    if (units[u].keyed) keyed_by_file[units[u].file].push_back(u);
  }
  std::vector<std::pair<uint32_t, std::vector<uint32_t>>> work(keyed_by_file.begin(), keyed_by_file.end());
  RP_ASSIGN_OR_RETURN(std::shared_ptr<const Scanner> keys, Scanner::Make(key_spec));
  struct KeyStats {
    int64_t min = kMax, max = kMin, count = 0;
  };
  std::vector<std::vector<std::map<int64_t, KeyStats>>> described(work.size());
  std::vector<std::vector<bool>> nulls(work.size());
  RP_RETURN_IF_ERROR(ParallelFor(work.size(), scanner->spec().num_threads, options.cancel, [&](size_t w) {
    const auto& [file_index, unit_ids] = work[w];
    RP_ASSIGN_OR_RETURN(std::unique_ptr<FileScan> file, keys->Open(files[file_index], ReadOptions()));
    described[w].resize(unit_ids.size());
    nulls[w].assign(unit_ids.size(), false);
    for (size_t i = 0; i < unit_ids.size(); ++i) {
      RP_RETURN_IF_ERROR(file->StartRowGroup(units[unit_ids[i]].row_group));
      while (true) {
        if (Cancelled()) return Status::OK();
        RP_ASSIGN_OR_RETURN(std::shared_ptr<arrow::RecordBatch> batch, file->Next());
        if (!batch) break;
        const std::shared_ptr<arrow::Array> group_array = batch->column(0), order_array = batch->column(1);
        IntColumn g(*group_array), o(*order_array);
        auto& per_group = described[w][i];
        KeyStats* last = nullptr;
        int64_t last_group = 0;
        for (int64_t r = 0; r < batch->num_rows(); ++r) {
          if (g.IsNull(r) || o.IsNull(r)) {
            nulls[w][i] = true;
            continue;
          }
          const int64_t group = g.Value(r), order = o.Value(r);
          if (!last || group != last_group) {
            last = &per_group[group];
            last_group = group;
          }
          last->min = std::min(last->min, order);
          last->max = std::max(last->max, order);
          ++last->count;
        }
      }
    }
    return Status::OK();
  }));
  if (Cancelled()) return Status::OK();
  int64_t keyed = 0;
  for (size_t w = 0; w < work.size(); ++w) {
    for (size_t i = 0; i < work[w].second.size(); ++i) {
      const uint32_t u = work[w].second[i];
      units[u].has_nulls = nulls[w][i];
      ++keyed;
      for (const auto& [group, k] : described[w][i]) {
        GroupPlan& plan = by_id[group];
        plan.id = group;
        plan.segments.push_back({k.min, k.max, static_cast<double>(k.count), u});
      }
    }
  }
  double rows = 0;
  for (auto& [id, plan] : by_id) {
    plan.Build();
    rows += plan.total;
    groups.push_back(std::move(plan));
  }
  planned = true;
  estimate.store(std::llround(rows));
  std::lock_guard<std::mutex> lock(stats_mu);
  stats.keyed_units = keyed;
  return Status::OK();
}

// The next window: each group advances by its share of about the row budget
// (its part of the rows left), so that groups end together.
std::vector<Range> OrderedScan::Impl::ChooseRanges() const {
  std::vector<double> left(groups.size(), 0);
  double total_left = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    const GroupPlan& plan = groups[g];
    if (plan.finished) continue;
    left[g] = std::max(0.0, plan.total - (plan.started ? plan.RowsUpTo(plan.done) : 0));
    total_left += left[g];
  }
  // Aim below the budget: the estimate is only an estimate.
  double budget = static_cast<double>(options.window_rows);
  if (bytes_per_row > 0) budget = std::min(budget, static_cast<double>(options.window_bytes) / bytes_per_row);
  const double target = std::max(1.0, budget * scale * 0.8);
  std::vector<Range> ranges;
  for (size_t g = 0; g < groups.size(); ++g) {
    const GroupPlan& plan = groups[g];
    if (plan.finished) continue;
    Range r{g, plan.started ? plan.done + 1 : kMin, kMax};
    if (total_left > target && left[g] > 0) {
      const double share = target * left[g] / total_left;
      if (share < left[g]) {
        const double base = plan.started ? plan.RowsUpTo(plan.done) : 0;
        const int64_t lo = plan.started ? plan.done + 1 : plan.first;
        int64_t hi = std::max(plan.ValueWithRowsUpTo(base + share), lo);  // always some progress
        hi = Align(plan, lo, hi, base, share);
        if (hi < plan.last) r.hi = hi;
      }
    }
    ranges.push_back(r);
  }
  return ranges;
}

// Moves a group's window end `hi` out of the units it would cut in two (and
// so have read twice): on to their end when the window still fits (with up
// to 19% more than its share: the share aims at 80% of the budget), else back
// to just before the first of them when that keeps half the share. Units that
// began before the window (wide ones) are read again anyway and do not count.
int64_t OrderedScan::Impl::Align(const GroupPlan& plan, int64_t lo, int64_t hi, double base,
                                 double share) const {
  int64_t cut_lo = kMax, cut_hi = kMin;
  auto consider = [&](const Segment& s) {
    if (s.lo >= lo && s.lo <= hi && s.hi > hi) {
      cut_lo = std::min(cut_lo, s.lo);
      cut_hi = std::max(cut_hi, s.hi);
    }
  };
  for (uint32_t s : plan.active) consider(plan.segments[s]);
  for (size_t s = plan.next_segment; s < plan.segments.size() && plan.segments[s].lo <= hi; ++s) {
    consider(plan.segments[s]);
  }
  if (cut_lo == kMax) return hi;
  if (plan.RowsUpTo(cut_hi) - base <= share * (0.95 / 0.8)) return cut_hi;
  if (cut_lo > lo && plan.RowsUpTo(cut_lo - 1) - base >= share / 2) return cut_lo - 1;
  return hi;
}

// Halves a window that went over budget: every range to half its width;
// when every range is a single value, half of the groups.
bool OrderedScan::Impl::Shrink(std::vector<Range>* ranges) const {
  bool shrunk = false;
  for (Range& r : *ranges) {
    const GroupPlan& plan = groups[r.group];
    const int64_t lo = r.lo == kMin ? plan.first : r.lo;
    const int64_t hi = r.hi == kMax ? plan.last : r.hi;
    if (hi > lo) {
      r.hi = lo + (hi - lo) / 2;
      shrunk = true;
    }
  }
  if (!shrunk && ranges->size() > 1) {
    ranges->resize(ranges->size() / 2);
    shrunk = true;
  }
  return shrunk;
}

void OrderedScan::Impl::Commit(const std::vector<Range>& ranges) {
  first_window = false;
  for (const Range& r : ranges) {
    GroupPlan& plan = groups[r.group];
    plan.started = true;
    if (r.hi == kMax) {
      plan.finished = true;
      plan.active.clear();
      continue;
    }
    plan.done = r.hi;
    while (plan.next_segment < plan.segments.size() && plan.segments[plan.next_segment].lo <= r.hi) {
      plan.active.push_back(static_cast<uint32_t>(plan.next_segment++));
    }
    std::erase_if(plan.active, [&](uint32_t s) { return plan.segments[s].hi <= r.hi; });
  }
}

// Which units a window must read: those with a segment in its ranges, and in
// the first window those holding nulls.
std::vector<char> OrderedScan::Impl::UnitsFor(const std::vector<Range>& ranges) const {
  std::vector<char> read(units.size(), 0);
  for (const Range& r : ranges) {
    const GroupPlan& plan = groups[r.group];
    for (uint32_t s : plan.active) read[plan.segments[s].unit] = 1;
    for (size_t s = plan.next_segment; s < plan.segments.size() && plan.segments[s].lo <= r.hi; ++s) {
      read[plan.segments[s].unit] = 1;
    }
  }
  if (first_window) {
    for (size_t u = 0; u < units.size(); ++u) {
      if (units[u].has_nulls) read[u] = 1;
    }
  }
  return read;
}

// Reads one window: every row of `ranges` (null: every row), within budget.
ReadOutcome OrderedScan::Impl::Read(const std::vector<Range>* ranges, std::unique_ptr<OrderedWindow>* out,
                                    Status* error) {
  auto window = std::make_unique<OrderedWindow>();
  std::vector<char> read = ranges ? UnitsFor(*ranges) : std::vector<char>(units.size(), 1);
  // Group id -> range, dense for small ids (Kafka partitions).
  constexpr int64_t kDense = 1 << 16;
  std::vector<std::pair<int64_t, int64_t>> dense;
  std::unordered_map<int64_t, std::pair<int64_t, int64_t>> sparse;
  if (ranges) {
    dense.assign(kDense, {kMax, kMin});
    for (const Range& r : *ranges) {
      const int64_t id = groups[r.group].id;
      if (id >= 0 && id < kDense) {
        dense[id] = {r.lo, r.hi};
      } else {
        sparse[id] = {r.lo, r.hi};
      }
    }
  }
  const bool keep_nulls = first_window;
  const int group_index = scanner->output_schema()->GetFieldIndex(options.group_column);
  const int order_index = scanner->output_schema()->GetFieldIndex(options.order_column);
  std::vector<Key> keys;
  int64_t rows_held = 0, bytes_held = 0;
  auto note_peak = [&] {
    // What windows really take replaces the first guess.
    if (rows_held > 0 && rows_held >= std::min<int64_t>(1000, options.window_rows / 4)) {
      const double seen = static_cast<double>(bytes_held) / static_cast<double>(rows_held);
      bytes_per_row = measured_bytes_per_row ? std::max(bytes_per_row, seen) : seen;
      measured_bytes_per_row = true;
    }
    std::lock_guard<std::mutex> lock(stats_mu);
    stats.max_window_rows = std::max(stats.max_window_rows, rows_held);
    stats.max_window_bytes = std::max(stats.max_window_bytes, bytes_held);
  };
  std::unique_ptr<FileScan> file;
  arrow::Int64Builder indices;
  for (size_t u = 0; u < units.size(); ++u) {
    if (!read[u]) continue;
    const Unit& unit = units[u];
    if (!file || file->path() != files[unit.file].path) {
      // Files are in unit order: each is opened once per window.
      auto opened = scanner->Open(files[unit.file], ReadOptions());
      if (!opened.ok()) {
        *error = opened.status();
        return ReadOutcome::kDone;
      }
      file = std::move(*opened);
    }
    if (Status s = file->StartRowGroup(unit.row_group); !s.ok()) {
      *error = s;
      return ReadOutcome::kDone;
    }
    const int64_t decoded_before = file->rows_read();
    {
      std::lock_guard<std::mutex> lock(stats_mu);
      ++stats.unit_reads;
    }
    while (true) {
      if (Cancelled()) return ReadOutcome::kCancelled;
      auto next = file->Next();
      if (!next.ok()) {
        *error = next.status();
        return ReadOutcome::kDone;
      }
      std::shared_ptr<arrow::RecordBatch> batch = std::move(*next);
      if (!batch) break;
      if (batch->num_rows() == 0) continue;
      const std::shared_ptr<arrow::Array> group_array = batch->column(group_index);
      const std::shared_ptr<arrow::Array> order_array = batch->column(order_index);
      IntColumn g(*group_array), o(*order_array);
      indices.Reset();
      const size_t keys_before = keys.size();
      const auto batch_id = static_cast<uint32_t>(window->batches_.size());
      for (int64_t i = 0; i < batch->num_rows(); ++i) {
        int64_t group = kMin, order = kMin;
        if (g.IsNull(i) || o.IsNull(i)) {
          if (!keep_nulls) continue;
        } else {
          group = g.Value(i);
          order = o.Value(i);
          if (ranges) {
            std::pair<int64_t, int64_t> range{kMax, kMin};
            if (group >= 0 && group < kDense) {
              range = dense[group];
            } else if (auto it = sparse.find(group); it != sparse.end()) {
              range = it->second;
            }
            if (order < range.first || order > range.second) continue;
          }
        }
        keys.push_back({group, order, batch_id, static_cast<uint32_t>(keys.size() - keys_before)});
        if (!indices.Append(i).ok()) {
          *error = Status::Internal("out of memory selecting window rows");
          return ReadOutcome::kDone;
        }
      }
      const int64_t kept = static_cast<int64_t>(keys.size() - keys_before);
      if (kept == 0) continue;
      if (kept < batch->num_rows()) {
        std::shared_ptr<arrow::Array> selected;
        arrow::Result<arrow::Datum> taken = arrow::Status::OutOfMemory("window row indices");
        if (indices.Finish(&selected).ok()) taken = arrow::compute::Take(batch, selected);
        if (!taken.ok()) {
          *error = Status::Internal("selecting window rows: " + taken.status().ToString());
          return ReadOutcome::kDone;
        }
        batch = taken->record_batch();
      }
      const int64_t bytes = static_cast<int64_t>(arrow::util::TotalBufferSize(*batch));
      if (rows_held + kept > options.window_rows || bytes_held + bytes > options.window_bytes) {
        note_peak();  // what it held: this batch is never added
        return ReadOutcome::kOverBudget;
      }
      rows_held += kept;
      bytes_held += bytes;
      window->batches_.push_back(std::move(batch));
    }
    std::lock_guard<std::mutex> lock(stats_mu);
    stats.rows_decoded += file->rows_read() - decoded_before;
    if (file->rows_read() > decoded_before && decoded_files.insert(unit.file).second) ++stats.files_decoded;
  }
  note_peak();
  SortRuns(&keys);
  window->rows_.reserve(keys.size());
  for (const Key& k : keys) window->rows_.push_back({k.batch, k.row});
  window->bytes_ = bytes_held;
  *out = std::move(window);
  return ReadOutcome::kDone;
}

Result<std::unique_ptr<OrderedWindow>> OrderedScan::Impl::BuildWindow() {
  while (!Cancelled()) {
    std::unique_ptr<OrderedWindow> window;
    Status error;
    if (!planned) {
      if (everything_read) return std::unique_ptr<OrderedWindow>();
      const ReadOutcome outcome = Read(nullptr, &window, &error);
      RP_RETURN_IF_ERROR(error);
      if (outcome == ReadOutcome::kCancelled) break;
      if (outcome == ReadOutcome::kDone) {
        everything_read = true;
        first_window = false;
        if (window->num_rows() == 0) return std::unique_ptr<OrderedWindow>();
        std::lock_guard<std::mutex> lock(stats_mu);
        ++stats.windows;
        return window;
      }
      // More than a window after all (wide rows): plan it properly.
      {
        std::lock_guard<std::mutex> lock(stats_mu);
        ++stats.retries;
      }
      RP_RETURN_IF_ERROR(PlanGroups());
      continue;
    }
    const bool all_done =
        std::all_of(groups.begin(), groups.end(), [](const GroupPlan& g) { return g.finished; });
    if (all_done && !first_window) return std::unique_ptr<OrderedWindow>();
    std::vector<Range> ranges = ChooseRanges();
    while (true) {
      const ReadOutcome outcome = Read(&ranges, &window, &error);
      RP_RETURN_IF_ERROR(error);
      if (outcome == ReadOutcome::kCancelled) return std::unique_ptr<OrderedWindow>();
      if (outcome == ReadOutcome::kDone) break;
      {
        std::lock_guard<std::mutex> lock(stats_mu);
        ++stats.retries;
      }
      scale /= 2;
      if (!Shrink(&ranges)) {
        const GroupPlan& plan = groups[ranges.front().group];
        return Status::Unsupported(
            "more than " + std::to_string(options.window_rows) + " rows (or " +
            std::to_string(options.window_bytes) + " bytes) share " + options.order_column + " " +
            std::to_string(ranges.front().lo == kMin ? plan.first : ranges.front().lo) + " of " +
            options.group_column + " " + std::to_string(plan.id));
      }
    }
    Commit(ranges);
    // Windows that fit well let the aim grow back.
    if (scale < 1 && window->num_rows() < options.window_rows / 4) scale = std::min(1.0, scale * 2);
    if (window->num_rows() == 0) continue;  // nothing matched in this stretch
    std::lock_guard<std::mutex> lock(stats_mu);
    ++stats.windows;
    return window;
  }
  return std::unique_ptr<OrderedWindow>();
}

void OrderedScan::Impl::Work() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return !slot.has_value() || abort.load(); });
      if (abort.load()) break;
    }
    Result<std::unique_ptr<OrderedWindow>> window = BuildWindow();
    const bool last = !window.ok() || *window == nullptr;
    {
      std::lock_guard<std::mutex> lock(mu);
      slot.emplace(std::move(window));
      if (last) worker_ended = true;
    }
    cv.notify_all();
    if (last) break;
  }
}

OrderedScan::OrderedScan(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OrderedScan::~OrderedScan() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->abort.store(true);
  }
  impl_->cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

Result<std::unique_ptr<OrderedScan>> OrderedScan::Open(const std::vector<AddFile>& files, ScanSpec spec,
                                                       OrderedScanOptions options) {
  auto impl = std::make_unique<Impl>();
  if (options.window_rows <= 0 || options.window_bytes <= 0 || options.batch_rows <= 0) {
    return Status::InvalidArgument("an ordered scan needs positive window and batch sizes");
  }
  impl->key_spec = spec;
  impl->key_spec.columns = {options.group_column, options.order_column};
  RP_ASSIGN_OR_RETURN(impl->scanner, Scanner::Make(std::move(spec)));
  for (const std::string& name : {options.group_column, options.order_column}) {
    auto field = impl->scanner->output_schema()->GetFieldByName(name);
    if (!field || !IsIntegerType(*field->type())) {
      return Status::InvalidArgument("an ordered scan needs '" + name + "' as an integer output column");
    }
  }
  impl->options = std::move(options);
  RP_RETURN_IF_ERROR(impl->Plan(files));
  return std::unique_ptr<OrderedScan>(new OrderedScan(std::move(impl)));
}

const std::shared_ptr<arrow::Schema>& OrderedScan::schema() const { return impl_->scanner->output_schema(); }
const ScanMetrics& OrderedScan::metrics() const { return impl_->metrics; }
int64_t OrderedScan::estimated_rows() const { return impl_->estimate.load(); }

OrderedScanStats OrderedScan::stats() const {
  std::lock_guard<std::mutex> lock(impl_->stats_mu);
  return impl_->stats;
}

Result<std::unique_ptr<OrderedWindow>> OrderedScan::Next() {
  Impl& impl = *impl_;
  if (!impl.options.read_ahead) return impl.BuildWindow();
  std::unique_lock<std::mutex> lock(impl.mu);
  if (!impl.worker_started) {
    impl.worker_started = true;
    impl.worker = std::thread([&impl] { impl.Work(); });
  }
  impl.cv.wait(lock, [&] { return impl.slot.has_value() || (impl.worker_ended && !impl.slot.has_value()); });
  if (!impl.slot.has_value()) return std::unique_ptr<OrderedWindow>();  // ended and taken
  Result<std::unique_ptr<OrderedWindow>> window = std::move(*impl.slot);
  impl.slot.reset();
  lock.unlock();
  impl.cv.notify_all();
  return window;
}

}  // namespace rp::delta
