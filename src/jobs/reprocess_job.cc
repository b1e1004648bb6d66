#include "jobs/reprocess_job.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <thread>

#include "common/log.h"
#include "common/uuid.h"
#include "delta/scan.h"
#include "delta/table.h"
#include "delta/table_sort.h"
#include "jobs/raw_table.h"
#include "kafka/producer.h"
#include "logic/visit_transform.h"

namespace rp::jobs {
namespace {

using Clock = std::chrono::steady_clock;
using delta::ColumnRange;
using delta::Conjunction;

// Offset bounds as scan conjunctions: one per named partition, plus, when the
// spec bounds every partition or leaves the others whole, conjunctions that
// cover the partitions it does not name.
std::vector<Conjunction> OffsetConjunctions(const SliceSpec& spec) {
  std::vector<Conjunction> out;
  if (!spec.HasOffsetBounds()) return {Conjunction{}};
  auto offset_range = [](const OffsetBounds& b) { return ColumnRange::Between("offset", b.first, b.last); };
  int64_t next_unnamed = 0;
  auto cover_gap = [&](int64_t upto_exclusive) {
    if (upto_exclusive <= next_unnamed) return;
    Conjunction c = {ColumnRange::Between("partition", next_unnamed, upto_exclusive - 1)};
    if (spec.all_partitions) c.push_back(offset_range(*spec.all_partitions));
    out.push_back(std::move(c));
  };
  for (const auto& [p, bounds] : spec.per_partition) {
    cover_gap(p);
    out.push_back({ColumnRange::Eq("partition", int64_t{p}), offset_range(bounds)});
    next_unnamed = int64_t{p} + 1;
  }
  Conjunction rest = {ColumnRange::Ge("partition", next_unnamed)};
  if (spec.all_partitions) rest.push_back(offset_range(*spec.all_partitions));
  out.push_back(std::move(rest));
  return out;
}

// Event-time bounds as partition-column conjunctions (year, month, day, hour
// in the table's zone), widened by a few hours so that DST shifts can never
// prune a matching file; rows are then checked exactly.
std::vector<Conjunction> TimeConjunctions(const SliceSpec& spec, const logic::TimeZone& zone) {
  constexpr int64_t kMarginMicros = 3LL * 3600 * 1000000;
  const std::vector<std::string> cols = {"year", "month", "day", "hour"};
  // Lexicographic (year, month, day, hour) >= lower as an OR of conjunctions.
  auto lexi = [&](const logic::CivilTime& t, bool lower) {
    int64_t parts[] = {t.year, t.month, t.day, t.hour};
    std::vector<Conjunction> any;
    for (size_t i = 0; i < cols.size(); ++i) {
      Conjunction c;
      for (size_t k = 0; k < i; ++k) c.push_back(ColumnRange::Eq(cols[k], parts[k]));
      if (i + 1 < cols.size()) {
        c.push_back(lower ? ColumnRange::Gt(cols[i], parts[i]) : ColumnRange::Lt(cols[i], parts[i]));
      } else {
        c.push_back(lower ? ColumnRange::Ge(cols[i], parts[i]) : ColumnRange::Le(cols[i], parts[i]));
      }
      any.push_back(std::move(c));
    }
    return any;
  };
  std::vector<Conjunction> lower = {Conjunction{}}, upper = {Conjunction{}};
  if (spec.since_micros) lower = lexi(zone.ToCivil(*spec.since_micros - kMarginMicros), true);
  if (spec.until_micros) upper = lexi(zone.ToCivil(*spec.until_micros + kMarginMicros), false);
  std::vector<Conjunction> out;
  for (const auto& l : lower) {
    for (const auto& u : upper) {
      Conjunction c = l;
      c.insert(c.end(), u.begin(), u.end());
      out.push_back(std::move(c));
    }
  }
  return out;
}

delta::Filter BuildFilter(const SliceSpec& spec, const logic::TimeZone& zone) {
  std::vector<Conjunction> any;
  for (const auto& o : OffsetConjunctions(spec)) {
    for (const auto& t : TimeConjunctions(spec, zone)) {
      Conjunction c = o;
      c.insert(c.end(), t.begin(), t.end());
      any.push_back(std::move(c));
    }
  }
  return delta::Filter::AnyOf(std::move(any));
}

// Sleeps as needed to keep the average rate at most `rate` records/s.
class RateLimiter {
 public:
  explicit RateLimiter(std::optional<double> rate) : rate_(rate), start_(Clock::now()) {}
  void Admit(int64_t done) {
    if (!rate_ || *rate_ <= 0) return;
    auto due = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(done / *rate_));
    if (due > Clock::now()) std::this_thread::sleep_until(due);
  }

 private:
  std::optional<double> rate_;
  Clock::time_point start_;
};

void ShowProgress(int64_t done, int64_t total, Clock::time_point start, bool final) {
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  double rate = secs > 0 ? done / secs : 0;
  double eta = rate > 0 ? (total - done) / rate : 0;
  std::fprintf(stderr, "\r%lld/%lld rows, %.0f rows/s, ETA %.0fs   %s", static_cast<long long>(done),
               static_cast<long long>(total), rate, eta, final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace

std::string ReprocessSummary::ToString() const {
  return fmt::format(
      "reprocess run {}: files {} total, {} pruned, {} skipped, {} read; rows {}; produced {}; filtered {}; "
      "dead-lettered {}; {:.3f} s",
      run_id, files_total, files_pruned, files_skipped, files_read, rows, produced, filtered, dead_lettered, seconds);
}

Result<ReprocessSummary> RunReprocessJob(const ReprocessJobOptions& options, const std::atomic<bool>& stop) {
  const auto started = Clock::now();
  ReprocessSummary summary;
  summary.run_id = NewUuid();

  auto table = delta::Table::Open(options.table_path);
  if (!table.ok()) {
    if (table.status().IsNotFound()) return Status::InvalidArgument("no Delta table at " + options.table_path);
    return table.status();
  }
  auto snapshot = (*table)->snapshot();
  const auto& conf = snapshot->metadata().configuration;
  auto topic_it = conf.find(kConfigSourceTopic);
  const std::string topic = topic_it != conf.end() ? topic_it->second : "visits";

  logic::TimeZone zone = logic::TimeZone::Local();
  auto zone_it = conf.find(kConfigTimeZone);
  if (options.timezone) {
    RP_ASSIGN_OR_RETURN(zone, logic::TimeZone::Find(*options.timezone));
  } else if (zone_it != conf.end()) {
    RP_ASSIGN_OR_RETURN(zone, logic::TimeZone::Find(zone_it->second));
  }
  RP_ASSIGN_OR_RETURN(SliceSpec slice, BuildSliceSpec(options.slice, topic, zone));

  // Which rows: prune by partitions and offset stats, then filter exactly.
  std::vector<delta::AddFile> files;
  files.reserve(snapshot->files().size());
  for (const auto& [path, add] : snapshot->files()) files.push_back(add);
  delta::ScanSpec scan;
  scan.table_root = options.table_path;
  scan.schema = snapshot->schema();
  scan.partition_columns = snapshot->partition_columns();
  scan.filter = BuildFilter(slice, zone);
  scan.columns = {"value", "partition", "offset"};
  RP_ASSIGN_OR_RETURN(delta::ScanResult result, delta::Scan(files, scan));
  summary.files_total = result.metrics.files_total;
  summary.files_pruned = result.metrics.files_pruned;
  summary.files_skipped = result.metrics.files_skipped;
  summary.files_read = result.metrics.files_read;
  RP_ASSIGN_OR_RETURN(auto rows, result.ToTable());
  RP_ASSIGN_OR_RETURN(rows, delta::SortTable(rows, {"partition", "offset"}));
  auto combined = rows->CombineChunks();
  if (!combined.ok()) return Status::Internal(combined.status().ToString());
  rows = *combined;

  // The same logic and output path as `stream`.
  logic::TransformOptions transform{zone, options.strict};
  logic::LogicSpec spec = options.logic;
  spec.visits = transform;
  RP_ASSIGN_OR_RETURN(std::unique_ptr<logic::Logic> logic, logic::OpenLogic(spec));
  std::unique_ptr<kafka::Producer> producer;
  OutputRouterOptions output = options.output;
  output.run_id = summary.run_id;
  std::unique_ptr<OutputRouter> router;
  if (!options.dry_run) {
    RP_ASSIGN_OR_RETURN(producer, kafka::Producer::Create(options.kafka, {}));
    auto created = OutputRouter::Create(producer.get(), logic.get(), output);
    if (!created.ok()) {
      if (created.status().IsNotFound()) return Status::InvalidArgument(created.status().message());
      return created.status();
    }
    router = std::move(*created);
  }
  logic::VisitTransformer preview(transform);  // --since/--until row checks (the event time)
  logic::Visit visit;
  logic::OutputRecord out;
  logic::LogicRejection rejection;

  const int64_t n = rows->num_rows();
  std::shared_ptr<arrow::StringArray> values;
  std::shared_ptr<arrow::Int32Array> partitions;
  std::shared_ptr<arrow::Int64Array> offsets;
  if (n > 0) {  // one chunk per column after CombineChunks
    values = std::static_pointer_cast<arrow::StringArray>(rows->column(0)->chunk(0));
    partitions = std::static_pointer_cast<arrow::Int32Array>(rows->column(1)->chunk(0));
    offsets = std::static_pointer_cast<arrow::Int64Array>(rows->column(2)->chunk(0));
  }
  RateLimiter limiter(options.max_rate);
  auto last_progress = Clock::now();
  for (int64_t i = 0; i < n && !stop.load(); ++i) {
    SourceRecord r{topic, partitions->Value(i), offsets->Value(i), std::nullopt, std::nullopt};
    if (!values->IsNull(i)) r.value = values->GetView(i);
    if (slice.since_micros || slice.until_micros) {
      // Time bounds select by the record's own event time; no event time, no match.
      if (!r.value || preview.Parse(*r.value, &visit) || !visit.event_time_micros) continue;
      if (slice.since_micros && *visit.event_time_micros < *slice.since_micros) continue;
      if (slice.until_micros && *visit.event_time_micros >= *slice.until_micros) continue;
    }
    ++summary.rows;
    if (options.dry_run) {
      const logic::Outcome outcome = logic->Apply(ToInputRecord(r), &out, &rejection);
      if (outcome == logic::Outcome::kOutput) ++summary.produced;
      if (outcome == logic::Outcome::kFiltered) ++summary.filtered;
      if (outcome == logic::Outcome::kRejected) ++summary.dead_lettered;
      if (options.dry_run_out) {
        *options.dry_run_out << "partition " << r.partition << " offset " << r.offset << " -> ";
        if (outcome == logic::Outcome::kOutput) *options.dry_run_out << out.value.value_or("null");
        if (outcome == logic::Outcome::kFiltered) *options.dry_run_out << "FILTERED";
        if (outcome == logic::Outcome::kRejected) *options.dry_run_out << "DLQ " << rejection.reason;
        *options.dry_run_out << '\n';
      }
      continue;
    }
    limiter.Admit(summary.rows);
    RP_RETURN_IF_ERROR(router->Process(r));
    if (options.show_progress && Clock::now() - last_progress > std::chrono::milliseconds(250)) {
      last_progress = Clock::now();
      ShowProgress(summary.rows, n, started, false);
    }
  }
  if (router) {
    RP_RETURN_IF_ERROR(producer->Flush(std::chrono::minutes(5)));
    summary.produced = router->produced();
    summary.filtered = router->filtered();
    summary.dead_lettered = router->dead_lettered();
  }
  if (options.show_progress) ShowProgress(summary.rows, summary.rows, started, true);
  if (stop.load()) Log(LogLevel::kWarn, "reprocess", "stopped early after {} rows", summary.rows);
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return summary;
}

}  // namespace rp::jobs
