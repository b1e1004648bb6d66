// Helpers shared by the data-layer tests: seed-shaped rows, temp tables and
// reading a Parquet file back.
#pragma once

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>

#include <optional>
#include <string>
#include <vector>

#include "delta/storage.h"
#include "support/process.h"

namespace rp::delta::data_testing {

// The storage of the table at `path`, opened as Table::Open opens it.
inline std::shared_ptr<Storage> StorageAt(const std::string& path) { return OpenStorage(path).value(); }

// The seed table: value STRING, partition INT, offset BIGINT, year/month/day/hour INT.
inline std::shared_ptr<arrow::Schema> SeedSchema() {
  return arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("partition", arrow::int32()),
                        arrow::field("offset", arrow::int64()), arrow::field("year", arrow::int32()),
                        arrow::field("month", arrow::int32()), arrow::field("day", arrow::int32()),
                        arrow::field("hour", arrow::int32())});
}

inline const std::vector<std::string>& SeedPartitionColumns() {
  static const std::vector<std::string> cols = {"year", "month", "day", "hour"};
  return cols;
}

struct SeedRow {
  std::optional<std::string> value;
  int32_t partition;
  int64_t offset;
  std::optional<int32_t> year, month, day, hour;
};

inline std::shared_ptr<arrow::RecordBatch> SeedBatch(const std::vector<SeedRow>& rows) {
  arrow::StringBuilder value;
  arrow::Int32Builder partition, year, month, day, hour;
  arrow::Int64Builder offset;
  auto opt = [](arrow::Int32Builder& b, const std::optional<int32_t>& v) {
    EXPECT_TRUE((v ? b.Append(*v) : b.AppendNull()).ok());
  };
  for (const auto& r : rows) {
    EXPECT_TRUE((r.value ? value.Append(*r.value) : value.AppendNull()).ok());
    EXPECT_TRUE(partition.Append(r.partition).ok());
    EXPECT_TRUE(offset.Append(r.offset).ok());
    opt(year, r.year);
    opt(month, r.month);
    opt(day, r.day);
    opt(hour, r.hour);
  }
  return arrow::RecordBatch::Make(SeedSchema(), static_cast<int64_t>(rows.size()),
                                  {value.Finish().ValueOrDie(), partition.Finish().ValueOrDie(),
                                   offset.Finish().ValueOrDie(), year.Finish().ValueOrDie(),
                                   month.Finish().ValueOrDie(), day.Finish().ValueOrDie(),
                                   hour.Finish().ValueOrDie()});
}

// A Spark-like visit record for (partition, offset).
inline std::string VisitJson(int32_t partition, int64_t offset) {
  return "{\"event_id\": \"click-" + std::to_string(offset) + "\", \"visit_id\": " + std::to_string(partition) +
         ", \"event_time\": \"2025-09-04T07:00:00.000000\", \"page\": \"home\"}";
}

using ::rp::testing::TempDir;

inline std::shared_ptr<arrow::Table> ReadParquet(const std::string& path) {
  auto in = arrow::io::ReadableFile::Open(path).ValueOrDie();
  auto reader = parquet::arrow::OpenFile(in, arrow::default_memory_pool()).ValueOrDie();
  std::shared_ptr<arrow::Table> table;
  EXPECT_TRUE(reader->ReadTable(&table).ok());
  return table;
}

}  // namespace rp::delta::data_testing
