// Auto-compaction for `sync`: its small, frequent commits (sub-second
// freshness) leave many small files per partition. A Compactor rewrites them
// on a thread of its own, through its own handle on the table, so ingestion
// never waits for it: a sync commit and a compaction commit that race both
// land (appends never conflict with a rewrite; delta/optimize.h).
//
// Its share of the CPU is bounded three ways: one thread, run at a lower
// scheduling priority (nice 10), at most one run per `min_interval`, and only
// for partitions holding `min_files` small files. Each run reads one bin of at
// most the target size at a time, which bounds its memory. A failed run is
// logged and retried later; it never fails the sync. Killed mid-run, it leaves
// only unreferenced files for vacuum.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "delta/optimize.h"
#include "delta/storage.h"
#include "metrics/job_metrics.h"

namespace rp::jobs {

struct CompactorOptions {
  std::string table_path;
  delta::StorageOptions storage;  // for opening the table
  delta::OptimizeOptions optimize;
  std::chrono::milliseconds min_interval{std::chrono::seconds(10)};
  metrics::JobMetrics* metrics = nullptr;  // counts compaction commits when set
};

struct CompactorStats {
  int64_t runs = 0, commits = 0, files_removed = 0, files_added = 0, failures = 0;
};

class Compactor {
 public:
  // Opens its own handle on the (existing) table and starts the thread.
  static Result<std::unique_ptr<Compactor>> Start(CompactorOptions options);
  // Stops: a run under way is finished first (it is bounded by one bin per partition).
  ~Compactor();
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;

  // The table has new files: look again once min_interval has passed.
  void Notify();
  CompactorStats stats() const;

 private:
  explicit Compactor(CompactorOptions options);
  void Loop();

  CompactorOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool pending_ = false;
  CompactorStats stats_;
  std::thread thread_;
};

}  // namespace rp::jobs
