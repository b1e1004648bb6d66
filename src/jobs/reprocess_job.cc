#include "jobs/reprocess_job.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>
#include <thread>

#include "common/log.h"
#include "common/uuid.h"
#include "delta/ordered_scan.h"
#include "delta/scan.h"
#include "delta/table.h"
#include "jobs/raw_table.h"
#include "kafka/producer.h"
#include "logic/event_time.h"

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

// `zone` is the table's: its partition columns are civil times there. With a
// stored event_time column (kafka layout), time bounds are exact ranges on it,
// so files are also skipped by its statistics.
delta::Filter BuildFilter(const SliceSpec& spec, const logic::TimeZone& zone, bool has_event_time_column) {
  Conjunction event_time;
  if (has_event_time_column && spec.since_micros)
    event_time.push_back(ColumnRange::Ge("event_time", *spec.since_micros));
  if (has_event_time_column && spec.until_micros)
    event_time.push_back(ColumnRange::Lt("event_time", *spec.until_micros));
  std::vector<Conjunction> any;
  for (const auto& o : OffsetConjunctions(spec)) {
    for (const auto& t : TimeConjunctions(spec, zone)) {
      Conjunction c = o;
      c.insert(c.end(), t.begin(), t.end());
      c.insert(c.end(), event_time.begin(), event_time.end());
      any.push_back(std::move(c));
    }
  }
  return delta::Filter::AnyOf(std::move(any));
}

// The rows of a scanned batch, as source records: one row at a time, reusing
// the header array.
class RowReader {
 public:
  RowReader(const arrow::RecordBatch& rows, RawLayout layout, std::string_view topic) : topic_(topic) {
    auto column = [&](const char* name) { return rows.GetColumnByName(name); };
    value_ = std::static_pointer_cast<arrow::BinaryArray>(column("value"));  // a StringArray is one too
    partition_ = std::static_pointer_cast<arrow::Int32Array>(column("partition"));
    offset_ = std::static_pointer_cast<arrow::Int64Array>(column("offset"));
    if (layout == RawLayout::kKafka) {
      key_ = std::static_pointer_cast<arrow::BinaryArray>(column("key"));
      timestamp_ = std::static_pointer_cast<arrow::TimestampArray>(column("timestamp"));
      headers_ = std::static_pointer_cast<arrow::ListArray>(column("headers"));
      const auto& entries = static_cast<const arrow::StructArray&>(*headers_->values());
      header_key_ = std::static_pointer_cast<arrow::StringArray>(entries.field(0));
      header_value_ = std::static_pointer_cast<arrow::BinaryArray>(entries.field(1));
    }
  }

  SourceRecord Row(int64_t i) {
    SourceRecord r{topic_, partition_->Value(i), offset_->Value(i), std::nullopt, std::nullopt};
    if (!value_->IsNull(i)) r.value = value_->GetView(i);
    if (!key_) return r;
    if (!key_->IsNull(i)) r.key = key_->GetView(i);
    if (!timestamp_->IsNull(i)) r.timestamp_ms = FloorDiv(timestamp_->Value(i), 1000);
    header_views_.clear();
    if (!headers_->IsNull(i)) {
      for (int64_t h = headers_->value_offset(i); h < headers_->value_offset(i + 1); ++h) {
        logic::HeaderView view{header_key_->GetView(h), std::nullopt};
        if (!header_value_->IsNull(h)) view.value = header_value_->GetView(h);
        header_views_.push_back(view);
      }
    }
    r.headers = header_views_;
    return r;
  }

 private:
  static int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b < 0); }

  std::string_view topic_;
  std::shared_ptr<arrow::BinaryArray> value_, key_, header_value_;
  std::shared_ptr<arrow::Int32Array> partition_;
  std::shared_ptr<arrow::Int64Array> offset_;
  std::shared_ptr<arrow::TimestampArray> timestamp_;
  std::shared_ptr<arrow::ListArray> headers_;
  std::shared_ptr<arrow::StringArray> header_key_;
  std::vector<logic::HeaderView> header_views_;
};

// Sleeps as needed to keep the average rate at most `rate` records/s.
class RateLimiter {
 public:
  explicit RateLimiter(std::optional<double> rate) : rate_(rate), start_(Clock::now()) {}
  void Admit(int64_t done) {
    if (!rate_ || *rate_ <= 0) return;
    auto due =
        start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(done / *rate_));
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

// Waits for every produced record's acknowledgement: up to 5 minutes for a
// complete run, but only kStopGrace once `stop` is set (SIGTERM/SIGINT), even
// in the middle of the wait, so a run whose broker has gone still ends within
// seconds. `undelivered` gets the records not acknowledged by then (queued,
// in flight or failed); once stopped they are purged so that the producer
// closes at once, and only a complete run fails on them.
constexpr std::chrono::seconds kStopGrace(3);

Status FinishDeliveries(kafka::Producer* producer, int64_t enqueued, const std::atomic<bool>& stop,
                        int64_t* undelivered) {
  auto deadline =
      Clock::now() + (stop.load() ? std::chrono::duration_cast<Clock::duration>(kStopGrace)
                                  : std::chrono::duration_cast<Clock::duration>(std::chrono::minutes(5)));
  bool stop_seen = stop.load();
  while (rd_kafka_outq_len(producer->handle()) > 0 && Clock::now() < deadline) {
    if (!stop_seen && stop.load()) {
      stop_seen = true;
      deadline = std::min(deadline, Clock::now() + std::chrono::duration_cast<Clock::duration>(kStopGrace));
    }
    producer->Poll(std::chrono::milliseconds(100));
  }
  Status flushed = producer->Flush(std::chrono::milliseconds(0));  // delivery failures, or what is left
  *undelivered = std::max<int64_t>(0, enqueued - producer->delivered());
  if (!stop.load()) return flushed;
  if (*undelivered > 0) {
    rd_kafka_purge(producer->handle(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    producer->Poll(std::chrono::milliseconds(0));  // serve the purged records' reports
  }
  return Status::OK();
}

}  // namespace

std::string ReprocessSummary::ToString() const {
  return fmt::format(
      "reprocess run {}: files {} total, {} pruned, {} skipped, {} read ({} decoded); rows {}; produced {}; "
      "filtered {}; dead-lettered {}; {:.3f} s{}",
      run_id, files_total, files_pruned, files_skipped, files_read, scan.files_decoded, rows, produced,
      filtered, dead_lettered, seconds,
      interrupted ? fmt::format("; interrupted: {} records may not have been delivered", undelivered) : "");
}

Result<ReprocessSummary> RunReprocessJob(const ReprocessJobOptions& options, const std::atomic<bool>& stop) {
  const auto started = Clock::now();
  ReprocessSummary summary;
  summary.run_id = NewUuid();

  delta::TableOptions table_options;
  table_options.storage = options.storage;
  table_options.read_only = true;
  auto table = delta::Table::Open(options.table_path, table_options);
  if (!table.ok()) {
    if (table.status().IsNotFound())
      return Status::InvalidArgument("no Delta table at " + options.table_path);
    return table.status();
  }
  auto snapshot = (*table)->snapshot();
  RP_ASSIGN_OR_RETURN(RawTableSettings settings, ReadRawTableSettings(snapshot->metadata().configuration));
  const std::string topic = settings.source_topic.value_or("visits");
  if (settings.layout == RawLayout::kSeed && options.output.partitioning == Partitioning::kKey) {
    return Status::InvalidArgument(
        "table " + options.table_path +
        " has the seed layout, which stores no keys: --partitioning key cannot reproduce "
        "the live output (use preserve or random, or a table synced with --layout kafka)");
  }

  // The table's zone places rows in partitions; --timezone is the logic's zone.
  // A table that records none (older, or written by another writer) is read in
  // --timezone, else in the machine's zone, which is worth a warning.
  logic::TimeZone table_zone = logic::TimeZone::Local();
  std::optional<std::string> zone_warning;
  if (settings.time_zone) {
    RP_ASSIGN_OR_RETURN(table_zone, logic::TimeZone::Find(*settings.time_zone));
  } else if (options.timezone) {
    RP_ASSIGN_OR_RETURN(table_zone, logic::TimeZone::Find(*options.timezone));
  } else {
    zone_warning =
        fmt::format("table {} has no {}; reading it in {}, the machine's zone (--timezone to choose)",
                    options.table_path, kConfigTimeZone, table_zone.name());
  }
  logic::TimeZone zone = table_zone;
  if (options.timezone) {
    RP_ASSIGN_OR_RETURN(zone, logic::TimeZone::Find(*options.timezone));
  }
  RP_ASSIGN_OR_RETURN(SliceSpec slice, BuildSliceSpec(options.slice, topic, zone));
  const bool time_bounds = slice.since_micros || slice.until_micros;
  if (time_bounds && settings.layout == RawLayout::kSeed &&
      settings.event_time.source == logic::EventTimeSpec::Source::kKafka) {
    return Status::InvalidArgument(
        "table " + options.table_path +
        " takes event times from Kafka timestamps, which the seed layout does not store: "
        "--since/--until cannot select its rows");
  }

  // Which rows: prune by partitions and stats, then filter exactly.
  std::vector<delta::AddFile> files;
  files.reserve(snapshot->files().size());
  for (const auto& [path, add] : snapshot->files()) files.push_back(add);
  delta::ScanSpec scan;
  scan.storage = (*table)->storage();
  scan.schema = snapshot->schema();
  scan.partition_columns = snapshot->partition_columns();
  scan.filter = BuildFilter(slice, table_zone, settings.layout == RawLayout::kKafka);
  scan.block_index = RawTableOffsetIndex();  // files holding late records far from the slice
  scan.columns = {"value", "partition", "offset"};
  if (settings.layout == RawLayout::kKafka)
    scan.columns = {"key", "value", "partition", "offset", "timestamp", "headers"};
  // In (partition, offset) order, a window at a time (delta/ordered_scan.h).
  delta::OrderedScanOptions order;
  order.order_bounds = [&slice](int64_t partition) {
    std::optional<OffsetBounds> b;
    if (partition >= std::numeric_limits<int32_t>::min() && partition <= std::numeric_limits<int32_t>::max())
      b = slice.BoundsFor(static_cast<int32_t>(partition));
    return b ? std::pair<int64_t, int64_t>(b->first, b->last)
             : std::pair<int64_t, int64_t>(std::numeric_limits<int64_t>::min(),
                                           std::numeric_limits<int64_t>::max());
  };
  order.window_rows = options.window_rows;
  order.window_bytes = options.window_bytes;
  order.cancel = &stop;
  RP_ASSIGN_OR_RETURN(std::unique_ptr<delta::OrderedScan> rows, delta::OrderedScan::Open(files, scan, order));
  summary.files_total = rows->metrics().files_total;
  summary.files_pruned = rows->metrics().files_pruned;
  summary.files_skipped = rows->metrics().files_skipped;
  summary.files_read = rows->metrics().files_read;

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
    // librdkafka queues up to 100k records or 1 GB by default, ~65 MB of
    // seed-shaped rows with their headers: half the records, and 32 MB of
    // payload whatever their size, keep the run in its memory budget at the
    // same speed (BENCHMARKS.md). A setting of the user's wins.
    kafka::ClientConfig kafka_config = options.kafka;
    if (!kafka_config.Get("queue.buffering.max.messages"))
      kafka_config.Set("queue.buffering.max.messages", "50000");
    if (!kafka_config.Get("queue.buffering.max.kbytes"))
      kafka_config.Set("queue.buffering.max.kbytes", "32768");
    RP_ASSIGN_OR_RETURN(producer, kafka::Producer::Create(kafka_config, {}));
    producer->SetStopFlag(&stop);
    auto created = OutputRouter::Create(producer.get(), logic.get(), output);
    if (!created.ok()) {
      if (created.status().IsNotFound()) return Status::InvalidArgument(created.status().message());
      return created.status();
    }
    router = std::move(*created);
  }
  // After every refusal, so a refused run prints its one error line only; at
  // any log level, since the tool otherwise logs errors only.
  if (zone_warning) LogLine(LogLevel::kWarn, "reprocess", *zone_warning);
  // Seed-layout tables store no event time: it is read from the value again,
  // by the table's own rule (never by the business logic).
  logic::EventTimeReader event_time(settings.event_time, table_zone);
  logic::OutputRecord out;
  logic::LogicRejection rejection;

  // The total is the plan's estimate; the progress line never shows less than done.
  const int64_t total = rows->estimated_rows();
  auto progress = [&](bool final) {
    const int64_t done = summary.rows;
    if (options.metrics)
      options.metrics->SetReprocessProgress(done, final ? done : std::max(done, total), final);
    if (options.show_progress) ShowProgress(done, final ? done : std::max(done, total), started, final);
  };
  RateLimiter limiter(options.max_rate);
  auto last_progress = Clock::now();
  std::unique_ptr<delta::OrderedWindow> window;
  bool complete = false;  // every selected row handed over (a stop also ends the scan early)
  while (!stop.load()) {
    window.reset();  // before reading on: memory holds this window and the next
    RP_ASSIGN_OR_RETURN(window, rows->Next());
    if (!window) {
      complete = !stop.load();
      break;
    }
    std::vector<RowReader> readers;
    readers.reserve(window->batches().size());
    for (const auto& batch : window->batches()) readers.emplace_back(*batch, settings.layout, topic);
    for (const delta::OrderedWindow::Row& row : window->rows()) {
      if (stop.load()) break;
      const SourceRecord r = readers[row.batch].Row(row.row);
      if (time_bounds && settings.layout == RawLayout::kSeed) {
        // The scan checked the kafka layout's stored event_time; no event time, no match.
        const std::optional<int64_t> t = event_time.Read(r.value, r.timestamp_ms);
        if (!t || (slice.since_micros && *t < *slice.since_micros) ||
            (slice.until_micros && *t >= *slice.until_micros)) {
          continue;
        }
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
      } else {
        limiter.Admit(summary.rows);
        Status produced = router->Process(r);
        if (!produced.ok()) {
          if (stop.load()) break;  // the queue was full of records for a broker that has gone
          return produced;
        }
      }
      if ((options.show_progress || options.metrics) &&
          Clock::now() - last_progress > std::chrono::milliseconds(250)) {
        last_progress = Clock::now();
        progress(false);
      }
    }
  }
  window.reset();
  progress(true);  // every row is handed over; what remains is the final flush
  summary.interrupted = !complete;
  summary.scan = rows->stats();
  rows.reset();  // stops reading ahead
  Log(LogLevel::kDebug, "reprocess",
      "read in {} windows (at most {} rows, {} bytes; {} retried narrower): {} row groups planned, {} by a "
      "key "
      "pass; {} row-group reads decoding {} rows",
      summary.scan.windows, summary.scan.max_window_rows, summary.scan.max_window_bytes, summary.scan.retries,
      summary.scan.units, summary.scan.keyed_units, summary.scan.unit_reads, summary.scan.rows_decoded);
  if (router) {
    summary.produced = router->produced();
    summary.filtered = router->filtered();
    summary.dead_lettered = router->dead_lettered();
    RP_RETURN_IF_ERROR(FinishDeliveries(producer.get(), router->produced() + router->dead_lettered(), stop,
                                        &summary.undelivered));
    // A stop during the final flush that left records unconfirmed: not done either.
    if (summary.undelivered > 0) summary.interrupted = true;
  }
  if (summary.interrupted) {
    Log(LogLevel::kWarn, "reprocess", "stopped early after {} rows; {} records may not have been delivered",
        summary.rows, summary.undelivered);
  }
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return summary;
}

}  // namespace rp::jobs
