// When `stream` (at-least-once) may commit an input position: only once that
// record and every record consumed before it have been delivered.
#include "jobs/delivery_tracker.h"

#include <gtest/gtest.h>

namespace rp::jobs {
namespace {

using Positions = std::map<int32_t, int64_t>;

TEST(DeliveryTracker, NothingIsCommittableBeforeADelivery) {
  DeliveryTracker tracker;
  tracker.Track(0, 10);
  tracker.Track(0, 11);
  EXPECT_EQ(tracker.TakeCommittable(), Positions{});
  EXPECT_EQ(tracker.in_flight(), 2u);
}

TEST(DeliveryTracker, InOrderDeliveriesCommitTheNextOffset) {
  DeliveryTracker tracker;
  uint64_t a = tracker.Track(0, 10), b = tracker.Track(0, 11);
  tracker.Delivered(a);
  EXPECT_EQ(tracker.TakeCommittable(), (Positions{{0, 11}}));
  tracker.Delivered(b);
  EXPECT_EQ(tracker.TakeCommittable(), (Positions{{0, 12}}));
  EXPECT_EQ(tracker.in_flight(), 0u);
  EXPECT_EQ(tracker.TakeCommittable(), Positions{}) << "taken positions are not reported twice";
}

TEST(DeliveryTracker, AnUndeliveredRecordHoldsBackEverythingConsumedAfterIt) {
  DeliveryTracker tracker;
  uint64_t p0a = tracker.Track(0, 5);
  uint64_t p1 = tracker.Track(1, 7);  // another partition, consumed later
  uint64_t p0b = tracker.Track(0, 6);
  tracker.Delivered(p1);
  tracker.Delivered(p0b);
  EXPECT_EQ(tracker.TakeCommittable(), Positions{}) << "partition 0 offset 5 is still in flight";
  tracker.Delivered(p0a);
  EXPECT_EQ(tracker.TakeCommittable(), (Positions{{0, 7}, {1, 8}}));
}

TEST(DeliveryTracker, AFailedDeliveryNeverBecomesCommittable) {
  DeliveryTracker tracker;
  uint64_t a = tracker.Track(2, 100);
  uint64_t failed = tracker.Track(2, 101);  // its report never says delivered
  uint64_t c = tracker.Track(2, 102);
  (void)failed;
  tracker.Delivered(a);
  tracker.Delivered(c);
  EXPECT_EQ(tracker.TakeCommittable(), (Positions{{2, 101}}));
  EXPECT_EQ(tracker.in_flight(), 2u);
}

TEST(DeliveryTracker, UnknownAndRepeatedTokensAreIgnored) {
  DeliveryTracker tracker;
  uint64_t a = tracker.Track(0, 1);
  tracker.Delivered(0);  // untracked records carry token 0
  tracker.Delivered(a + 100);
  EXPECT_EQ(tracker.TakeCommittable(), Positions{});
  tracker.Delivered(a);
  tracker.Delivered(a);
  EXPECT_EQ(tracker.TakeCommittable(), (Positions{{0, 2}}));
  uint64_t b = tracker.Track(0, 2);
  EXPECT_NE(b, a) << "tokens are not reused";
  tracker.Delivered(b);
  EXPECT_EQ(tracker.TakeCommittable(), (Positions{{0, 3}}));
}

}  // namespace
}  // namespace rp::jobs
