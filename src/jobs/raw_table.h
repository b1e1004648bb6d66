// The raw table: every record of the input topic, partitioned by event time in
// the table's zone. Two layouts:
//
//  kafka (the default for new tables): Spark's Kafka source columns, so any
//  payload is storable and a replay can reproduce key, headers and partition:
//    key BINARY, value BINARY, topic STRING, partition INT, offset BIGINT,
//    timestamp TIMESTAMP, timestampType INT,
//    headers ARRAY<STRUCT<key STRING, value BINARY>>, event_time TIMESTAMP,
//    year INT, month INT, day INT, hour INT
//  seed: the seed's Spark job's layout (the demo uses it):
//    value STRING, partition INT, offset BIGINT, year INT, month INT, day INT, hour INT
//
// The layout, zone, source topic and event-time rule are kept in the table's
// configuration; a table without a layout key predates layouts and is seed.
//
// Records a layout cannot store go to a dead-letter table beside it: a value
// that is not UTF-8 (seed: value is a STRING) or a header name that is not
// UTF-8 (kafka: a header key is a STRING). Its kafka-layout form keeps the
// whole record:
//   value BINARY, topic STRING, partition INT, offset BIGINT, reason STRING
//   [kafka: key BINARY, headers ARRAY<STRUCT<key BINARY, value BINARY>>,
//    timestamp TIMESTAMP, timestampType INT]
// `sync` writes both; `reprocess` and `read-table` read the first.
#pragma once

#include <arrow/api.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "delta/data_file_writer.h"
#include "kafka/message_view.h"
#include "logic/event_time.h"
#include "logic/time_zone.h"

namespace rp::jobs {

// Table configuration keys we own.
inline constexpr const char* kConfigTimeZone = "reprocessor.timeZone";
inline constexpr const char* kConfigSourceTopic = "reprocessor.sourceTopic";
inline constexpr const char* kConfigLayout = "reprocessor.layout";
inline constexpr const char* kConfigEventTime = "reprocessor.eventTime";
inline constexpr const char* kConfigEventTimeFallback = "reprocessor.eventTimeFallback";

enum class RawLayout { kKafka, kSeed };
// "kafka" or "seed"; anything else is InvalidArgument.
Result<RawLayout> ParseRawLayout(std::string_view name);
const char* RawLayoutName(RawLayout layout);

// What a raw table's configuration says about it. Keys a table lacks take the
// values tables had before the keys existed (seed layout, json:/event_time).
struct RawTableSettings {
  RawLayout layout = RawLayout::kSeed;
  logic::EventTimeSpec event_time;
  std::optional<std::string> time_zone;
  std::optional<std::string> source_topic;
};
Result<RawTableSettings> ReadRawTableSettings(const std::map<std::string, std::string>& configuration);
// The Delta properties a new raw table starts with (a user's explicit
// properties win). Why these values: ARCHITECTURE.md, "Commit policy and
// upkeep", and the 24-hour figures in BENCHMARKS.md.
inline constexpr std::pair<const char*, const char*> kRawTableUpkeepDefaults[] = {
    {"delta.checkpointInterval", "100"},
    {"delta.deletedFileRetentionDuration", "interval 30 minutes"},
    {"delta.logRetentionDuration", "interval 30 minutes"},
    {"reprocessor.exactLogRetention", "true"},
};
// The configuration of a new raw table (zone and topic must be set).
std::map<std::string, std::string> RawTableConfiguration(const RawTableSettings& settings);
// Sets a user's table properties (sync --table-property) over `configuration`.
// InvalidArgument for our own reprocessor.* keys (their flags set them), and
// for a value of a property we act on that does not parse (retentions,
// delta.checkpointInterval, delta.appendOnly, cleanup switches).
Status MergeTableProperties(const std::map<std::string, std::string>& properties,
                            std::map<std::string, std::string>* configuration);

std::shared_ptr<arrow::Schema> RawTableSchema(RawLayout layout);
// How sync and compaction write the layout's data files: no dictionary for
// the columns whose values are all different (values, keys, offsets, times),
// and each file tagged with its offset blocks (RawTableOffsetIndex).
delta::DataFileWriterOptions RawTableWriterOptions(RawLayout layout);
// The offset index of a raw table's files: which blocks of 4096 offsets of
// each Kafka partition a file holds (delta/block_index.h). An event-time
// partition's file also holds the late records of the next hours, so its
// offset min/max spans them all; the blocks let an offset slice skip it.
const delta::BlockIndexSpec& RawTableOffsetIndex();
const std::vector<std::string>& RawTablePartitionColumns();
std::shared_ptr<arrow::Schema> DeadLetterTableSchema(RawLayout layout);

// The Delta txn appId for one Kafka partition of one sync job.
std::string SyncAppId(const std::string& job_id, const std::string& topic, int32_t partition);

// The default dead-letter table location: "<table>_dlq" beside the table (a
// sibling directory, or a sibling prefix in the table's bucket:
// s3://b/raw/t -> s3://b/raw/t_dlq). InvalidArgument for a table at a
// bucket's root, which has no sibling in its bucket: --dlq-table must say.
Result<std::string> DefaultDeadLetterTablePath(const std::string& table_path);

// Accumulates records column by column, computing event_time and the
// partition columns with the table's event-time rule.
class RawBatchBuilder {
 public:
  RawBatchBuilder(RawLayout layout, logic::EventTimeSpec event_time, logic::TimeZone zone);
  ~RawBatchBuilder();

  // Why the layout cannot store `record` ("invalid_utf8", …), or nullptr.
  const char* Unstorable(const kafka::MessageView& record) const;
  // The record must be storable. A record without an event time is stored
  // with null partitions, so a fixed rule can still find it.
  Status Append(const kafka::MessageView& record);

  // Where a record goes: Place, then Append(record, placement), is
  // Append(record). sync places a whole batch first and appends it grouped by
  // partition, so writing its files gathers no rows (delta::WriteDataFiles
  // slices a contiguous partition instead of copying it).
  struct Placement {
    int64_t micros = 0;  // the event time
    int32_t year = 0;    // the partition values
    int8_t month = 0, day = 0, hour = 0;
    bool when = false;  // false: no event time (or beyond the year column), all of the above null
  };
  Placement Place(const kafka::MessageView& record);
  Status Append(const kafka::MessageView& record, const Placement& placement);
  // Room for `rows` more rows of `value_bytes` and `key_bytes` in all: one
  // allocation per column, none of the builders' doubling (memory and copies).
  Status Reserve(int64_t rows, int64_t value_bytes, int64_t key_bytes);
  int64_t rows() const { return rows_; }
  // Returns the batch and resets the builder.
  Result<std::shared_ptr<arrow::RecordBatch>> Finish();

 private:
  struct Columns;
  RawLayout layout_;
  logic::EventTimeReader event_time_;
  logic::TimeZone zone_;
  std::unique_ptr<Columns> columns_;
  int64_t rows_ = 0;
  int64_t reserved_rows_ = 0;  // every column has room for this many rows
};

class DeadLetterBatchBuilder {
 public:
  explicit DeadLetterBatchBuilder(RawLayout layout);
  ~DeadLetterBatchBuilder();
  Status Append(const kafka::MessageView& record, std::string_view reason);
  int64_t rows() const { return rows_; }
  Result<std::shared_ptr<arrow::RecordBatch>> Finish();

 private:
  struct Columns;
  RawLayout layout_;
  std::unique_ptr<Columns> columns_;
  int64_t rows_ = 0;
};

}  // namespace rp::jobs
