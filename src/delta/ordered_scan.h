// OrderedScan: the rows of a scan in (group, order) order, for the raw table
// (Kafka partition, offset), in memory bounded by a row and byte budget
// whatever the size of the table or how its files overlap. `reprocess` reads
// its slice through it.
//
// How. A file says little about order: its stats give one min/max of
// `partition` and one of `offset` over all its rows (a file of sync holds
// every partition of a batch, so its offset range spans all of their offsets),
// a compacted or late-data file spans a wide offset range, and a file from
// another writer may hold its rows in any order. So the scan works in windows:
//  1. Plan. Every Parquet row group that may match is a unit. A row group of
//     one group value with min/max stats is described by them; any other (our
//     multi-partition files, no stats) is described exactly by a key pass
//     that reads only its group and order columns (and the filter's): per
//     group, the min and max order value and the matching row count.
//  2. Window. Each window covers, for every group, the next range of order
//     values, sized from the plan so that the window holds about the row
//     budget, each group advancing in proportion to the rows it has left (so
//     one read of a multi-partition file serves all its partitions).
//  3. Read. The row groups overlapping the window are read in small batches;
//     only rows inside the window are kept, then sorted by (group, order) and
//     handed out. A window that would exceed its row or byte budget (the plan
//     is an estimate where rows spread unevenly) is abandoned before it
//     does, and retried at half its width; later windows aim smaller until
//     windows fit again.
// Memory: two windows (the one the caller works on, the next one being read
// on a thread), plus a batch being decoded.
//
// Cost. A row group overlapping k windows is decoded k times. Files written
// in offset order by sync and compaction overlap few windows (a sync batch's
// files hold adjacent offsets, a compacted file's row groups are sorted), so
// most rows are decoded once and the key pass adds a read of two integer
// columns. A wide unit (late data compacted into one file, or a foreign
// writer's unsorted file spanning the whole range) is decoded once per window
// it spans: a unit of r rows over the whole slice of n rows costs r * n /
// window_rows decoded rows. A k-way merge over sorted files would decode it
// once, but would hold a batch of every overlapping file at once (unbounded
// when thousands overlap) and needs every file sorted; windows stay bounded in
// every case and need no order within files, so they are the one mechanism.
#pragma once

#include <arrow/api.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/scan.h"

namespace rp::delta {

struct OrderedScanOptions {
  std::string group_column = "partition";  // an integer output column
  std::string order_column = "offset";     // an integer output column
  // The order values the scan's filter can select in a group (e.g. a slice's
  // offsets, inclusive): no row outside them may match the filter. Sharpens
  // estimates; a row group of one group wholly outside is not read.
  std::function<std::pair<int64_t, int64_t>(int64_t group)> order_bounds;
  int64_t window_rows = 250'000;    // a window never holds more rows
  int64_t window_bytes = 16 << 20;  // nor more bytes of Arrow buffers
  int64_t batch_rows = 8192;        // rows decoded at a time
  bool read_ahead = true;           // read the next window on a thread meanwhile
  // Set: planning and reading stop early; Next() then returns the end.
  const std::atomic<bool>* cancel = nullptr;
};

struct OrderedScanStats {
  int64_t windows = 0;           // windows handed out
  int64_t retries = 0;           // windows abandoned for exceeding a budget, then read narrower
  int64_t max_window_rows = 0;   // the most rows any window held, abandoned ones included
  int64_t max_window_bytes = 0;  // likewise, bytes of Arrow buffers
  int64_t units = 0;             // row groups planned
  int64_t keyed_units = 0;       // of those, described by a key pass
  int64_t unit_reads = 0;        // row-group reads for windows, re-reads included
  int64_t rows_decoded = 0;      // rows decoded for windows, re-reads included
  int64_t files_decoded = 0;     // files any of those rows came from (ScanMetrics::files_decoded)
};

// One window's rows: batches of the scan's output columns, and the order to
// take their rows in.
class OrderedWindow {
 public:
  struct Row {
    uint32_t batch;
    uint32_t row;
  };
  const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches() const { return batches_; }
  const std::vector<Row>& rows() const { return rows_; }  // in (group, order) order; nulls first
  int64_t num_rows() const { return static_cast<int64_t>(rows_.size()); }
  int64_t bytes() const { return bytes_; }

 private:
  friend class OrderedScan;
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches_;
  std::vector<Row> rows_;
  int64_t bytes_ = 0;
};

class OrderedScan {
 public:
  // Plans the scan (reads footers, and keys where needed). InvalidArgument
  // for a spec Scan() would refuse or group/order columns that are not
  // integer output columns.
  static Result<std::unique_ptr<OrderedScan>> Open(const std::vector<AddFile>& files, ScanSpec spec,
                                                   OrderedScanOptions options);
  ~OrderedScan();
  OrderedScan(const OrderedScan&) = delete;
  OrderedScan& operator=(const OrderedScan&) = delete;

  const std::shared_ptr<arrow::Schema>& schema() const;
  // files_* of the plan.
  const ScanMetrics& metrics() const;
  // Rows the scan should return: exact for key-passed units, from row counts
  // (clipped to order_bounds) for the others; an upper bound in the main.
  int64_t estimated_rows() const;
  // The next window; nullptr at the end (or once cancelled). Drop the
  // previous window first: memory holds two.
  Result<std::unique_ptr<OrderedWindow>> Next();
  OrderedScanStats stats() const;

 private:
  struct Impl;
  explicit OrderedScan(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rp::delta
