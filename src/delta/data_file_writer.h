// Writes rows as Delta data files: one snappy Parquet file per partition
// (more when a partition exceeds the file size limits) under Hive-style
// directories, and returns the AddFile of each, ready to commit.
//
// Partition columns are not stored in the files (PROTOCOL.md); rows keep their
// input order within a file. Each file is streamed to the table's storage
// under a fresh uuid name and is durable (Storage::OpenOutputStream) before
// its AddFile is returned, so a commit never points at a partial file; a
// writer killed midway leaves only orphans, which vacuum deletes.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/block_index.h"
#include "delta/file_stats.h"
#include "delta/storage.h"

namespace rp::delta {

struct DataFileWriterOptions {
  int64_t max_rows_per_file = 0;       // 0: no limit
  // Split a partition into files of about this many bytes, estimated from the
  // in-memory (uncompressed) size of the rows; 0: no limit.
  int64_t target_file_size_bytes = 0;
  int64_t row_group_rows = 1 << 20;    // Parquet row group length
  StatsOptions stats;
  // Columns written without dictionary encoding: the Parquet writer tries a
  // dictionary for every column and hashes each value until the dictionary
  // overflows, wasted work on columns whose values are all distinct
  // (payloads, offsets, timestamps).
  std::vector<std::string> plain_columns;
  // Each file's add.tags also gets this block index (block_index.h), when the
  // index can describe the file's rows.
  std::optional<BlockIndexSpec> block_index;
};

// Writes `batch` (the full table schema, partition columns included) into
// `storage`, the table's (Table::storage()). AddFile paths are relative to the
// root and URI-encoded; partition values are as the log stores them; size and
// modificationTime are what the storage reports. Files come in order of the
// first row of each partition. No rows, no files.
Result<std::vector<AddFile>> WriteDataFiles(const Storage& storage,
                                            const std::vector<std::string>& partition_columns,
                                            const arrow::RecordBatch& batch,
                                            const DataFileWriterOptions& options = {});
// Same for a table of any number of chunks.
Result<std::vector<AddFile>> WriteDataFiles(const Storage& storage,
                                            const std::vector<std::string>& partition_columns,
                                            const arrow::Table& table,
                                            const DataFileWriterOptions& options = {});

// The name of a new data file: "part-00003-<uuid>.c000.snappy.parquet".
std::string NewDataFileName(int file_index);

// The Arrow/Parquet C++ version that writes the files ("22.0.0").
std::string ArrowVersion();

}  // namespace rp::delta
