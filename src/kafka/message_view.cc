#include "kafka/message_view.h"

namespace rp::kafka {

const MessageView& MessageViewer::View(const rd_kafka_message_t& m) {
  view_.topic = rd_kafka_topic_name(m.rkt);
  view_.partition = m.partition;
  view_.offset = m.offset;
  view_.key.reset();
  if (m.key) view_.key.emplace(static_cast<const char*>(m.key), m.key_len);
  view_.value.reset();
  if (m.payload) view_.value.emplace(static_cast<const char*>(m.payload), m.len);
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  view_.timestamp_ms = rd_kafka_message_timestamp(&m, &type);
  switch (type) {
    case RD_KAFKA_TIMESTAMP_CREATE_TIME:
      view_.timestamp_type = TimestampType::kCreateTime;
      break;
    case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME:
      view_.timestamp_type = TimestampType::kLogAppendTime;
      break;
    default:
      view_.timestamp_type = TimestampType::kNone;
      view_.timestamp_ms = -1;
      break;
  }
  headers_.clear();
  rd_kafka_headers_t* hdrs = nullptr;
  // rd_kafka_message_headers wants a non-const message: it parses the headers
  // lazily into the message on first use.
  auto* mutable_message = const_cast<rd_kafka_message_t*>(&m);
  if (rd_kafka_message_headers(mutable_message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      logic::HeaderView h{name, std::nullopt};
      if (val) h.value.emplace(static_cast<const char*>(val), size);
      headers_.push_back(h);
    }
  }
  view_.headers = headers_;
  return view_;
}

}  // namespace rp::kafka
