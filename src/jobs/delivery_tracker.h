// Which input positions `stream` may commit under at-least-once delivery
// without waiting for a flush: an input offset is safe once its output and
// the outputs of every record consumed before it are acknowledged.
//
// Records are tracked in consumption order; delivery reports mark them done
// in any order (outputs go to several partitions and the DLQ topic); the
// done prefix becomes committable. Delivery reports arrive on the thread
// that polls the producer, which is the job's thread: no locking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>

namespace rp::jobs {

class DeliveryTracker {
 public:
  // Starts tracking a consumed record; returns its token for the delivery report.
  uint64_t Track(int32_t partition, int64_t offset);
  // The delivery report of a token (tokens of failed deliveries stay
  // undelivered: nothing at or after them is ever committable).
  void Delivered(uint64_t token);

  // Next offsets per partition that became committable since the last call.
  std::map<int32_t, int64_t> TakeCommittable();
  size_t in_flight() const { return records_.size(); }

 private:
  struct Record {
    int32_t partition;
    int64_t offset;
    bool delivered;
  };
  std::deque<Record> records_;  // in consumption order; front has token first_token_
  uint64_t first_token_ = 1;    // token 0 means "untracked"
  std::map<int32_t, int64_t> committable_;
};

}  // namespace rp::jobs
