// A consumed Kafka record as jobs see it: views into one librdkafka message,
// so job code (and its unit tests) never touches rd_kafka_message_t. The
// views live as long as the message and the MessageViewer that made them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "kafka/handle.h"
#include "logic/logic.h"

namespace rp::kafka {

// Java's org.apache.kafka.common.record.TimestampType ids, which Spark's Kafka
// source stores in its `timestampType` column.
enum class TimestampType : int8_t { kNone = -1, kCreateTime = 0, kLogAppendTime = 1 };

struct MessageView {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string_view> key;    // nullopt: a null key
  std::optional<std::string_view> value;  // nullopt: a tombstone
  int64_t timestamp_ms = -1;              // -1 with kNone: the record has none
  TimestampType timestamp_type = TimestampType::kNone;
  std::span<const logic::HeaderView> headers;  // in record order; names may repeat
};

// Makes views of messages, reusing one header array: a view's headers are
// valid until the next View() call on the same viewer.
class MessageViewer {
 public:
  const MessageView& View(const rd_kafka_message_t& message);

 private:
  MessageView view_;
  std::vector<logic::HeaderView> headers_;
};

}  // namespace rp::kafka
