// What a consumer-group job (sync, stream) tells its metrics and health
// endpoint from its main loop: that the loop turns (every call), and, at most
// once a second, the assigned partitions with their lag in records and
// whether a broker answers. Lag is read from librdkafka's caches (the end
// offset of the latest fetch response), so reporting costs no request.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>

#include "kafka/group_consumer.h"
#include "metrics/job_metrics.h"

namespace rp::jobs {

class ConsumerMetrics {
 public:
  explicit ConsumerMetrics(metrics::JobMetrics* metrics) : metrics_(metrics) {}

  // `stored`: per partition of the consumer's one topic, the last offset the
  // job has made durable (-1: none), when that, not the consumer's position,
  // is what lag counts from (sync: the table's txn versions).
  void Turn(const kafka::GroupConsumer& consumer, const std::map<int32_t, int64_t>* stored = nullptr);

 private:
  metrics::JobMetrics* metrics_;
  std::chrono::steady_clock::time_point next_report_{};
};

}  // namespace rp::jobs
