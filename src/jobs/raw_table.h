// The raw table: every record of the input topic, as the seed's Spark job
// stores it, partitioned by event time in the table's zone.
//   value STRING, partition INT, offset BIGINT, year INT, month INT, day INT, hour INT
// plus its dead-letter table for values that are not valid UTF-8 (they cannot
// be a Parquet STRING):
//   value BINARY, topic STRING, partition INT, offset BIGINT, reason STRING
// `sync` writes both; `reprocess` and `read-table` read the first.
#pragma once

#include <arrow/api.h>

#include <climits>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "logic/time_zone.h"
#include "logic/visit_transform.h"

namespace rp::jobs {

// Table configuration keys we own.
inline constexpr const char* kConfigTimeZone = "reprocessor.timeZone";
inline constexpr const char* kConfigSourceTopic = "reprocessor.sourceTopic";

std::shared_ptr<arrow::Schema> RawTableSchema();
const std::vector<std::string>& RawTablePartitionColumns();
std::shared_ptr<arrow::Schema> DeadLetterTableSchema();

// The Delta txn appId for one Kafka partition of one sync job.
std::string SyncAppId(const std::string& job_id, const std::string& topic, int32_t partition);

// The default dead-letter table path: "<table>_dlq" beside the table.
std::string DefaultDeadLetterTablePath(const std::string& table_path);

// Accumulates records column by column, computing the partition columns from
// each value's event_time with the shared logic.
class RawBatchBuilder {
 public:
  explicit RawBatchBuilder(logic::TimeZone zone);
  // nullopt value: a tombstone, stored as a null value with null partitions.
  Status Append(std::optional<std::string_view> value, int32_t partition, int64_t offset);
  int64_t rows() const { return rows_; }
  // Returns the batch and resets the builder.
  Result<std::shared_ptr<arrow::RecordBatch>> Finish();

 private:
  logic::VisitTransformer parser_;
  logic::Visit visit_;
  arrow::StringBuilder value_;
  arrow::Int32Builder partition_;
  arrow::Int64Builder offset_;
  arrow::Int32Builder year_, month_, day_, hour_;
  int64_t rows_ = 0;
};

class DeadLetterBatchBuilder {
 public:
  Status Append(std::string_view raw_value, std::string_view topic, int32_t partition, int64_t offset,
                std::string_view reason);
  int64_t rows() const { return rows_; }
  Result<std::shared_ptr<arrow::RecordBatch>> Finish();

 private:
  arrow::BinaryBuilder value_;
  arrow::StringBuilder topic_;
  arrow::Int32Builder partition_;
  arrow::Int64Builder offset_;
  arrow::StringBuilder reason_;
  int64_t rows_ = 0;
};

}  // namespace rp::jobs
