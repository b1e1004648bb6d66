// The `reprocess` job: read a slice of the raw table, run the shared logic,
// and write to the output topic while `stream` keeps running. It has its own
// idempotent producer and joins no consumer group, so the live job is not
// disturbed; every record carries a reprocess-run header with this run's id.
// The slice streams through in (partition, offset) order a window at a time
// (delta/ordered_scan.h), so memory does not grow with its size. A stop
// (SIGTERM/SIGINT) ends it within seconds, even with the broker gone, and the
// summary says how many records may not have been delivered.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "common/result.h"
#include "delta/ordered_scan.h"
#include "delta/storage.h"
#include "jobs/output_router.h"
#include "jobs/slice_spec.h"
#include "kafka/client_config.h"
#include "logic/logic.h"
#include "metrics/job_metrics.h"

namespace rp::jobs {

struct ReprocessJobOptions {
  kafka::ClientConfig kafka;
  std::string table_path;
  delta::StorageOptions storage;  // for opening the table (delta/s3_storage.h)
  SliceArgs slice;
  OutputRouterOptions output;           // run_id is set by the job
  logic::LogicSpec logic;               // its `visits` options are set from the two below
  std::optional<std::string> timezone;  // empty: the table's zone; also the table's if it has none
  bool strict = false;
  bool dry_run = false;  // print what would be produced to `dry_run_out`
  std::ostream* dry_run_out = nullptr;
  std::optional<double> max_rate;  // records/s
  bool show_progress = false;      // a progress line on stderr
  // Rows a window of the scan holds at most, and bytes (delta/ordered_scan.h).
  int64_t window_rows = 250'000;
  int64_t window_bytes = 16 << 20;
  // --metrics-address: rows done of the total go here (outputs are counted
  // through output.metrics); must outlive the job.
  metrics::JobMetrics* metrics = nullptr;
};

struct ReprocessSummary {
  std::string run_id;
  int64_t files_total = 0, files_pruned = 0, files_skipped = 0, files_read = 0;
  int64_t rows = 0, produced = 0, filtered = 0, dead_lettered = 0;
  double seconds = 0;
  // Stopped by a signal before the slice was done (or its output confirmed);
  // `undelivered`: records produced but not acknowledged.
  bool interrupted = false;
  int64_t undelivered = 0;
  delta::OrderedScanStats scan;  // how the slice was read
  std::string ToString() const;
};

// InvalidArgument for a bad slice, a missing table or output topic.
Result<ReprocessSummary> RunReprocessJob(const ReprocessJobOptions& options, const std::atomic<bool>& stop);

}  // namespace rp::jobs
