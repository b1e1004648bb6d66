// Reliability suite support: test sizes by scale, the one-line figures each
// test prints, jobs run under random SIGKILLs, and independent checks of what
// landed (delta-rs for tables, source headers for topics).
//
// RP_RELIABILITY_SCALE=short (default, CI) or long (scripts/reliability-long);
// RP_RELIABILITY_SEED fixes the random kill schedule (printed by every test).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kafka/record.h"
#include "support/jobs.h"

namespace rp::reliability {

bool LongScale();
const char* ScaleName();
template <typename T>
T Scaled(T short_size, T long_size) {
  return LongScale() ? long_size : short_size;
}

// The seed of this test's random choices.
uint32_t Seed();

// What a test measured, printed as one line:
//   RELIABILITY test=<name> scale=short seed=… runs=… kills=… rows=… duplicates=… losses=… seconds=… [extra]
// (rows: records or rows checked; duplicates and losses: found by the check).
struct Figures {
  std::string test;
  int runs = 0, kills = 0;
  int64_t rows = 0, duplicates = 0, losses = 0;
  double seconds = 0;
  std::string extra;  // more "key=value" pairs
};
void PrintFigures(const Figures& f);

class Stopwatch {
 public:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Produces testing::VisitRecord(k) to partition k % partitions for k in
// [0, records), in chunks spread evenly over `seconds`, on its own thread.
class PacedProducer {
 public:
  PacedProducer(std::string topic, int partitions, int64_t records, double seconds);
  ~PacedProducer();  // joins
  void Join();

 private:
  std::thread thread_;
};

// Expected offsets per partition, [first, end).
using OffsetRanges = std::map<int32_t, std::pair<int64_t, int64_t>>;
// The offsets `records` produced round-robin over `partitions` end up at.
OffsetRanges RoundRobinOffsets(int64_t records, int partitions);

// (partition, offset) -> how many times it was seen.
using KeyCounts = std::map<std::pair<int32_t, int64_t>, int>;

// Duplicates (extra copies) and losses (missing keys) of `seen` against the
// `expected` offsets; keys outside them are counted as `foreign`.
struct Cover {
  int64_t rows = 0, distinct = 0, duplicates = 0, losses = 0, foreign = 0;
};
Cover CheckCover(const KeyCounts& seen, const OffsetRanges& expected);

// True if each partition's offsets are 0..k-1 for some k (no gap): what a
// table holds after complete commits of a topic read in order.
bool GaplessFromZero(const KeyCounts& keys);
// The number of keys per partition.
std::map<int32_t, int64_t> PerPartition(const KeyCounts& keys);

// How the checks reach a table: nothing more for a local one; for an s3://
// table, the flags our commands need, delta-rs's storage options, and where
// the S3 server keeps the table's objects as files (tests/support/s3_server.h).
struct TableAccess {
  std::vector<std::string> args;          // appended to reprocessor commands on the table
  std::string delta_rs_options = "None";  // a Python dict literal
  std::string files_dir;                  // empty: the table's own directory
};

// Every (partition, offset) of a raw table, read by delta-rs; fails the test
// (and returns empty) if delta-rs cannot read it.
KeyCounts DeltaRsKeys(const std::string& table, const TableAccess& access = {});
// Parquet files under the table that its current version does not reference
// (left by a writer killed between writing data and committing; harmless).
int64_t OrphanDataFiles(const std::string& table, const TableAccess& access = {});
// Rows printed by `reprocessor read-table --format jsonl`, or -1 if it fails.
int64_t CliTableRows(const std::string& table, std::string* error = nullptr);

// Every record of a topic now (read_committed if asked); fails the test if it cannot read.
std::vector<kafka::Record> ReadTopic(const std::string& topic, bool read_committed);
// (source-partition, source-offset) of output records; `run`, when given,
// keeps only records whose reprocess-run header equals it.
KeyCounts SourceKeys(const std::vector<kafka::Record>& records, const std::string* run = nullptr);

// The last `bytes` of a log file, for failure messages.
std::string LogTail(const std::string& path, size_t bytes = 4000);
// How many times `needle` occurs in a file.
int CountInFile(const std::string& path, const std::string& needle);

// A mount for one test (tests run as root), undone by the destructor so the
// temp dir can be removed even when an assertion ends the test early.
class ScopedMount {
 public:
  // A tmpfs of `size` ("32m", "64k") at `path`; nullptr (and `error`) if it cannot be mounted.
  static std::unique_ptr<ScopedMount> Tmpfs(const std::string& path, const std::string& size,
                                            std::string* error);
  // `path` bind-mounted read-only onto itself: every write under it fails with EROFS.
  static std::unique_ptr<ScopedMount> ReadOnly(const std::string& path, std::string* error);
  // Grows (or shrinks) a tmpfs in place, keeping its files.
  bool Resize(const std::string& size, std::string* error);
  ~ScopedMount();
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;

 private:
  explicit ScopedMount(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The last non-empty line of a file (a job's error line).
std::string LastLine(const std::string& path);

// How a job is killed: each run is SIGKILLed either blindly (any moment after
// its start, startup included) or, more often, a random while after its log
// says it is working (one of `ready`, drawn per run); then a random pause
// before the restart. Half of those kills land within `max_early_ms` of the
// ready line, while the job works through the backlog that built up during
// its downtime: the moments when a kill interrupts a batch between its output
// and its commit.
struct KillPlan {
  int kills = 6;  // in total, over all slots
  std::vector<std::string> ready = {"kafka: assigned "};
  int max_blind_ms = 3000;    // blind kills: 200 ms .. this after the start
  int max_early_ms = 300;     // early kills: 0 .. this after `ready`
  int max_working_ms = 3000;  // other kills: 0 .. this after `ready`
  int max_pause_ms = 2000;    // before each restart
  int ready_timeout_ms = 60000;
  std::string progress;  // if set, its occurrences in killed runs' logs are counted
};
struct KillStats {
  int runs = 0, kills = 0, kills_while_working = 0;
  int progress = 0;  // `progress` lines logged by the killed runs
};

// Runs one job per slot (argv per slot), each killed and restarted on its own
// schedule until the plan's kills are done (split evenly over the slots).
// A run that ends by itself before its kill fails the test with its log.
KillStats RunUnderKills(const std::vector<std::vector<std::string>>& slots, const KillPlan& plan,
                        std::mt19937* rng, const std::string& log_prefix);

}  // namespace rp::reliability
