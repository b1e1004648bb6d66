// upkeep_sim: a day in the life of a raw table under `sync` (issue #12), on a
// simulated clock, so that 24 hours of table upkeep take minutes, not a day.
//
// What runs is the real code: records shaped like the seed's go through
// jobs::RawBatchBuilder (kafka layout, event time from json:/event_time in
// UTC), delta::WriteDataFiles and a delta::Transaction with one txn action per
// Kafka partition, committed as "STREAMING UPDATE" the way sync_job.cc does;
// the Table writes N.crc, checkpoints every delta.checkpointInterval commits
// and cleans up expired log files after each one. Auto-compaction is
// delta::Optimize with the OptimizeOptions jobs::Compactor gets from sync's
// defaults, through a table handle of its own, as in sync; and vacuum runs
// every simulated hour with the table's retention (sync itself never vacuums:
// this stands for an hourly `reprocessor vacuum` from cron).
//
// What is simulated is time. One clock, in milliseconds, drives:
//   - TableOptions::clock of both handles: commitInfo timestamps, tombstone
//     deletionTimestamps, the tombstone expiry of checkpoints and the "now"
//     of log cleanup (Table::AfterCommit passes its clock to it);
//   - the modification times of every file written (data files, N.json,
//     N.crc, checkpoints, _last_checkpoint), set with utimensat right after
//     they are written, because log cleanup and vacuum judge age by mtime;
//   - vacuum's now_ms.
// The simulated day starts in the past (--start), so a file seen before its
// mtime is set looks younger than it is, never older: log cleanup inside a
// commit meets its own N.json with the real time and keeps it, and nothing
// is deleted early.
//
// Records arrive at --records-per-second, round-robin over --partitions
// Kafka partitions (offsets per partition from 0). Each has a CreateTime
// timestamp of its arrival and an event time just before it (up to 1 s), or,
// for --late-fraction of them, anywhere in the previous --late-hours, so a
// commit writes to several hour partitions at once. Every --commit-ms of
// records is one commit (sync's max_batch_wait: at 1,000 records/s its
// 100,000-record limit is never reached).
//
// Every --report-minutes (default 60) of simulated time it measures the table
// as a new reader sees it: Table::Open, for a writer and read-only (median
// of --repeat), and a 3-offset
// slice (partition = p AND offset BETWEEN o AND o+2, o from the last hour,
// opened and scanned with reprocess's columns), plus versions, live files,
// tombstones, the latest checkpoint, _delta_log and data files on disk.
//
//   build/bench/upkeep_sim [--hours 24] [--dir /dev/shm] [--property delta.checkpointInterval=100 ...]
//                          [--records-per-second 1000] [--commit-ms 200] [--json out.json]
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "check.h"
#include "common/uuid.h"
#include "delta/action_json.h"
#include "delta/checkpoint.h"
#include "delta/data_file_path.h"
#include "delta/data_file_writer.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/optimize.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "delta/table_properties.h"
#include "delta/vacuum.h"
#include "jobs/raw_table.h"
#include "jobs/sync_job.h"
#include "logic/time_zone.h"

namespace {

using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int64_t kHourMs = 3600LL * 1000;

using rp::bench::Check;
using rp::bench::Die;

double SecondsSince(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

struct Flags {
  std::string dir = "/dev/shm";
  bool keep = false;
  double hours = 24;
  int64_t records_per_second = 1000;
  int partitions = 3;
  int64_t commit_ms = 0;  // 0: sync's max_batch_wait
  double late_fraction = 0.05;
  double late_hours = 48;
  bool auto_compact = true;
  int64_t compact_interval_ms = 0;       // 0: sync's
  int compact_min_files = 0;             // 0: sync's
  int64_t compact_target_file_size = 0;  // 0: sync's
  double vacuum_every_hours = 1;         // 0: never
  std::vector<std::string> properties;
  std::string start = "2025-09-01T00:00:00Z";
  double report_minutes = 60;
  int repeat = 3;
  std::string json_path;
  uint64_t seed = 42;
  double min_free_gb = 4;
  // tmpfs is RAM shared with whatever else runs: a run whose log grows
  // without bound (Delta's defaults) stops here instead of starving it.
  double max_gb = 8;
  std::string label;
  std::string payload = "seed";
  bool eager_gc = false;
  // Reopen both table handles this often (0: never, as sync): a long-lived
  // handle keeps every tombstone in memory, and copies them all whenever a
  // compaction commits while its snapshot is held.
  double restart_minutes = 0;
  bool tiered = true;  // sync's size-tiered file selection (delta/optimize.h)
};

// "YYYY-MM-DDTHH:MM:SSZ" (the Z optional, UTC either way) to ms since the epoch.
int64_t ParseUtc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) {
    Die("--start wants YYYY-MM-DDTHH:MM:SSZ, not '" + text + "'");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string FormatUtc(int64_t ms) {
  const rp::logic::CivilTime t = rp::logic::TimeZone::Utc().ToCivil(ms * 1000);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02dZ", t.year, t.month, t.day, t.hour,
                t.minute, t.second);
  return buf;
}

// VmRSS of this process in MB (0 if unknown).
int64_t RssMb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6) / 1024;
  }
  return 0;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// Free and used bytes of the file system under `dir`, in GB.
double FreeGb(const std::string& dir) {
  struct statvfs v {};
  if (statvfs(dir.c_str(), &v) != 0) return 1e9;  // unknown: do not stop for it
  return static_cast<double>(v.f_bavail) * static_cast<double>(v.f_frsize) / 1e9;
}
double UsedGb(const std::string& dir) {
  struct statvfs v {};
  if (statvfs(dir.c_str(), &v) != 0) return 0;
  return static_cast<double>(v.f_blocks - v.f_bfree) * static_cast<double>(v.f_frsize) / 1e9;
}

// Sets a file's access and modification times to the simulated `ms`, and
// returns its size (0 if it does not exist: a checkpoint that failed, say).
int64_t Touch(const std::string& path, int64_t ms) {
  timespec times[2];
  times[0].tv_sec = ms / 1000;
  times[0].tv_nsec = (ms % 1000) * 1'000'000;
  times[1] = times[0];
  if (utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) return 0;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_size);
}

// A seed-shaped value (the seed's field names and timestamp format, ~105
// bytes), or with --payload short only its event time (~40 bytes). The
// figures that matter here count files and log actions, which do not depend
// on the bytes; bytes decide how much compaction rewrites and how soon a file
// reaches the target size.
void SeedValue(int64_t index, int64_t event_ms, bool short_value, std::string* key, std::string* value) {
  static const char* const kPages[] = {"home",   "index",   "page",     "home-2", "index-2",
                                       "page-2", "contact", "about-us", "pricing"};
  const rp::logic::CivilTime t = rp::logic::TimeZone::Utc().ToCivil(event_ms * 1000);
  const int64_t visit = index / 10 + 1;
  char buf[192];
  if (short_value) {
    const int len = std::snprintf(
        buf, sizeof buf, "{\"event_time\": \"%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%03" PRId64 "\"}", t.year,
        t.month, t.day, t.hour, t.minute, t.second, t.micros / 1000);
    value->assign(buf, static_cast<size_t>(len));
    *key = std::to_string(visit);
    return;
  }
  const int len = std::snprintf(buf, sizeof buf,
                                "{\"event_id\": \"click-%" PRId64 "\", \"visit_id\": %" PRId64
                                ", \"event_time\": \"%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%06" PRId64
                                "\", \"page\": \"%s\"}",
                                index + 1, visit, t.year, t.month, t.day, t.hour, t.minute, t.second,
                                t.micros + (index * 7919) % 1000, kPages[(index * 31 + visit) % 9]);
  value->assign(buf, static_cast<size_t>(len));
  *key = std::to_string(visit);
}

// Counters between two reports.
struct Activity {
  int64_t records = 0;
  int64_t sync_commits = 0, sync_files = 0;
  int64_t compactions = 0, compacted_files_removed = 0, compacted_files_added = 0,
          compacted_bytes_written = 0;
  int64_t checkpoints = 0, checkpoint_bytes_written = 0;
  int64_t commit_json_bytes = 0, crc_bytes = 0;
  int64_t vacuums = 0, vacuumed_files = 0, vacuumed_bytes = 0;
  double sync_s = 0, checkpoint_commit_s = 0, compact_s = 0, vacuum_s = 0;
};

struct LogFigures {
  int64_t files = 0, bytes = 0;
  int64_t commits = 0, commit_bytes = 0;
  int64_t crcs = 0, crc_bytes = 0;
  int64_t checkpoints = 0, checkpoint_bytes = 0;
  int64_t other = 0, other_bytes = 0;
  int64_t oldest_commit = -1;
};

struct SliceFigures {
  int32_t partition = 0;
  int64_t offset = 0;
  double ms = 0, open_ms = 0, scan_ms = 0;
  int64_t files_total = 0, files_pruned = 0, files_skipped = 0, files_read = 0, rows_read = 0;
  int64_t files_read_by_stats = 0;  // what min/max stats alone would read (no offset block index)
  int64_t files_decoded = 0;        // of files_read, those whose values were decoded
};

struct Report {
  double sim_hours = 0;
  std::string sim_time;
  int64_t version = 0;
  int64_t live_files = 0;
  int64_t live_bytes = 0;
  int64_t tombstones_loaded = 0;  // in a snapshot a new reader loads (checkpoint + later commits)
  int64_t tombstones_writer = 0;  // in sync's long-lived handle (never expired in memory)
  int64_t checkpoint_version = -1, checkpoint_bytes = 0, checkpoint_rows = 0;
  int64_t commits_replayed = 0;  // JSON commits a load applies after the checkpoint
  LogFigures log;
  int64_t data_files = 0, data_bytes = 0;  // on disk, after the vacuum of this hour
  // --eager-gc: removed files deleted early that vacuum would still have kept
  // (not included above).
  int64_t data_files_collected = 0, data_bytes_collected = 0;
  double load_ms = 0;         // Table::Open for writing (tombstones kept), median
  double reader_load_ms = 0;  // Table::Open read-only, as reprocess, read-table and lag open it, median
  std::vector<SliceFigures> slices;
  double slice_ms = 0;  // median of the slices (open + scan)
  int64_t slice_files_read_max = 0;
  int64_t slice_files_decoded_max = 0;
  double real_s = 0, real_s_total = 0;
  int64_t rss_mb = 0;  // of this process: both table handles' snapshots
  Activity activity;
};

LogFigures MeasureLog(const rp::delta::LogStore& store) {
  LogFigures f;
  for (const auto& file : Check(store.ListFiles(), "list _delta_log")) {
    f.files += 1;
    f.bytes += file.size;
    const std::string& n = file.name;
    auto ends = [&](std::string_view suffix) {
      return n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (auto v = rp::delta::ParseCommitFileName(n)) {
      ++f.commits;
      f.commit_bytes += file.size;
      if (f.oldest_commit < 0 || *v < f.oldest_commit) f.oldest_commit = *v;
    } else if (ends(".crc")) {
      ++f.crcs;
      f.crc_bytes += file.size;
    } else if (ends(".checkpoint.parquet")) {
      ++f.checkpoints;
      f.checkpoint_bytes += file.size;
    } else {
      ++f.other;
      f.other_bytes += file.size;
    }
  }
  return f;
}

// Regular files under the root outside _delta_log: what vacuum manages.
void MeasureData(const std::string& root, int64_t* files, int64_t* bytes) {
  *files = 0;
  *bytes = 0;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == rp::delta::kLogDir) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) {
      ++*files;
      *bytes += static_cast<int64_t>(it->file_size());
    }
  }
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

class Simulation {
 public:
  explicit Simulation(Flags flags)
      : flags_(std::move(flags)), rng_(flags_.seed), slice_rng_(flags_.seed + 1) {
    const rp::jobs::SyncJobOptions sync_defaults;
    if (flags_.commit_ms <= 0) flags_.commit_ms = sync_defaults.max_batch_wait.count();
    if (flags_.compact_interval_ms <= 0) flags_.compact_interval_ms = sync_defaults.compact_interval.count();
    if (flags_.compact_min_files <= 0) flags_.compact_min_files = sync_defaults.compact_min_files;
    if (flags_.compact_target_file_size <= 0)
      flags_.compact_target_file_size = sync_defaults.compact_target_file_size;
    // As SyncRunner::Run builds them for jobs::Compactor.
    optimize_.target_file_size = flags_.compact_target_file_size;
    optimize_.min_files = flags_.compact_min_files;
    optimize_.sort_columns = {"partition", "offset"};
    optimize_.tiered = flags_.tiered;
    optimize_.writer = rp::jobs::RawTableWriterOptions(rp::jobs::RawLayout::kKafka);  // offset blocks too

    start_ms_ = ParseUtc(flags_.start);
    now_ms_ = start_ms_;
    root_ = flags_.dir + "/rp-upkeep-sim-" + rp::NewUuid();
    path_ = root_ + "/table";
    fs::create_directories(root_);

    settings_.layout = rp::jobs::RawLayout::kKafka;  // what sync creates by default
    settings_.time_zone = "UTC";
    settings_.source_topic = topic_;
    configuration_ = rp::jobs::RawTableConfiguration(settings_);
    for (const auto& p : flags_.properties) {
      const auto eq = p.find('=');
      if (eq == std::string::npos || eq == 0) Die("--property wants key=value, not '" + p + "'");
      configuration_[p.substr(0, eq)] = p.substr(eq + 1);
    }
  }

  ~Simulation() {
    sync_table_.reset();
    compact_table_.reset();
    if (!flags_.keep) {
      std::error_code ec;
      fs::remove_all(root_, ec);
    }
  }

  void Run() {
    rp::delta::TableOptions options;
    options.clock = [this] { return now_ms_; };
    sync_table_ =
        Check(rp::delta::Table::Create(path_, *rp::jobs::RawTableSchema(settings_.layout),
                                       rp::jobs::RawTablePartitionColumns(), configuration_, options),
              "create table");
    FixLogTimes(0);
    compact_table_ = Check(rp::delta::Table::Open(path_, options), "open the compactor's handle");
    PrintHeader();

    const auto real_start = Steady::now();
    auto real_report = real_start;
    const int64_t end_ms = start_ms_ + static_cast<int64_t>(flags_.hours * kHourMs);
    const auto report_every = static_cast<int64_t>(flags_.report_minutes * 60'000);
    const auto vacuum_every = static_cast<int64_t>(flags_.vacuum_every_hours * kHourMs);
    int64_t next_compact = start_ms_ + flags_.compact_interval_ms;
    int64_t next_vacuum = vacuum_every > 0 ? start_ms_ + vacuum_every : INT64_MAX;
    int64_t next_report = start_ms_ + report_every;
    const auto restart_every = static_cast<int64_t>(flags_.restart_minutes * 60'000);
    int64_t next_restart = restart_every > 0 ? start_ms_ + restart_every : INT64_MAX;
    window_first_offset_.assign(static_cast<size_t>(flags_.partitions), 0);
    bool stopped_early = false;
    const double used_at_start = UsedGb(flags_.dir);

    while (now_ms_ < end_ms) {
      SyncCommit();
      if (flags_.auto_compact && now_ms_ >= next_compact) {
        Compact();
        next_compact = now_ms_ + flags_.compact_interval_ms;
      }
      if (now_ms_ >= next_vacuum) {
        VacuumNow();
        next_vacuum += vacuum_every;
      }
      if (now_ms_ >= next_restart) {
        // As a sync restarted now: fresh handles load the table from its
        // checkpoint, without the tombstones that expired in memory.
        sync_table_ = Check(rp::delta::Table::Open(path_, options), "reopen sync's handle");
        compact_table_ = Check(rp::delta::Table::Open(path_, options), "reopen the compactor's handle");
        next_restart += restart_every;
      }
      const bool last = now_ms_ >= end_ms;
      if (now_ms_ >= next_report || last) {
        Report r = Measure();
        r.real_s = SecondsSince(real_report);
        r.real_s_total = SecondsSince(real_start);
        real_report = Steady::now();
        PrintLine(r);
        reports_.push_back(std::move(r));
        activity_ = Activity{};
        next_report += report_every;
        for (int p = 0; p < flags_.partitions; ++p) window_first_offset_[p] = next_offset_[p];
      }
      if (!last &&
          (FreeGb(flags_.dir) < flags_.min_free_gb || UsedGb(flags_.dir) - used_at_start > flags_.max_gb)) {
        std::printf(
            "stopping early at %.2f simulated hours: %.1f GB written under %s (--max-gb %.1f), %.1f GB free "
            "(--min-free-gb %.1f)\n",
            static_cast<double>(now_ms_ - start_ms_) / kHourMs, UsedGb(flags_.dir) - used_at_start,
            flags_.dir.c_str(), flags_.max_gb, FreeGb(flags_.dir), flags_.min_free_gb);
        stopped_early = true;
        if (reports_.empty() || reports_.back().sim_time != FormatUtc(now_ms_)) {
          Report r = Measure();
          r.real_s = SecondsSince(real_report);
          r.real_s_total = SecondsSince(real_start);
          PrintLine(r);
          reports_.push_back(std::move(r));
        }
        break;
      }
    }
    PrintMarks();
    if (!flags_.json_path.empty()) WriteJson(SecondsSince(real_start), stopped_early);
  }

 private:
  // One batch of sync: the records of the last commit_ms, as CommitPending
  // handles them (kafka layout, no dead letters: every value is storable).
  void SyncCommit() {
    const auto t0 = Steady::now();
    const int64_t from = now_ms_, to = now_ms_ + flags_.commit_ms;
    // Records arrived by a simulated moment, from the start: no drift at rates
    // that do not divide evenly into commits.
    auto arrived = [&](int64_t t) { return (t - start_ms_) * flags_.records_per_second / 1000; };
    const int64_t first = arrived(from), end = arrived(to);
    rp::jobs::RawBatchBuilder rows(settings_.layout, settings_.event_time, rp::logic::TimeZone::Utc());
    std::map<int32_t, int64_t> last_offset;
    std::uniform_real_distribution<double> unit(0, 1);
    std::string key, value;
    for (int64_t i = first; i < end; ++i) {
      const int64_t arrival = from + (i - first) * flags_.commit_ms / std::max<int64_t>(end - first, 1);
      int64_t event = arrival - static_cast<int64_t>(unit(rng_) * 1000);
      if (unit(rng_) < flags_.late_fraction)
        event = arrival - static_cast<int64_t>(unit(rng_) * flags_.late_hours * kHourMs);
      SeedValue(i, event, flags_.payload == "short", &key, &value);
      rp::kafka::MessageView record;
      record.topic = topic_;
      record.partition = static_cast<int32_t>(i % flags_.partitions);
      record.offset = next_offset_[record.partition]++;
      record.key = key;
      record.value = value;
      record.timestamp_ms = arrival;
      record.timestamp_type = rp::kafka::TimestampType::kCreateTime;
      Check(rows.Append(record), "append a record");
      last_offset[record.partition] = record.offset;
    }
    now_ms_ = to;
    activity_.records += end - first;
    if (end == first) return;  // sync commits nothing without records

    // ReconcileWithTable: sync reads what the compactor committed meanwhile.
    Check(sync_table_->Refresh(), "refresh sync's handle");
    auto batch = Check(rows.Finish(), "finish a batch");
    auto adds =
        Check(rp::delta::WriteDataFiles(*sync_table_->storage(), rp::jobs::RawTablePartitionColumns(), *batch,
                                        rp::jobs::RawTableWriterOptions(settings_.layout)),  // as sync writes
              "write data files");
    for (auto& a : adds) {
      Touch(LocalPath(a.path), now_ms_);
      a.modification_time = now_ms_;  // what the file system now says
    }
    activity_.sync_files += static_cast<int64_t>(adds.size());
    rp::delta::Transaction txn = sync_table_->NewTransaction();
    txn.AddFiles(std::move(adds));
    for (const auto& [partition, offset] : last_offset) {
      txn.SetTxn(rp::jobs::SyncAppId(job_id_, topic_, partition), offset);
    }
    const auto c0 = Steady::now();
    const int64_t version = Check(
        txn.Commit("STREAMING UPDATE",
                   {{"outputMode", "Append"}, {"queryId", job_id_}, {"epochId", std::to_string(epoch_++)}}),
        "sync commit");
    if (IsCheckpointVersion(version)) activity_.checkpoint_commit_s += SecondsSince(c0);
    FixLogTimes(version);
    ++activity_.sync_commits;
    activity_.sync_s += SecondsSince(t0);
  }

  // jobs::Compactor's run, synchronously at its simulated moment.
  void Compact() {
    const auto t0 = Steady::now();
    auto metrics = Check(rp::delta::Optimize(compact_table_.get(), optimize_), "optimize");
    if (metrics.version) {
      ++activity_.compactions;
      activity_.compacted_files_removed += metrics.files_removed;
      activity_.compacted_files_added += metrics.files_added;
      activity_.compacted_bytes_written += metrics.bytes_added;
      // Its new files carry the real time: give them the simulated one.
      const rp::delta::LogStore& store = compact_table_->log_store();
      const std::string name = rp::delta::CommitFileName(*metrics.version);
      auto actions = Check(rp::delta::ParseCommitFile(Check(store.Read(name), "read optimize commit"), name),
                           "parse optimize commit");
      for (const auto& a : actions.adds) Touch(LocalPath(a.path), now_ms_);
      FixLogTimes(*metrics.version);
      if (flags_.eager_gc) {
        for (const auto& r : actions.removes) Collect(LocalPath(r.path));
      }
    }
    activity_.compact_s += SecondsSince(t0);
  }

  void VacuumNow() {
    const auto t0 = Steady::now();
    auto snapshot = Check(sync_table_->Refresh(), "refresh for vacuum");
    rp::delta::VacuumOptions options;
    options.now_ms = now_ms_;  // the table's retention, as `reprocessor vacuum` without flags
    auto result = Check(rp::delta::Vacuum(*sync_table_->storage(), *snapshot, options), "vacuum");
    snapshot.reset();  // a held snapshot would make the next commit copy it
    ++activity_.vacuums;
    activity_.vacuumed_files += static_cast<int64_t>(result.files.size());
    activity_.vacuumed_bytes += result.bytes;
    // What this vacuum would have deleted of the files --eager-gc took early:
    // vacuum.h's rule for a file no version references any more.
    const int64_t retention = Check(rp::delta::DeletedFileRetentionMs(sync_table_->snapshot()->metadata()),
                                    "deleted file retention");
    const int64_t before = std::min(now_ms_ - retention, now_ms_ - rp::delta::kVacuumInFlightGuardMs);
    std::erase_if(collected_, [&](const Collected& c) {
      if (c.removed_ms >= now_ms_ - retention || c.mtime_ms >= before) return false;
      ++activity_.vacuumed_files;
      activity_.vacuumed_bytes += c.size;
      return true;
    });
    activity_.vacuum_s += SecondsSince(t0);
  }

  // --eager-gc: a file compaction has just removed is deleted now, and kept
  // in a ledger until the vacuum that would have deleted it. The log and
  // everything read from it are unchanged; only the disk holds less.
  void Collect(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) Die("a removed file is missing: " + path);
    collected_.push_back({static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000,
                          now_ms_, static_cast<int64_t>(st.st_size)});
    if (unlink(path.c_str()) != 0) Die("cannot delete " + path);
  }

  // Where a data file the log names is on the local disk (this program
  // writes only under its --dir, and sets times with utimensat).
  std::string LocalPath(const std::string& log_path) const {
    auto key = Check(rp::delta::DataFileKey(log_path), "data file key");
    if (!key) Die("the log names an absolute data file path: " + log_path);
    return path_ + "/" + *key;
  }

  bool IsCheckpointVersion(int64_t version) const {
    return version > 0 && version % sync_table_->snapshot()->checkpoint_interval() == 0;
  }

  // The log files of `version` get the simulated time; a checkpoint version
  // also has its checkpoint and the hint.
  void FixLogTimes(int64_t version) {
    const rp::delta::LogStore& store = sync_table_->log_store();
    activity_.commit_json_bytes += Touch(store.PathOf(rp::delta::CommitFileName(version)), now_ms_);
    activity_.crc_bytes += Touch(store.PathOf(rp::delta::ChecksumFileName(version)), now_ms_);
    if (IsCheckpointVersion(version)) {
      const int64_t bytes = Touch(store.PathOf(rp::delta::CheckpointFileName(version)), now_ms_);
      if (bytes > 0) {
        ++activity_.checkpoints;
        activity_.checkpoint_bytes_written += bytes;
        Touch(store.PathOf(rp::delta::kLastCheckpointFileName), now_ms_);
      }
    }
  }

  static rp::delta::TableOptions ReaderOptions() {
    rp::delta::TableOptions options;
    options.read_only = true;
    return options;
  }

  Report Measure() {
    Report r;
    r.sim_hours = static_cast<double>(now_ms_ - start_ms_) / kHourMs;
    r.sim_time = FormatUtc(now_ms_);
    r.activity = activity_;
    {
      auto writer = sync_table_->snapshot();
      r.tombstones_writer = static_cast<int64_t>(writer->tombstones().size());
    }
    // A new reader: Table::Open, as reprocess, read-table and the compactor's
    // first run do.
    std::vector<double> load_ms;
    std::unique_ptr<rp::delta::Table> opened;
    for (int i = 0; i < flags_.repeat; ++i) {
      const auto t0 = Steady::now();
      opened = Check(rp::delta::Table::Open(path_), "open");
      load_ms.push_back(SecondsSince(t0) * 1e3);
    }
    r.load_ms = Median(load_ms);
    std::vector<double> reader_load_ms;
    for (int i = 0; i < flags_.repeat; ++i) {
      const auto t0 = Steady::now();
      auto reader = Check(rp::delta::Table::Open(path_, ReaderOptions()), "open read-only");
      reader_load_ms.push_back(SecondsSince(t0) * 1e3);
    }
    r.reader_load_ms = Median(reader_load_ms);
    const auto snap = opened->snapshot();
    r.version = snap->version();
    r.live_files = snap->num_files();
    r.live_bytes = snap->table_size_bytes();
    r.tombstones_loaded = static_cast<int64_t>(snap->tombstones().size());
    const rp::delta::LogStore& store = opened->log_store();
    if (auto hint = rp::delta::ReadLastCheckpoint(store)) {
      r.checkpoint_version = hint->version;
      r.checkpoint_rows = hint->size;
      std::error_code ec;
      r.checkpoint_bytes =
          static_cast<int64_t>(fs::file_size(store.PathOf(rp::delta::CheckpointFileName(hint->version)), ec));
      r.commits_replayed = r.version - hint->version;
    } else {
      r.commits_replayed = r.version + 1;
    }
    r.log = MeasureLog(store);
    MeasureData(path_, &r.data_files, &r.data_bytes);
    r.data_files_collected = static_cast<int64_t>(collected_.size());
    for (const auto& c : collected_) r.data_bytes_collected += c.size;

    // 3-offset slices of offsets from the last report interval, each on a
    // fresh open, as `reprocess --starting-offsets … --ending-offsets …` runs.
    std::vector<double> slice_ms;
    for (int i = 0; i < flags_.repeat; ++i) {
      SliceFigures s;
      s.partition =
          static_cast<int32_t>(std::uniform_int_distribution<int>(0, flags_.partitions - 1)(slice_rng_));
      const int64_t lo = window_first_offset_[s.partition];
      const int64_t hi = std::max(lo, next_offset_[s.partition] - 3);
      s.offset = std::uniform_int_distribution<int64_t>(lo, hi)(slice_rng_);
      const auto t0 = Steady::now();
      auto table = Check(rp::delta::Table::Open(path_, ReaderOptions()), "open for the slice");
      const auto t1 = Steady::now();
      const auto ss = table->snapshot();
      std::vector<rp::delta::AddFile> files;
      files.reserve(ss->files().size());
      for (const auto& [p, add] : ss->files()) files.push_back(add);
      rp::delta::ScanSpec spec;
      spec.storage = table->storage();
      spec.schema = ss->schema();
      spec.partition_columns = ss->partition_columns();
      using rp::delta::ColumnRange;
      spec.filter = rp::delta::Filter::Where({ColumnRange::Eq("partition", int64_t{s.partition}),
                                              ColumnRange::Between("offset", s.offset, s.offset + 2)});
      spec.block_index = rp::jobs::RawTableOffsetIndex();  // as reprocess scans
      spec.columns = {"key",    "value",     "partition",
                      "offset", "timestamp", "headers"};  // reprocess, kafka layout
      auto result = Check(rp::delta::Scan(files, spec), "scan a slice");
      const auto t2 = Steady::now();
      if (result.metrics.rows_matched != 3) {
        Die("slice " + std::to_string(s.partition) + "/" + std::to_string(s.offset) + " matched " +
            std::to_string(result.metrics.rows_matched) + " rows, want 3");
      }
      s.open_ms = std::chrono::duration<double>(t1 - t0).count() * 1e3;
      s.scan_ms = std::chrono::duration<double>(t2 - t1).count() * 1e3;
      s.ms = s.open_ms + s.scan_ms;
      s.files_total = result.metrics.files_total;
      s.files_pruned = result.metrics.files_pruned;
      s.files_skipped = result.metrics.files_skipped;
      s.files_read = result.metrics.files_read;
      spec.block_index.reset();
      s.files_read_by_stats = Check(rp::delta::PlanScan(files, spec), "plan by stats").metrics.files_read;
      s.rows_read = result.metrics.rows_read;
      s.files_decoded = result.metrics.files_decoded;
      r.slice_files_decoded_max = std::max(r.slice_files_decoded_max, s.files_decoded);
      slice_ms.push_back(s.ms);
      r.slice_files_read_max = std::max(r.slice_files_read_max, s.files_read);
      r.slices.push_back(s);
    }
    r.slice_ms = Median(slice_ms);
    r.rss_mb = RssMb();
    return r;
  }

  void PrintHeader() const {
    std::printf("upkeep_sim: table %s\n", path_.c_str());
    std::printf("  simulated %.2f h from %s: %" PRId64
                " records/s (%s values) over %d Kafka partitions, a commit per %" PRId64
                " ms, %.1f%% late by up to %.0f h\n",
                flags_.hours, FormatUtc(start_ms_).c_str(), flags_.records_per_second, flags_.payload.c_str(),
                flags_.partitions, flags_.commit_ms, flags_.late_fraction * 100, flags_.late_hours);
    std::printf("  auto-compaction %s: every %" PRId64 " ms, partitions with >= %d files < %" PRId64
                " bytes (%s), sorted by partition, offset; vacuum every %.2f h%s\n",
                flags_.auto_compact ? "on" : "off", flags_.compact_interval_ms, flags_.compact_min_files,
                flags_.compact_target_file_size, flags_.tiered ? "size-tiered" : "all at once",
                flags_.vacuum_every_hours,
                flags_.eager_gc ? " (--eager-gc: removed files deleted at once, counted until vacuum)" : "");
    if (flags_.restart_minutes > 0) {
      std::printf("  table handles reopened every %.1f simulated minutes, as a restarted sync\n",
                  flags_.restart_minutes);
    }
    std::printf("  table configuration:");
    for (const auto& [k, v] : configuration_) std::printf(" %s=%s", k.c_str(), v.c_str());
    std::printf("\n  load average at start: %s\n", LoadAverage().c_str());
    std::printf("%6s %8s %6s %7s %8s %8s %7s %8s %8s %8s %7s %8s %8s %5s %4s %6s %7s %7s\n", "sim_h",
                "version", "live", "tomb_ld", "tomb_wr", "ckpt_KB", "log_n", "log_MB", "data_n", "data_MB",
                "load_ms", "rload_ms", "slice_ms", "read", "dec", "rss_MB", "real_s", "total_s");
    std::fflush(stdout);
  }

  void PrintLine(const Report& r) const {
    std::printf("%6.2f %8" PRId64 " %6" PRId64 " %7" PRId64 " %8" PRId64 " %8.1f %7" PRId64 " %8.2f %8" PRId64
                " %8.1f %7.1f %8.1f %8.1f %5" PRId64 " %4" PRId64 " %6" PRId64 " %7.1f %7.1f\n",
                r.sim_hours, r.version, r.live_files, r.tombstones_loaded, r.tombstones_writer,
                static_cast<double>(r.checkpoint_bytes) / 1024, r.log.files,
                static_cast<double>(r.log.bytes) / 1e6, r.data_files + r.data_files_collected,
                static_cast<double>(r.data_bytes + r.data_bytes_collected) / 1e6, r.load_ms, r.reader_load_ms,
                r.slice_ms, r.slice_files_read_max, r.slice_files_decoded_max, r.rss_mb, r.real_s,
                r.real_s_total);
    std::fflush(stdout);
  }

  // Full figures at 1, 6, 12 and 24 h, and at the end.
  void PrintMarks() const {
    const std::set<int> marks = {1, 6, 12, 24};
    for (size_t i = 0; i < reports_.size(); ++i) {
      const Report& r = reports_[i];
      const double h = r.sim_hours;
      const bool mark = marks.count(static_cast<int>(h + 1e-9)) && std::abs(h - std::round(h)) < 1e-9;
      if (!mark && i + 1 != reports_.size()) continue;
      const Activity& a = r.activity;
      std::printf("\n== at %.2f simulated hours (%s), %.1f s of real time so far ==\n", h, r.sim_time.c_str(),
                  r.real_s_total);
      std::printf("  versions %" PRId64 "; live files %" PRId64 " (%.1f MB); tombstones %" PRId64
                  " in a loaded snapshot, %" PRId64 " in sync's handle\n",
                  r.version, r.live_files, static_cast<double>(r.live_bytes) / 1e6, r.tombstones_loaded,
                  r.tombstones_writer);
      std::printf("  latest checkpoint: version %" PRId64 ", %" PRId64 " bytes, %" PRId64
                  " rows; a load replays %" PRId64 " commits after it\n",
                  r.checkpoint_version, r.checkpoint_bytes, r.checkpoint_rows, r.commits_replayed);
      std::printf("  _delta_log: %" PRId64 " files, %.2f MB: %" PRId64 " commits %.2f MB (oldest %" PRId64
                  "), %" PRId64 " .crc %.2f MB, %" PRId64 " checkpoints %.2f MB, %" PRId64 " other\n",
                  r.log.files, static_cast<double>(r.log.bytes) / 1e6, r.log.commits,
                  static_cast<double>(r.log.commit_bytes) / 1e6, r.log.oldest_commit, r.log.crcs,
                  static_cast<double>(r.log.crc_bytes) / 1e6, r.log.checkpoints,
                  static_cast<double>(r.log.checkpoint_bytes) / 1e6, r.log.other);
      std::printf("  data files on disk: %" PRId64 ", %.1f MB", r.data_files + r.data_files_collected,
                  static_cast<double>(r.data_bytes + r.data_bytes_collected) / 1e6);
      if (flags_.eager_gc) {
        std::printf(" (%" PRId64
                    " files, %.1f MB of them deleted early by --eager-gc; vacuum would keep them)",
                    r.data_files_collected, static_cast<double>(r.data_bytes_collected) / 1e6);
      }
      std::printf("\n");
      std::printf("  snapshot load (Table::Open, median of %d): %.2f ms for a writer, %.2f ms read-only\n",
                  flags_.repeat, r.load_ms, r.reader_load_ms);
      for (const auto& s : r.slices) {
        std::printf("  slice partition %d offsets %" PRId64 "..%" PRId64
                    ": %.2f ms (open %.2f + scan %.2f); files %" PRId64 ", pruned %" PRId64
                    ", skipped %" PRId64 ", read %" PRId64 " (values of %" PRId64 " decoded, %" PRId64
                    " rows; by stats alone %" PRId64 " files)\n",
                    s.partition, s.offset, s.offset + 2, s.ms, s.open_ms, s.scan_ms, s.files_total,
                    s.files_pruned, s.files_skipped, s.files_read, s.files_decoded, s.rows_read,
                    s.files_read_by_stats);
      }
      std::printf(
          "  last interval: %" PRId64 " records, %" PRId64 " sync commits (%" PRId64 " files), %" PRId64
          " compactions (%" PRId64 " files -> %" PRId64 ", %.1f MB written), %" PRId64
          " checkpoints (%.1f MB written), commits %.1f MB + .crc %.1f MB written, vacuum deleted %" PRId64
          " files (%.1f MB)\n",
          a.records, a.sync_commits, a.sync_files, a.compactions, a.compacted_files_removed,
          a.compacted_files_added, static_cast<double>(a.compacted_bytes_written) / 1e6, a.checkpoints,
          static_cast<double>(a.checkpoint_bytes_written) / 1e6,
          static_cast<double>(a.commit_json_bytes) / 1e6, static_cast<double>(a.crc_bytes) / 1e6,
          a.vacuumed_files, static_cast<double>(a.vacuumed_bytes) / 1e6);
      std::printf(
          "  real time in the interval: %.1f s (sync %.1f, of which checkpoint commits %.1f; compaction "
          "%.1f; "
          "vacuum %.1f)\n",
          r.real_s, a.sync_s, a.checkpoint_commit_s, a.compact_s, a.vacuum_s);
    }
    std::printf("\nload average at the end: %s\n", LoadAverage().c_str());
  }

  void WriteJson(double real_s, bool stopped_early) const {
    std::ofstream out(flags_.json_path);
    if (!out) Die("cannot write " + flags_.json_path);
    auto q = [](const std::string& s) {
      std::string o = "\"";
      for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        o += c;
      }
      return o + "\"";
    };
    out << "{\n  \"label\": " << q(flags_.label) << ",\n  \"config\": {\"start\": " << q(FormatUtc(start_ms_))
        << ", \"hours\": " << flags_.hours << ", \"records_per_second\": " << flags_.records_per_second
        << ", \"partitions\": " << flags_.partitions << ", \"commit_ms\": " << flags_.commit_ms
        << ", \"payload\": " << q(flags_.payload) << ", \"late_fraction\": " << flags_.late_fraction
        << ", \"late_hours\": " << flags_.late_hours
        << ", \"auto_compact\": " << (flags_.auto_compact ? "true" : "false")
        << ", \"compact_interval_ms\": " << flags_.compact_interval_ms
        << ", \"compact_min_files\": " << flags_.compact_min_files
        << ", \"compact_target_file_size\": " << flags_.compact_target_file_size
        << ", \"vacuum_every_hours\": " << flags_.vacuum_every_hours
        << ", \"eager_gc\": " << (flags_.eager_gc ? "true" : "false")
        << ", \"restart_minutes\": " << flags_.restart_minutes
        << ", \"tiered\": " << (flags_.tiered ? "true" : "false") << ", \"dir\": " << q(flags_.dir)
        << ", \"seed\": " << flags_.seed << ", \"table_configuration\": {";
    bool first = true;
    for (const auto& [k, v] : configuration_) {
      out << (first ? "" : ", ") << q(k) << ": " << q(v);
      first = false;
    }
    out << "}},\n  \"real_seconds\": " << real_s
        << ",\n  \"stopped_early\": " << (stopped_early ? "true" : "false")
        << ",\n  \"load_average_end\": " << q(LoadAverage()) << ",\n  \"reports\": [\n";
    for (size_t i = 0; i < reports_.size(); ++i) {
      const Report& r = reports_[i];
      const Activity& a = r.activity;
      out << "    {\"sim_hours\": " << r.sim_hours << ", \"sim_time\": " << q(r.sim_time)
          << ", \"version\": " << r.version << ", \"live_files\": " << r.live_files
          << ", \"live_bytes\": " << r.live_bytes << ", \"tombstones_loaded\": " << r.tombstones_loaded
          << ", \"tombstones_writer\": " << r.tombstones_writer
          << ", \"checkpoint_version\": " << r.checkpoint_version
          << ", \"checkpoint_bytes\": " << r.checkpoint_bytes
          << ", \"checkpoint_rows\": " << r.checkpoint_rows
          << ", \"commits_replayed\": " << r.commits_replayed << ", \"log_files\": " << r.log.files
          << ", \"log_bytes\": " << r.log.bytes << ", \"log_commits\": " << r.log.commits
          << ", \"log_commit_bytes\": " << r.log.commit_bytes << ", \"log_crcs\": " << r.log.crcs
          << ", \"log_crc_bytes\": " << r.log.crc_bytes << ", \"log_checkpoints\": " << r.log.checkpoints
          << ", \"log_checkpoint_bytes\": " << r.log.checkpoint_bytes << ", \"log_other\": " << r.log.other
          << ", \"log_oldest_commit\": " << r.log.oldest_commit << ", \"data_files\": " << r.data_files
          << ", \"data_bytes\": " << r.data_bytes << ", \"data_files_collected\": " << r.data_files_collected
          << ", \"data_bytes_collected\": " << r.data_bytes_collected << ", \"load_ms\": " << r.load_ms
          << ", \"reader_load_ms\": " << r.reader_load_ms << ", \"slice_ms\": " << r.slice_ms
          << ", \"slice_files_read_max\": " << r.slice_files_read_max
          << ", \"slice_files_decoded_max\": " << r.slice_files_decoded_max << ", \"slices\": [";
      for (size_t k = 0; k < r.slices.size(); ++k) {
        const SliceFigures& s = r.slices[k];
        out << (k ? ", " : "") << "{\"partition\": " << s.partition << ", \"offset\": " << s.offset
            << ", \"ms\": " << s.ms << ", \"open_ms\": " << s.open_ms << ", \"scan_ms\": " << s.scan_ms
            << ", \"files_total\": " << s.files_total << ", \"files_pruned\": " << s.files_pruned
            << ", \"files_skipped\": " << s.files_skipped << ", \"files_read\": " << s.files_read
            << ", \"files_read_by_stats\": " << s.files_read_by_stats << ", \"rows_read\": " << s.rows_read
            << ", \"files_decoded\": " << s.files_decoded << "}";
      }
      out << "], \"interval\": {\"records\": " << a.records << ", \"sync_commits\": " << a.sync_commits
          << ", \"sync_files\": " << a.sync_files << ", \"compactions\": " << a.compactions
          << ", \"compacted_files_removed\": " << a.compacted_files_removed
          << ", \"compacted_files_added\": " << a.compacted_files_added
          << ", \"compacted_bytes_written\": " << a.compacted_bytes_written
          << ", \"checkpoints\": " << a.checkpoints
          << ", \"checkpoint_bytes_written\": " << a.checkpoint_bytes_written
          << ", \"commit_json_bytes\": " << a.commit_json_bytes << ", \"crc_bytes\": " << a.crc_bytes
          << ", \"vacuums\": " << a.vacuums << ", \"vacuumed_files\": " << a.vacuumed_files
          << ", \"vacuumed_bytes\": " << a.vacuumed_bytes << ", \"sync_s\": " << a.sync_s
          << ", \"checkpoint_commit_s\": " << a.checkpoint_commit_s << ", \"compact_s\": " << a.compact_s
          << ", \"vacuum_s\": " << a.vacuum_s << "}, \"rss_mb\": " << r.rss_mb << ", \"real_s\": " << r.real_s
          << ", \"real_s_total\": " << r.real_s_total << "}" << (i + 1 < reports_.size() ? "," : "") << "\n";
    }
    out << "  ]\n}\n";
  }

  Flags flags_;
  std::mt19937_64 rng_;        // the records
  std::mt19937_64 slice_rng_;  // the slices: measuring more often leaves the records alone
  rp::delta::OptimizeOptions optimize_;
  int64_t start_ms_ = 0;
  int64_t now_ms_ = 0;  // the simulated clock
  std::string root_, path_;
  const std::string topic_ = "visits";
  const std::string job_id_ = rp::jobs::SyncJobOptions{}.group_id;  // sync's job id: its group id
  rp::jobs::RawTableSettings settings_;
  std::map<std::string, std::string> configuration_;
  std::unique_ptr<rp::delta::Table> sync_table_, compact_table_;
  std::map<int32_t, int64_t> next_offset_;
  std::vector<int64_t> window_first_offset_;  // per partition: the first offset of this report interval
  int64_t epoch_ = 0;
  Activity activity_;
  struct Collected {
    int64_t mtime_ms, removed_ms, size;
  };
  std::vector<Collected> collected_;  // --eager-gc's ledger
  std::vector<Report> reports_;
};

}  // namespace

int main(int argc, char** argv) {
  rp::bench::ProgramName() = "upkeep_sim";
  CLI::App app("Simulate a day of sync on a raw table with a simulated clock (issue #12)");
  Flags f;
  app.add_option("--dir", f.dir, "Where the table goes (a fresh directory under it); tmpfs makes fsync free");
  app.add_flag("--keep", f.keep, "Leave the table behind");
  app.add_option("--hours", f.hours, "Simulated hours");
  app.add_option("--records-per-second", f.records_per_second, "Records per simulated second");
  app.add_option("--partitions", f.partitions, "Kafka partitions");
  app.add_option("--commit-ms", f.commit_ms,
                 "A commit per this many simulated ms (default: sync's --max-batch-ms)");
  app.add_option("--late-fraction", f.late_fraction, "Share of records with an old event time");
  app.add_option("--late-hours", f.late_hours, "How old a late record's event time can be");
  app.add_flag("--auto-compact,!--no-auto-compact", f.auto_compact, "Compact as sync does (default on)");
  app.add_option("--compact-interval-ms", f.compact_interval_ms, "Default: sync's");
  app.add_option("--compact-min-files", f.compact_min_files, "Default: sync's");
  app.add_option("--compact-target-file-size", f.compact_target_file_size, "Bytes; default: sync's");
  app.add_option("--vacuum-every-hours", f.vacuum_every_hours, "Simulated hours between vacuums (0: never)");
  app.add_option("--property", f.properties, "Table property key=value (repeatable)");
  app.add_option("--start", f.start, "Simulated start, UTC (YYYY-MM-DDTHH:MM:SSZ)");
  app.add_option("--report-minutes", f.report_minutes, "Simulated minutes between measurements");
  app.add_option("--repeat", f.repeat, "Loads and slices per measurement (median)");
  app.add_option("--json", f.json_path, "Also write every figure here");
  app.add_option("--seed", f.seed, "Random seed");
  app.add_option("--min-free-gb", f.min_free_gb, "Stop early when less than this is free under --dir");
  app.add_option("--max-gb", f.max_gb, "Stop early when the file system under --dir has grown by this much");
  app.add_option("--payload", f.payload,
                 "seed: seed-shaped values (~105 bytes); short: only the event time (~40)")
      ->check(CLI::IsMember({"seed", "short"}));
  app.add_flag(
      "--eager-gc", f.eager_gc,
      "Delete files compaction removed at once (the disk cannot hold what vacuum keeps); figures count "
      "them until the vacuum that would have deleted them");
  app.add_option(
      "--restart-minutes", f.restart_minutes,
      "Reopen sync's and the compactor's table handles this often, as a restarted sync (0: never)");
  app.add_flag("--tiered,!--no-tiered", f.tiered,
               "Size-tiered compaction as sync does (default); --no-tiered packs every small file each time");
  app.add_option("--label", f.label, "A name for the run, copied into the JSON");
  CLI11_PARSE(app, argc, argv);
  if (f.hours <= 0 || f.records_per_second < 0 || f.partitions < 1 || f.commit_ms < 0 ||
      f.late_fraction < 0 || f.late_fraction > 1 || f.late_hours < 0 || f.report_minutes <= 0 ||
      f.repeat < 1 || f.vacuum_every_hours < 0) {
    Die("flags out of range");
  }
  Simulation sim(std::move(f));
  sim.Run();
  return 0;
}
