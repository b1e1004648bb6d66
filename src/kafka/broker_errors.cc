#include "kafka/broker_errors.h"

#include <algorithm>
#include <cstring>

#include "common/uuid.h"
#include "kafka/admin.h"
#include "kafka/handle.h"

namespace rp::kafka {
namespace {

// librdkafka's error callback runs on the thread that serves the handle's callbacks.
void OnBrokerError(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<BrokerErrors*>(opaque)->Record(err, reason);
}

}  // namespace

Result<HandlePtr> NewQueryConsumer(ClientConfig config, const std::string& group_prefix,
                                   BrokerErrors* errors) {
  config.Set("group.id", group_prefix + "-" + NewUuid());
  RP_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, config.BuildRdKafkaConf());
  rd_kafka_conf_set_opaque(conf, errors);
  rd_kafka_conf_set_error_cb(conf, &OnBrokerError);
  char err[512];
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!raw) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("cannot create Kafka consumer: ") + err);
  }
  HandlePtr rk(raw);
  rd_kafka_poll_set_consumer(rk.get());
  return rk;
}

bool BrokerErrors::Record(int err, const char* reason) {
  std::string refusal;
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
    refusal = std::string("authentication failed: ") + reason;
  } else if (err == RD_KAFKA_RESP_ERR__SSL ||
             (err == RD_KAFKA_RESP_ERR__TRANSPORT && std::strstr(reason, "SSL handshake failed"))) {
    // librdkafka 2.12 reports a failed handshake (a TLS client at a PLAINTEXT
    // listener, say) as a transport error; retrying cannot fix either.
    refusal = std::string("TLS connection failed: ") + reason;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (refusal.empty()) {
    if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) last_ = reason;
    return false;
  }
  if (refused_.empty()) refused_ = std::move(refusal);
  has_refusal_.store(true, std::memory_order_relaxed);
  return true;
}

Status BrokerErrors::refused() const {
  if (!has_refusal()) return Status::OK();
  std::lock_guard<std::mutex> lock(mu_);
  return Status::IOError(refused_);
}

std::string BrokerErrors::last() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_;
}

void ServeCallbacks(rd_kafka_t* rk) {
  if (rd_kafka_type(rk) == RD_KAFKA_CONSUMER) {
    // rd_kafka_poll is not allowed once the main queue goes to the consumer
    // queue (rd_kafka_poll_set_consumer), as it does for every consumer here.
    MessagePtr ignored(rd_kafka_consumer_poll(rk, 0));
  } else {
    rd_kafka_poll(rk, 0);
  }
}

Result<std::vector<int32_t>> TopicPartitionsOnceConnected(rd_kafka_t* rk, const std::string& topic,
                                                          std::chrono::milliseconds timeout,
                                                          const BrokerErrors& errors) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto slice = std::clamp(left, std::chrono::milliseconds(1), std::chrono::milliseconds(500));
    Result<std::vector<int32_t>> partitions = TopicPartitions(rk, topic, slice);
    if (partitions.ok()) return partitions;
    const Status s = partitions.status();
    const bool timed_out = s.code() == Status::Code::kTimeout;
    if (!timed_out && s.code() != Status::Code::kIOError) return partitions;  // e.g. NotFound: an answer
    ServeCallbacks(rk);
    RP_RETURN_IF_ERROR(errors.refused());
    if (Clock::now() >= deadline) {
      const std::string last = errors.last();
      if (last.empty()) return partitions;
      std::string msg = s.message() + " (last broker error: " + last + ")";
      return timed_out ? Status::Timeout(std::move(msg)) : Status::IOError(std::move(msg));
    }
  }
}

}  // namespace rp::kafka
