// Compaction: Delta's OPTIMIZE by bin-packing (no Z-order). Within each
// partition, files smaller than the target are packed into bins of about the
// target size; each bin with two or more files is rewritten as one file, rows
// ordered by `sort_columns` (the raw table: partition, offset, so each file's
// offset statistics stay tight and a 3-offset slice still opens one file).
//
// The commit removes the old files and adds the new ones, all with
// dataChange=false: readers (and streaming readers) see the same rows. It is
// safe beside a running writer: appends committed meanwhile do not conflict,
// and a concurrent commit that removed one of our files (another optimize)
// makes us plan again from the new version. A run killed at any moment leaves
// at most unreferenced new files, which vacuum deletes later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/data_file_writer.h"
#include "delta/scan_filter.h"

namespace rp::delta {

class Table;

struct OptimizeOptions {
  // Bytes on disk a rewritten file aims for; files at least this large are
  // left alone.
  int64_t target_file_size = 64LL << 20;
  // A partition is compacted only when it holds at least this many files
  // smaller than the target (2: any that can be packed at all).
  int min_files = 2;
  // Size-tiered selection (auto-compaction): a partition's small files are
  // taken smallest first, and a file joins only while it is at most twice
  // the size of the ones taken before it together (or below 1/64 of the
  // target: small files always join). A partly grown file is
  // then rewritten once the new data is half its size, not every time a few
  // small files arrive: each byte is rewritten about log1.5(target / small
  // file) times, instead of up to target / (new data per run) times. Off:
  // every small file of the partition is packed (optimize on demand).
  bool tiered = false;
  // Rows of each new file in this order (empty: the files' order).
  std::vector<std::string> sort_columns;
  // Only partitions that may match (partition columns only).
  Filter where;
  // How the new files are written (their encodings).
  DataFileWriterOptions writer;
  // Plans made again after a concurrent optimize removed the same files.
  int max_attempts = 5;
};

struct OptimizeMetrics {
  int64_t partitions = 0;  // partitions rewritten
  int64_t files_removed = 0, files_added = 0;
  int64_t bytes_removed = 0, bytes_added = 0;
  int64_t rows = 0;
  std::optional<int64_t> version;  // the commit; nullopt when there was nothing to do
  std::string ToString() const;
};

Result<OptimizeMetrics> Optimize(Table* table, const OptimizeOptions& options);

}  // namespace rp::delta
