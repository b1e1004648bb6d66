#include "jobs/raw_table.h"

namespace rp::jobs {
namespace {

Status FromArrow(const arrow::Status& s) {
  return s.ok() ? Status::OK() : Status::Internal("arrow: " + s.ToString());
}

}  // namespace

std::shared_ptr<arrow::Schema> RawTableSchema() {
  static const auto schema = arrow::schema({
      arrow::field("value", arrow::utf8()),
      arrow::field("partition", arrow::int32()),
      arrow::field("offset", arrow::int64()),
      arrow::field("year", arrow::int32()),
      arrow::field("month", arrow::int32()),
      arrow::field("day", arrow::int32()),
      arrow::field("hour", arrow::int32()),
  });
  return schema;
}

const std::vector<std::string>& RawTablePartitionColumns() {
  static const std::vector<std::string> cols = {"year", "month", "day", "hour"};
  return cols;
}

std::shared_ptr<arrow::Schema> DeadLetterTableSchema() {
  static const auto schema = arrow::schema({
      arrow::field("value", arrow::binary()),
      arrow::field("topic", arrow::utf8()),
      arrow::field("partition", arrow::int32()),
      arrow::field("offset", arrow::int64()),
      arrow::field("reason", arrow::utf8()),
  });
  return schema;
}

std::string SyncAppId(const std::string& job_id, const std::string& topic, int32_t partition) {
  return job_id + "-" + topic + "-" + std::to_string(partition);
}

std::string DefaultDeadLetterTablePath(const std::string& table_path) {
  std::string p = table_path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p + "_dlq";
}

RawBatchBuilder::RawBatchBuilder(logic::TimeZone zone) : parser_(logic::TransformOptions{std::move(zone), false}) {}

Status RawBatchBuilder::Append(std::optional<std::string_view> value, int32_t partition, int64_t offset) {
  std::optional<logic::CivilTime> when;
  if (value && !parser_.Parse(*value, &visit_) && visit_.event_time_micros) {
    when = parser_.options().zone.ToCivil(*visit_.event_time_micros);
  }
  RP_RETURN_IF_ERROR(FromArrow(value ? value_.Append(value->data(), static_cast<int32_t>(value->size()))
                                     : value_.AppendNull()));
  RP_RETURN_IF_ERROR(FromArrow(partition_.Append(partition)));
  RP_RETURN_IF_ERROR(FromArrow(offset_.Append(offset)));
  if (when && when->year >= INT32_MIN && when->year <= INT32_MAX) {
    RP_RETURN_IF_ERROR(FromArrow(year_.Append(static_cast<int32_t>(when->year))));
    RP_RETURN_IF_ERROR(FromArrow(month_.Append(when->month)));
    RP_RETURN_IF_ERROR(FromArrow(day_.Append(when->day)));
    RP_RETURN_IF_ERROR(FromArrow(hour_.Append(when->hour)));
  } else {
    // Unparsable records are kept, with null partitions, so a fixed logic can reprocess them.
    for (auto* b : {&year_, &month_, &day_, &hour_}) RP_RETURN_IF_ERROR(FromArrow(b->AppendNull()));
  }
  ++rows_;
  return Status::OK();
}

Result<std::shared_ptr<arrow::RecordBatch>> RawBatchBuilder::Finish() {
  std::vector<std::shared_ptr<arrow::Array>> cols(7);
  arrow::ArrayBuilder* builders[] = {&value_, &partition_, &offset_, &year_, &month_, &day_, &hour_};
  for (size_t i = 0; i < 7; ++i) RP_RETURN_IF_ERROR(FromArrow(builders[i]->Finish(&cols[i])));
  auto batch = arrow::RecordBatch::Make(RawTableSchema(), rows_, std::move(cols));
  rows_ = 0;
  return batch;
}

Status DeadLetterBatchBuilder::Append(std::string_view raw_value, std::string_view topic, int32_t partition,
                                      int64_t offset, std::string_view reason) {
  RP_RETURN_IF_ERROR(FromArrow(value_.Append(raw_value.data(), static_cast<int32_t>(raw_value.size()))));
  RP_RETURN_IF_ERROR(FromArrow(topic_.Append(topic.data(), static_cast<int32_t>(topic.size()))));
  RP_RETURN_IF_ERROR(FromArrow(partition_.Append(partition)));
  RP_RETURN_IF_ERROR(FromArrow(offset_.Append(offset)));
  RP_RETURN_IF_ERROR(FromArrow(reason_.Append(reason.data(), static_cast<int32_t>(reason.size()))));
  ++rows_;
  return Status::OK();
}

Result<std::shared_ptr<arrow::RecordBatch>> DeadLetterBatchBuilder::Finish() {
  std::vector<std::shared_ptr<arrow::Array>> cols(5);
  arrow::ArrayBuilder* builders[] = {&value_, &topic_, &partition_, &offset_, &reason_};
  for (size_t i = 0; i < 5; ++i) RP_RETURN_IF_ERROR(FromArrow(builders[i]->Finish(&cols[i])));
  auto batch = arrow::RecordBatch::Make(DeadLetterTableSchema(), rows_, std::move(cols));
  rows_ = 0;
  return batch;
}

}  // namespace rp::jobs
