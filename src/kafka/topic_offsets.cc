#include "kafka/topic_offsets.h"

#include <vector>

#include "kafka/broker_errors.h"
#include "kafka/handle.h"

namespace rp::kafka {

Result<std::map<int32_t, Watermarks>> TopicWatermarks(const ClientConfig& config, const std::string& topic,
                                                      std::chrono::milliseconds timeout) {
  BrokerErrors broker_errors;
  // A consumer handle asks ListOffsets with the configured isolation level,
  // as the jobs' consumers fetch.
  RP_ASSIGN_OR_RETURN(HandlePtr rk, NewQueryConsumer(config, "rp-offsets", &broker_errors));
  RP_ASSIGN_OR_RETURN(std::vector<int32_t> partitions,
                      TopicPartitionsOnceConnected(rk.get(), topic, timeout, broker_errors));
  std::map<int32_t, Watermarks> out;
  for (int32_t p : partitions) {
    Watermarks w;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &w.low, &w.high,
                                                             static_cast<int>(timeout.count()));
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaError(e, "watermarks of " + topic + "[" + std::to_string(p) + "]");
    }
    out[p] = w;
  }
  return out;
}

}  // namespace rp::kafka
