// Shared fixtures for the Delta log tests.
#pragma once

#include <arrow/api.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "delta/actions.h"
#include "delta/table.h"
#include "support/process.h"

namespace rp::delta::testing {

using ::rp::testing::ReadFile;
using ::rp::testing::TempDir;

inline std::shared_ptr<arrow::Schema> KafkaSchema() {
  return arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("partition", arrow::int32()),
                        arrow::field("offset", arrow::int64()), arrow::field("year", arrow::int32())});
}

// The log of the table at `path`, opened as Table::Open opens it.
inline LogStore LogStoreAt(const std::string& path) { return LogStore::Open(path).value(); }

// Table options for tests that count log files: no checkpoints.
inline TableOptions NoCheckpoints() {
  TableOptions o;
  o.write_checkpoints = false;
  return o;
}

inline AddFile MakeAdd(const std::string& name, const std::string& year, int64_t size) {
  AddFile a;
  a.path = "year=" + year + "/" + name;
  a.partition_values["year"] = year;
  a.size = size;
  a.modification_time = 1700000000000 + size;
  a.stats = "{\"numRecords\":" + std::to_string(size % 7 + 1) + "}";
  return a;
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

inline bool SameAdd(const AddFile& a, const AddFile& b) {
  return a.path == b.path && a.partition_values == b.partition_values && a.size == b.size &&
         a.modification_time == b.modification_time && a.data_change == b.data_change && a.stats == b.stats &&
         a.tags == b.tags && a.deletion_vector == b.deletion_vector;
}

}  // namespace rp::delta::testing
