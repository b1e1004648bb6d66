#include "jobs/raw_table.h"

#include <algorithm>
#include <charconv>
#include <climits>

#include "common/utf8.h"
#include "delta/actions.h"
#include "delta/arrow_status.h"
#include "delta/storage.h"
#include "delta/table_properties.h"

namespace rp::jobs {
namespace {

using delta::FromArrow;

std::shared_ptr<arrow::DataType> Timestamp() { return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"); }

// Spark's Kafka source: header keys are Java strings.
std::shared_ptr<arrow::DataType> HeadersType(const std::shared_ptr<arrow::DataType>& key_type) {
  return arrow::list(arrow::field(
      "element", arrow::struct_({arrow::field("key", key_type), arrow::field("value", arrow::binary())})));
}

arrow::Status AppendBytes(arrow::BinaryBuilder* b, std::optional<std::string_view> bytes) {
  return bytes ? b->Append(bytes->data(), static_cast<int32_t>(bytes->size())) : b->AppendNull();
}

// A headers column: null for a record without headers, as Spark's Kafka
// source stores it.
class HeadersBuilder {
 public:
  explicit HeadersBuilder(const std::shared_ptr<arrow::DataType>& key_type) {
    auto* pool = arrow::default_memory_pool();
    std::shared_ptr<arrow::ArrayBuilder> key;
    if (key_type->id() == arrow::Type::STRING) {
      key = std::make_shared<arrow::StringBuilder>(pool);
    } else {
      key = std::make_shared<arrow::BinaryBuilder>(pool);
    }
    const auto type = HeadersType(key_type);
    auto entry = std::make_shared<arrow::StructBuilder>(
        type->field(0)->type(), pool,
        std::vector<std::shared_ptr<arrow::ArrayBuilder>>{key, std::make_shared<arrow::BinaryBuilder>(pool)});
    key_ = static_cast<arrow::BinaryBuilder*>(key.get());  // StringBuilder is a BinaryBuilder
    value_ = static_cast<arrow::BinaryBuilder*>(entry->field_builder(1));
    entry_ = entry.get();
    list_ = std::make_unique<arrow::ListBuilder>(pool, std::move(entry), type);
  }

  arrow::Status Append(std::span<const logic::HeaderView> headers) {
    if (headers.empty()) return list_->AppendNull();
    ARROW_RETURN_NOT_OK(list_->Append());
    for (const auto& h : headers) {
      ARROW_RETURN_NOT_OK(entry_->Append());
      ARROW_RETURN_NOT_OK(key_->Append(h.name.data(), static_cast<int32_t>(h.name.size())));
      ARROW_RETURN_NOT_OK(AppendBytes(value_, h.value));
    }
    return arrow::Status::OK();
  }
  arrow::ArrayBuilder* builder() { return list_.get(); }

 private:
  std::unique_ptr<arrow::ListBuilder> list_;
  arrow::StructBuilder* entry_;
  arrow::BinaryBuilder* key_;
  arrow::BinaryBuilder* value_;
};

int32_t TimestampTypeId(kafka::TimestampType type) { return static_cast<int32_t>(type); }

}  // namespace

Result<RawLayout> ParseRawLayout(std::string_view name) {
  if (name == "kafka") return RawLayout::kKafka;
  if (name == "seed") return RawLayout::kSeed;
  return Status::InvalidArgument("unknown table layout '" + std::string(name) + "' (kafka or seed)");
}

const char* RawLayoutName(RawLayout layout) { return layout == RawLayout::kKafka ? "kafka" : "seed"; }

Result<RawTableSettings> ReadRawTableSettings(const std::map<std::string, std::string>& conf) {
  RawTableSettings s;
  if (auto it = conf.find(kConfigLayout); it != conf.end()) {
    RP_ASSIGN_OR_RETURN(s.layout, ParseRawLayout(it->second));
  }
  std::string event_time(logic::kDefaultEventTimeSpec);
  if (auto it = conf.find(kConfigEventTime); it != conf.end()) event_time = it->second;
  RP_ASSIGN_OR_RETURN(s.event_time, logic::EventTimeSpec::Parse(event_time));
  if (auto it = conf.find(kConfigEventTimeFallback); it != conf.end()) {
    if (it->second != "kafka" && it->second != "none") {
      return Status::InvalidArgument(std::string(kConfigEventTimeFallback) + " is '" + it->second +
                                     "' (kafka or none)");
    }
    s.event_time.fallback_kafka = it->second == "kafka";
  }
  if (auto it = conf.find(kConfigTimeZone); it != conf.end()) s.time_zone = it->second;
  if (auto it = conf.find(kConfigSourceTopic); it != conf.end()) s.source_topic = it->second;
  return s;
}

std::map<std::string, std::string> RawTableConfiguration(const RawTableSettings& s) {
  std::map<std::string, std::string> conf = {
      {kConfigLayout, RawLayoutName(s.layout)},
      {kConfigEventTime, s.event_time.ToString()},
      {kConfigEventTimeFallback, s.event_time.fallback_kafka ? "kafka" : "none"},
      {"delta.appendOnly", "true"}};
  // Upkeep for a table that takes a commit per 500 ms around the clock
  // (ARCHITECTURE.md, "Commit policy and upkeep"): a checkpoint per 100
  // commits; tombstones and log history kept 30 minutes, so checkpoints follow
  // the live files and _delta_log stays bounded; cleanup cut exactly there.
  for (const auto& [key, value] : kRawTableUpkeepDefaults) conf.emplace(key, value);
  if (s.time_zone) conf[kConfigTimeZone] = *s.time_zone;
  if (s.source_topic) conf[kConfigSourceTopic] = *s.source_topic;
  return conf;
}

Status MergeTableProperties(const std::map<std::string, std::string>& properties,
                            std::map<std::string, std::string>* configuration) {
  std::map<std::string, std::string> merged = *configuration;
  for (const auto& [key, value] : properties) {
    if (key.starts_with("reprocessor.") && key != delta::kExactLogRetentionProperty) {
      return Status::InvalidArgument(
          "--table-property " + key +
          ": reprocessor.* keys are set by sync's own flags (--layout, --event-time…)");
    }
    merged[key] = value;
  }
  // Parse what we act on now, rather than fail at the first checkpoint.
  delta::Metadata probe;
  probe.configuration = merged;
  RP_RETURN_IF_ERROR(delta::DeletedFileRetentionMs(probe).status());
  RP_RETURN_IF_ERROR(delta::LogRetentionMs(probe).status());
  RP_RETURN_IF_ERROR(delta::ExpiredLogCleanupEnabled(probe).status());
  RP_RETURN_IF_ERROR(delta::ExactLogRetention(probe).status());
  if (auto it = merged.find("delta.appendOnly");
      it != merged.end() && it->second != "true" && it->second != "false") {
    return Status::InvalidArgument("table property delta.appendOnly='" + it->second +
                                   "' is not a boolean (true or false)");
  }
  if (auto it = merged.find("delta.checkpointInterval"); it != merged.end()) {
    int64_t n = 0;
    const auto* end = it->second.data() + it->second.size();
    auto [ptr, ec] = std::from_chars(it->second.data(), end, n);
    if (ec != std::errc() || ptr != end || n <= 0) {
      return Status::InvalidArgument("table property delta.checkpointInterval='" + it->second +
                                     "' is not a positive integer");
    }
  }
  *configuration = std::move(merged);
  return Status::OK();
}

std::shared_ptr<arrow::Schema> RawTableSchema(RawLayout layout) {
  static const auto seed = arrow::schema({
      arrow::field("value", arrow::utf8()),
      arrow::field("partition", arrow::int32()),
      arrow::field("offset", arrow::int64()),
      arrow::field("year", arrow::int32()),
      arrow::field("month", arrow::int32()),
      arrow::field("day", arrow::int32()),
      arrow::field("hour", arrow::int32()),
  });
  static const auto kafka = arrow::schema({
      arrow::field("key", arrow::binary()),
      arrow::field("value", arrow::binary()),
      arrow::field("topic", arrow::utf8()),
      arrow::field("partition", arrow::int32()),
      arrow::field("offset", arrow::int64()),
      arrow::field("timestamp", Timestamp()),
      arrow::field("timestampType", arrow::int32()),
      arrow::field("headers", HeadersType(arrow::utf8())),
      arrow::field("event_time", Timestamp()),
      arrow::field("year", arrow::int32()),
      arrow::field("month", arrow::int32()),
      arrow::field("day", arrow::int32()),
      arrow::field("hour", arrow::int32()),
  });
  return layout == RawLayout::kKafka ? kafka : seed;
}

delta::DataFileWriterOptions RawTableWriterOptions(RawLayout layout) {
  delta::DataFileWriterOptions options;
  if (layout == RawLayout::kKafka) {
    options.plain_columns = {"key", "value", "offset", "timestamp", "event_time"};
  } else {
    options.plain_columns = {"value", "offset"};
  }
  options.block_index = RawTableOffsetIndex();
  // Compaction sorts by (partition, offset), so each row group of a compacted
  // file covers a narrow offset range, and its Parquet min/max let an offset
  // slice read 32k rows of a file instead of all of it.
  options.row_group_rows = 1 << 15;
  return options;
}

const delta::BlockIndexSpec& RawTableOffsetIndex() {
  static const delta::BlockIndexSpec spec{"reprocessor.offsetBlocks", "partition", "offset", 12};
  return spec;
}

const std::vector<std::string>& RawTablePartitionColumns() {
  static const std::vector<std::string> cols = {"year", "month", "day", "hour"};
  return cols;
}

std::shared_ptr<arrow::Schema> DeadLetterTableSchema(RawLayout layout) {
  static const auto seed = arrow::schema({
      arrow::field("value", arrow::binary()),
      arrow::field("topic", arrow::utf8()),
      arrow::field("partition", arrow::int32()),
      arrow::field("offset", arrow::int64()),
      arrow::field("reason", arrow::utf8()),
  });
  static const auto kafka = arrow::schema({
      arrow::field("value", arrow::binary()),
      arrow::field("topic", arrow::utf8()),
      arrow::field("partition", arrow::int32()),
      arrow::field("offset", arrow::int64()),
      arrow::field("reason", arrow::utf8()),
      arrow::field("key", arrow::binary()),
      arrow::field("headers", HeadersType(arrow::binary())),
      arrow::field("timestamp", Timestamp()),
      arrow::field("timestampType", arrow::int32()),
  });
  return layout == RawLayout::kKafka ? kafka : seed;
}

std::string SyncAppId(const std::string& job_id, const std::string& topic, int32_t partition) {
  return job_id + "-" + topic + "-" + std::to_string(partition);
}

Result<std::string> DefaultDeadLetterTablePath(const std::string& table_path) {
  std::string p = table_path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (!delta::IsLocalLocation(p)) {
    // scheme://bucket[/prefix]: "s3://bucket" + "_dlq" would name another bucket.
    const size_t authority = p.find("://");
    if (authority == std::string::npos || p.find('/', authority + 3) == std::string::npos) {
      return Status::InvalidArgument("table " + table_path +
                                     " is at the root of its bucket, where no <table>_dlq sibling fits; "
                                     "give the dead-letter table with --dlq-table");
    }
  }
  return p + "_dlq";
}

struct RawBatchBuilder::Columns {
  // seed: value is a STRING (the builders are the same class underneath).
  std::unique_ptr<arrow::BinaryBuilder> key, value;
  arrow::StringBuilder topic;
  arrow::Int32Builder partition;
  arrow::Int64Builder offset;
  arrow::TimestampBuilder timestamp{Timestamp(), arrow::default_memory_pool()};
  arrow::Int32Builder timestamp_type;
  HeadersBuilder headers{arrow::utf8()};
  arrow::TimestampBuilder event_time{Timestamp(), arrow::default_memory_pool()};
  arrow::Int32Builder year, month, day, hour;

  explicit Columns(RawLayout layout) {
    key = std::make_unique<arrow::BinaryBuilder>();
    if (layout == RawLayout::kSeed) {
      value = std::make_unique<arrow::StringBuilder>();
    } else {
      value = std::make_unique<arrow::BinaryBuilder>();
    }
  }
  std::vector<arrow::ArrayBuilder*> InOrder(RawLayout layout) {
    if (layout == RawLayout::kSeed) return {value.get(), &partition, &offset, &year, &month, &day, &hour};
    return {key.get(),         value.get(), &topic, &partition, &offset, &timestamp, &timestamp_type,
            headers.builder(), &event_time, &year,  &month,     &day,    &hour};
  }
};

RawBatchBuilder::RawBatchBuilder(RawLayout layout, logic::EventTimeSpec event_time, logic::TimeZone zone)
    : layout_(layout),
      event_time_(std::move(event_time), zone),
      zone_(std::move(zone)),
      columns_(std::make_unique<Columns>(layout)) {}

RawBatchBuilder::~RawBatchBuilder() = default;

const char* RawBatchBuilder::Unstorable(const kafka::MessageView& r) const {
  if (layout_ == RawLayout::kSeed) {
    return r.value && !IsValidUtf8(*r.value) ? "invalid_utf8" : nullptr;
  }
  for (const auto& h : r.headers) {
    if (!IsValidUtf8(h.name)) return "invalid_utf8_header_name";
  }
  return nullptr;
}

Status RawBatchBuilder::Append(const kafka::MessageView& r) { return Append(r, Place(r)); }

RawBatchBuilder::Placement RawBatchBuilder::Place(const kafka::MessageView& r) {
  Placement p;
  const std::optional<int64_t> when_micros = event_time_.Read(r.value, r.timestamp_ms);
  if (when_micros) {
    const logic::CivilTime civil = zone_.ToCivil(*when_micros);
    p.when = civil.year >= INT32_MIN && civil.year <= INT32_MAX;
    if (p.when) {
      p.micros = *when_micros;
      p.year = static_cast<int32_t>(civil.year);
      p.month = static_cast<int8_t>(civil.month);
      p.day = static_cast<int8_t>(civil.day);
      p.hour = static_cast<int8_t>(civil.hour);
    }
  }
  return p;
}

Status RawBatchBuilder::Reserve(int64_t rows, int64_t value_bytes, int64_t key_bytes) {
  Columns& c = *columns_;
  std::vector<arrow::ArrayBuilder*> builders = c.InOrder(layout_);
  for (arrow::ArrayBuilder* b : builders) {
    if (b == c.headers.builder()) continue;  // a list: its entries are not per row
    RP_RETURN_IF_ERROR(FromArrow(b->Reserve(rows), "arrow", Status::Code::kInternal));
  }
  RP_RETURN_IF_ERROR(FromArrow(c.value->ReserveData(value_bytes), "arrow", Status::Code::kInternal));
  if (layout_ == RawLayout::kKafka) {
    RP_RETURN_IF_ERROR(FromArrow(c.key->ReserveData(key_bytes), "arrow", Status::Code::kInternal));
  }
  reserved_rows_ = rows_ + rows;
  return Status::OK();
}

namespace {

// Appends to a binary column with room for the row (RawBatchBuilder::Reserve).
arrow::Status AppendBytesReserved(arrow::BinaryBuilder* b, std::optional<std::string_view> bytes) {
  if (!bytes) {
    b->UnsafeAppendNull();
    return arrow::Status::OK();
  }
  const auto size = static_cast<int64_t>(bytes->size());
  if (b->value_data_length() + size > b->value_data_capacity()) {
    ARROW_RETURN_NOT_OK(b->ReserveData(std::max(size, b->value_data_capacity())));
  }
  b->UnsafeAppend(bytes->data(), static_cast<int32_t>(size));
  return arrow::Status::OK();
}

}  // namespace

Status RawBatchBuilder::Append(const kafka::MessageView& r, const Placement& p) {
  Columns& c = *columns_;
  // Room for one more row in every column: appends below need no checks.
  if (rows_ >= reserved_rows_) RP_RETURN_IF_ERROR(Reserve(std::max<int64_t>(rows_, 1024), 0, 0));
  RP_RETURN_IF_ERROR(
      FromArrow(AppendBytesReserved(c.value.get(), r.value), "arrow", Status::Code::kInternal));
  c.partition.UnsafeAppend(r.partition);
  c.offset.UnsafeAppend(r.offset);
  if (layout_ == RawLayout::kKafka) {
    RP_RETURN_IF_ERROR(FromArrow(AppendBytesReserved(c.key.get(), r.key), "arrow", Status::Code::kInternal));
    RP_RETURN_IF_ERROR(FromArrow(AppendBytesReserved(&c.topic, r.topic), "arrow", Status::Code::kInternal));
    if (r.timestamp_type == kafka::TimestampType::kNone) {
      c.timestamp.UnsafeAppendNull();
    } else {
      c.timestamp.UnsafeAppend(r.timestamp_ms * 1000);
    }
    c.timestamp_type.UnsafeAppend(TimestampTypeId(r.timestamp_type));
    RP_RETURN_IF_ERROR(FromArrow(c.headers.Append(r.headers), "arrow", Status::Code::kInternal));
    if (p.when) {
      c.event_time.UnsafeAppend(p.micros);
    } else {
      c.event_time.UnsafeAppendNull();
    }
  }
  if (p.when) {
    c.year.UnsafeAppend(p.year);
    c.month.UnsafeAppend(p.month);
    c.day.UnsafeAppend(p.day);
    c.hour.UnsafeAppend(p.hour);
  } else {
    for (auto* b : {&c.year, &c.month, &c.day, &c.hour}) b->UnsafeAppendNull();
  }
  ++rows_;
  return Status::OK();
}

Result<std::shared_ptr<arrow::RecordBatch>> RawBatchBuilder::Finish() {
  std::vector<arrow::ArrayBuilder*> builders = columns_->InOrder(layout_);
  std::vector<std::shared_ptr<arrow::Array>> cols(builders.size());
  for (size_t i = 0; i < builders.size(); ++i)
    RP_RETURN_IF_ERROR(FromArrow(builders[i]->Finish(&cols[i]), "arrow", Status::Code::kInternal));
  auto batch = arrow::RecordBatch::Make(RawTableSchema(layout_), rows_, std::move(cols));
  rows_ = 0;
  reserved_rows_ = 0;  // Finish released the builders' buffers
  return batch;
}

struct DeadLetterBatchBuilder::Columns {
  arrow::BinaryBuilder value;
  arrow::StringBuilder topic;
  arrow::Int32Builder partition;
  arrow::Int64Builder offset;
  arrow::StringBuilder reason;
  arrow::BinaryBuilder key;
  HeadersBuilder headers{arrow::binary()};
  arrow::TimestampBuilder timestamp{Timestamp(), arrow::default_memory_pool()};
  arrow::Int32Builder timestamp_type;

  std::vector<arrow::ArrayBuilder*> InOrder(RawLayout layout) {
    std::vector<arrow::ArrayBuilder*> out = {&value, &topic, &partition, &offset, &reason};
    if (layout == RawLayout::kKafka) {
      out.insert(out.end(), {&key, headers.builder(), &timestamp, &timestamp_type});
    }
    return out;
  }
};

DeadLetterBatchBuilder::DeadLetterBatchBuilder(RawLayout layout)
    : layout_(layout), columns_(std::make_unique<Columns>()) {}

DeadLetterBatchBuilder::~DeadLetterBatchBuilder() = default;

Status DeadLetterBatchBuilder::Append(const kafka::MessageView& r, std::string_view reason) {
  Columns& c = *columns_;
  RP_RETURN_IF_ERROR(FromArrow(AppendBytes(&c.value, r.value), "arrow", Status::Code::kInternal));
  RP_RETURN_IF_ERROR(FromArrow(c.topic.Append(r.topic.data(), static_cast<int32_t>(r.topic.size())), "arrow",
                               Status::Code::kInternal));
  RP_RETURN_IF_ERROR(FromArrow(c.partition.Append(r.partition), "arrow", Status::Code::kInternal));
  RP_RETURN_IF_ERROR(FromArrow(c.offset.Append(r.offset), "arrow", Status::Code::kInternal));
  RP_RETURN_IF_ERROR(FromArrow(c.reason.Append(reason.data(), static_cast<int32_t>(reason.size())), "arrow",
                               Status::Code::kInternal));
  if (layout_ == RawLayout::kKafka) {
    RP_RETURN_IF_ERROR(FromArrow(AppendBytes(&c.key, r.key), "arrow", Status::Code::kInternal));
    RP_RETURN_IF_ERROR(FromArrow(c.headers.Append(r.headers), "arrow", Status::Code::kInternal));
    if (r.timestamp_type == kafka::TimestampType::kNone) {
      RP_RETURN_IF_ERROR(FromArrow(c.timestamp.AppendNull(), "arrow", Status::Code::kInternal));
    } else {
      RP_RETURN_IF_ERROR(
          FromArrow(c.timestamp.Append(r.timestamp_ms * 1000), "arrow", Status::Code::kInternal));
    }
    RP_RETURN_IF_ERROR(FromArrow(c.timestamp_type.Append(TimestampTypeId(r.timestamp_type)), "arrow",
                                 Status::Code::kInternal));
  }
  ++rows_;
  return Status::OK();
}

Result<std::shared_ptr<arrow::RecordBatch>> DeadLetterBatchBuilder::Finish() {
  std::vector<arrow::ArrayBuilder*> builders = columns_->InOrder(layout_);
  std::vector<std::shared_ptr<arrow::Array>> cols(builders.size());
  for (size_t i = 0; i < builders.size(); ++i)
    RP_RETURN_IF_ERROR(FromArrow(builders[i]->Finish(&cols[i]), "arrow", Status::Code::kInternal));
  auto batch = arrow::RecordBatch::Make(DeadLetterTableSchema(layout_), rows_, std::move(cols));
  rows_ = 0;
  return batch;
}

}  // namespace rp::jobs
