#include "kafka/topic_offsets.h"

#include <vector>

#include "common/uuid.h"
#include "kafka/broker_errors.h"
#include "kafka/handle.h"

namespace rp::kafka {
namespace {

void OnBrokerError(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<BrokerErrors*>(opaque)->Record(err, reason);
}

}  // namespace

Result<std::map<int32_t, Watermarks>> TopicWatermarks(const ClientConfig& config, const std::string& topic,
                                                      std::chrono::milliseconds timeout) {
  ClientConfig effective = config;
  // A throwaway group: it never joins (no subscribe, no commit), but a
  // consumer handle serves its callbacks through the group's queue.
  effective.Set("group.id", "rp-offsets-" + NewUuid());
  RP_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, effective.BuildRdKafkaConf());
  BrokerErrors broker_errors;
  rd_kafka_conf_set_opaque(conf, &broker_errors);
  rd_kafka_conf_set_error_cb(conf, &OnBrokerError);
  char err[512];
  // A consumer handle asks ListOffsets with the configured isolation level,
  // as the jobs' consumers fetch.
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!raw) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("cannot create Kafka client: ") + err);
  }
  HandlePtr rk(raw);
  rd_kafka_poll_set_consumer(rk.get());  // so ServeCallbacks serves the error callback
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
