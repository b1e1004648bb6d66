#include "jobs/consumer_metrics.h"

#include <vector>

namespace rp::jobs {

void ConsumerMetrics::Turn(const kafka::GroupConsumer& consumer, const std::map<int32_t, int64_t>* stored) {
  if (!metrics_) return;
  metrics_->health().LoopTurned();
  const auto now = std::chrono::steady_clock::now();
  if (now < next_report_) return;
  next_report_ = now + std::chrono::seconds(1);
  std::vector<metrics::PartitionLag> lags;
  for (const kafka::PartitionOffsets& p : consumer.Offsets()) {
    int64_t next = p.position;
    if (stored) {
      auto it = stored->find(p.tp.second);
      next = it != stored->end() && it->second >= 0 ? it->second + 1 : RD_KAFKA_OFFSET_INVALID;
    }
    lags.push_back({p.tp.first, p.tp.second, kafka::LagRecords(next, p.low, p.high)});
  }
  metrics_->SetPartitions(lags);
  metrics_->health().SetBrokersDownSince(consumer.BrokersDownSince());
}

}  // namespace rp::jobs
