// The `reprocess` job: read a slice of the raw table, run the shared logic,
// and write to the output topic while `stream` keeps running. It has its own
// idempotent producer and joins no consumer group, so the live job is not
// disturbed; every record carries a reprocess-run header with this run's id.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "common/result.h"
#include "delta/storage.h"
#include "jobs/output_router.h"
#include "jobs/slice_spec.h"
#include "kafka/client_config.h"
#include "logic/logic.h"

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
};

struct ReprocessSummary {
  std::string run_id;
  int64_t files_total = 0, files_pruned = 0, files_skipped = 0, files_read = 0;
  int64_t rows = 0, produced = 0, filtered = 0, dead_lettered = 0;
  double seconds = 0;
  std::string ToString() const;
};

// InvalidArgument for a bad slice, a missing table or output topic.
Result<ReprocessSummary> RunReprocessJob(const ReprocessJobOptions& options, const std::atomic<bool>& stop);

}  // namespace rp::jobs
