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
//
// Scan() holds its whole result; Scanner, FileScan and ScanStream (below) read
// the same rows as a stream of bounded batches, for tables of any size.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/block_index.h"
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
  // Files tagged with this block index (block_index.h) are also skipped by it,
  // and counted in files_skipped.
  std::optional<BlockIndexSpec> block_index;
};

struct ScanMetrics {
  int64_t files_total = 0;
  int64_t files_pruned = 0;   // excluded by partition values
  int64_t files_skipped = 0;  // excluded by min/max stats
  int64_t files_read = 0;
  // Of those, files whose values were decoded: the others were ruled out by
  // their row groups' min/max or by their filter columns alone (scan.cc,
  // FileScan::RowGroupHasMatch), reading only their footer and those columns.
  int64_t files_decoded = 0;
  int64_t rows_read = 0;     // rows decoded in the files read
  int64_t rows_deleted = 0;  // of those, deleted by deletion vectors
  int64_t rows_matched = 0;  // rows returned
};

struct ScanPlan {
  std::vector<size_t> files;  // indices of the AddFiles to read, in input order
  ScanMetrics metrics;        // the files_* counts
};

// Decides which files a scan must read, without reading any.
Result<ScanPlan> PlanScan(const std::vector<AddFile>& files, const ScanSpec& spec);

// Whether a column of this type holds Arrow signed integers (8 to 64 bits):
// the columns row-group statistics and ordered scans read as int64.
bool IsIntegerType(const arrow::DataType& type);

struct ScanResult {
  std::shared_ptr<arrow::Schema> schema;  // the output columns
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  ScanMetrics metrics;

  Result<std::shared_ptr<arrow::Table>> ToTable() const;
};

Result<ScanResult> Scan(const std::vector<AddFile>& files, const ScanSpec& spec);

// ---- Streaming: Scanner -> FileScan / ScanStream -> batches ----------------
// Scan() above holds its whole result. A table of any size is read through a
// Scanner instead (as delta-kernel-rs's Snapshot -> ScanBuilder -> Scan ->
// batches): it plans the files, then opens them one at a time, and each file
// hands out its matching rows a row group at a time, in batches of bounded
// size. ScanStream is the plain file-after-file stream; OrderedScan
// (ordered_scan.h) builds (partition, offset) order on top.

class FileScan;

struct FileScanOptions {
  int64_t batch_rows = 64 * 1024;  // rows per batch at most (before the filter)
  // Read column chunks through a small buffer instead of whole (Parquet's
  // pre-buffering): memory stays at about a batch whatever the row group size.
  bool streaming = true;
};

class Scanner {
 public:
  // InvalidArgument for a spec Scan() would refuse.
  static Result<std::shared_ptr<const Scanner>> Make(ScanSpec spec);

  const ScanSpec& spec() const { return spec_; }
  const std::shared_ptr<arrow::Schema>& output_schema() const { return output_schema_; }
  // Which files to read (as PlanScan).
  Result<ScanPlan> Plan(const std::vector<AddFile>& files) const;
  // Opens one data file (its footer and deletion vector only). `add` must
  // outlive the FileScan.
  Result<std::unique_ptr<FileScan>> Open(const AddFile& add, const FileScanOptions& options = {}) const;

 private:
  friend class FileScan;
  Scanner() = default;
  ScanSpec spec_;
  std::shared_ptr<const BoundFilter> filter_;
  std::vector<std::shared_ptr<arrow::Field>> needed_;  // output columns, then filter-only columns
  std::vector<bool> needed_is_partition_;
  std::vector<size_t> filter_needed_;             // the indexes in needed_ of the filter's columns
  std::shared_ptr<arrow::Schema> filter_schema_;  // those columns
  std::shared_ptr<arrow::Schema> needed_schema_;
  std::shared_ptr<arrow::Schema> output_schema_;  // the first output_schema_->num_fields() of needed_
};

// One open data file of a scan. Row groups are read one at a time, on demand.
class FileScan {
 public:
  ~FileScan();
  const std::string& path() const { return path_; }  // as the storage names it
  int num_row_groups() const;
  int64_t row_group_rows(int row_group) const;
  // The row group's uncompressed size in the file (all its columns).
  int64_t row_group_bytes(int row_group) const;
  struct IntStats {
    int64_t min, max;
    std::optional<int64_t> null_count;
  };
  // The statistics of an integer data column in a row group, from the
  // Parquet footer; nullopt when the file has no min/max for it.
  std::optional<IntStats> RowGroupStats(int row_group, std::string_view column) const;
  // False when the scan's filter cannot match any row of the row group, by
  // the file's partition values and the row group's integer statistics.
  bool RowGroupMayMatch(int row_group) const;

  // Starts reading a row group; Next() then returns its matching rows.
  Status StartRowGroup(int row_group);
  // The next batch of matching rows of the current row group (deleted rows
  // dropped, filter applied, output columns only); nullptr at its end. A
  // batch may be empty when no row of it matched.
  Result<std::shared_ptr<arrow::RecordBatch>> Next();

  int64_t rows_read() const { return rows_read_; }        // rows decoded so far
  int64_t rows_deleted() const { return rows_deleted_; }  // of those, deleted by the deletion vector

 private:
  friend class Scanner;
  struct Parquet;
  FileScan(const Scanner* scanner, const AddFile* add);
  Result<std::shared_ptr<arrow::RecordBatch>> Assemble(std::shared_ptr<arrow::RecordBatch> decoded,
                                                       int64_t length);
  // Whether any row of the row group matches the filter, decoding only the
  // filter's columns (probe_leaves_).
  Result<bool> RowGroupHasMatch(int row_group);

  const Scanner* scanner_;
  const AddFile* add_;
  std::string path_;
  FileScanOptions options_;
  std::unique_ptr<Parquet> parquet_;
  std::vector<uint64_t> deleted_;                          // ascending row indexes of the whole file
  std::vector<int> leaves_;                                // Parquet leaf columns to read
  std::vector<int> probe_leaves_;                          // of those, the filter's data columns
  std::vector<bool> in_file_;                              // per needed column: stored in the file
  std::vector<std::shared_ptr<arrow::Scalar>> constants_;  // per needed partition column
  std::vector<int64_t> row_group_start_;                   // file row index of each row group's first row
  int64_t next_row_ = 0;                                   // file row index of the next batch
  int64_t row_group_left_ = 0;                             // rows of the current row group not yet returned
  int64_t rows_read_ = 0, rows_deleted_ = 0;
};

// Every matching row of a scan, file after file (in input order), batch by
// batch; at most one file is open, so memory does not grow with the table.
class ScanStream {
 public:
  static Result<std::unique_ptr<ScanStream>> Open(const std::vector<AddFile>& files, ScanSpec spec,
                                                  FileScanOptions options = {});
  const std::shared_ptr<arrow::Schema>& schema() const { return scanner_->output_schema(); }
  // files_* from the plan; rows_* grow as batches are read.
  const ScanMetrics& metrics() const { return metrics_; }
  // The next non-empty batch; nullptr at the end.
  Result<std::shared_ptr<arrow::RecordBatch>> Next();

 private:
  ScanStream() = default;
  std::shared_ptr<const Scanner> scanner_;
  std::vector<AddFile> files_;  // the planned files, in order
  FileScanOptions options_;
  ScanMetrics metrics_;
  size_t next_file_ = 0;
  int next_row_group_ = 0;
  std::unique_ptr<FileScan> current_;
};

}  // namespace rp::delta
