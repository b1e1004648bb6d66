// RAII ownership of librdkafka handles, and librdkafka errors as rp::Status.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace rp::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct TopicPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using TopicPartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// The librdkafka version linked in ("2.12.1").
std::string LibrdkafkaVersion();

// Maps a librdkafka error to a Status, with `what` as context.
Status KafkaError(rd_kafka_resp_err_t err, const std::string& what);

}  // namespace rp::kafka
