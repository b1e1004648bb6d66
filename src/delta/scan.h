// Reads the rows of a table snapshot that match a filter.
//
// Files are first pruned by their partition values, then skipped by their
// min/max stats (a file without usable stats is always read); the rest are
// read in parallel, only the needed Parquet columns, with partition columns
// re-materialized from the log's partition values. The rows a file's deletion
// vector deletes are dropped (deletion_vector.h), whatever the filter. The
// filter is then applied to every row exactly: stats only decide which files
// to open (with a DV they may be wider than the rows left, still bounds). Output order is
// the input file order, then row order within a file, whatever the threads do.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/scan_filter.h"
#include "delta/storage.h"

namespace rp::delta {

struct ScanSpec {
  std::shared_ptr<const Storage> storage;  // the table's (Table::storage())
  std::shared_ptr<arrow::Schema> schema;   // the full table schema, partition columns included
  std::vector<std::string> partition_columns;
  Filter filter;                     // default: every row
  std::vector<std::string> columns;  // output columns in order; empty: the whole schema
  int num_threads = 0;               // parallel file readers; 0: one per core
};

struct ScanMetrics {
  int64_t files_total = 0;
  int64_t files_pruned = 0;   // excluded by partition values
  int64_t files_skipped = 0;  // excluded by min/max stats
  int64_t files_read = 0;
  int64_t rows_read = 0;     // rows in the files read
  int64_t rows_deleted = 0;  // of those, deleted by deletion vectors
  int64_t rows_matched = 0;  // rows returned
};

struct ScanPlan {
  std::vector<size_t> files;  // indices of the AddFiles to read, in input order
  ScanMetrics metrics;        // the files_* counts
};

// Decides which files a scan must read, without reading any.
Result<ScanPlan> PlanScan(const std::vector<AddFile>& files, const ScanSpec& spec);

struct ScanResult {
  std::shared_ptr<arrow::Schema> schema;  // the output columns
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  ScanMetrics metrics;

  Result<std::shared_ptr<arrow::Table>> ToTable() const;
};

Result<ScanResult> Scan(const std::vector<AddFile>& files, const ScanSpec& spec);

}  // namespace rp::delta
