// The Kafka-side numbers behind the jobs' metrics: lag in records from
// cached offsets, and retries summed from librdkafka's statistics JSON.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "kafka/group_consumer.h"
#include "kafka/statistics.h"

namespace rp::kafka {
namespace {

constexpr int64_t kUnknown = RD_KAFKA_OFFSET_INVALID;

TEST(LagRecords, CountsFromTheNextOffsetToTheEnd) {
  EXPECT_EQ(LagRecords(40, 0, 100), 60);
  EXPECT_EQ(LagRecords(100, 0, 100), 0);
}

TEST(LagRecords, NothingTakenYetCountsFromTheLogStart) {
  EXPECT_EQ(LagRecords(kUnknown, 30, 100), 70);
  // The start not known either (no fetch answered with it): from offset 0.
  EXPECT_EQ(LagRecords(kUnknown, kUnknown, 100), 100);
}

TEST(LagRecords, APositionBelowTheLogStartCountsOnlyWhatIsLeft) {
  // Retention deleted offsets 0..49; a job resuming at 10 can only read from 50.
  EXPECT_EQ(LagRecords(10, 50, 100), 50);
}

TEST(LagRecords, UnknownWhileTheEndIsUnknownAndNeverNegative) {
  EXPECT_EQ(LagRecords(10, 0, kUnknown), std::nullopt);
  // A cached end older than the position (the next fetch updates it).
  EXPECT_EQ(LagRecords(120, 0, 100), 0);
}

TEST(SumStatistic, AddsTheFieldOfEveryBroker) {
  const char* json = R"({"name":"rdkafka#producer-1","txretries": 99,"brokers":{
      "127.0.0.1:9092/1":{"name":"a","txretries":3,"tx":10},
      "127.0.0.1:9093/2":{"name":"b","txretries" : 4,"tx":2},
      "GroupCoordinator":{"txretries":0}},"topics":{"t":{"partitions":{"0":{"txmsgs":5}}}}})";
  EXPECT_EQ(SumStatistic(json, "txretries"), 106);
  EXPECT_EQ(SumStatistic(json, "tx"), 12);  // not "txretries" or "txmsgs"
}

TEST(SumStatistic, IgnoresTheNameAsAValueAndMissingFields) {
  EXPECT_EQ(SumStatistic(R"({"name":"txretries","brokers":{}})", "txretries"), 0);
  EXPECT_EQ(SumStatistic("{}", "txretries"), 0);
}

}  // namespace
}  // namespace rp::kafka
