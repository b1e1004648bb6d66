#include "jobs/delivery_tracker.h"

namespace rp::jobs {

uint64_t DeliveryTracker::Track(int32_t partition, int64_t offset) {
  records_.push_back({partition, offset, false});
  return first_token_ + records_.size() - 1;
}

void DeliveryTracker::Delivered(uint64_t token) {
  if (token < first_token_ || token - first_token_ >= records_.size()) return;  // not ours (or already done)
  records_[token - first_token_].delivered = true;
  while (!records_.empty() && records_.front().delivered) {
    committable_[records_.front().partition] = records_.front().offset + 1;
    records_.pop_front();
    ++first_token_;
  }
}

std::map<int32_t, int64_t> DeliveryTracker::TakeCommittable() {
  std::map<int32_t, int64_t> taken;
  taken.swap(committable_);
  return taken;
}

}  // namespace rp::jobs
