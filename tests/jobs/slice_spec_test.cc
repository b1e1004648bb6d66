// How `reprocess` reads its slice arguments (Spark's Kafka source conventions).
#include "jobs/slice_spec.h"

#include <gtest/gtest.h>

namespace rp::jobs {
namespace {

const logic::TimeZone kUtc = logic::TimeZone::Utc();

Result<SliceSpec> Build(SliceArgs args) { return BuildSliceSpec(args, "visits", kUtc); }

void ExpectInvalid(SliceArgs args, const std::string& mentions) {
  auto spec = Build(args);
  ASSERT_FALSE(spec.ok());
  EXPECT_TRUE(spec.status().IsInvalidArgument());
  EXPECT_NE(spec.status().message().find(mentions), std::string::npos) << spec.status().message();
  EXPECT_EQ(spec.status().message().find('\n'), std::string::npos);
}

TEST(SliceSpec, StartEndIsInclusiveOnEveryPartition) {
  SliceArgs args;
  args.start = 0;
  args.end = 2;
  auto spec = Build(args);
  ASSERT_TRUE(spec.ok());
  for (int32_t p : {0, 1, 7}) {
    auto b = spec->BoundsFor(p);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->first, 0);
    EXPECT_EQ(b->last, 2);
  }
}

TEST(SliceSpec, SparkJsonStartIsInclusiveEndExclusiveAndMissingPartitionsAreUnbounded) {
  SliceArgs args;
  args.starting_offsets = R"({"visits":{"0":23,"1":-2}})";
  args.ending_offsets = R"({"visits":{"0":30,"2":5}})";
  auto spec = Build(args);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->BoundsFor(0)->first, 23);
  EXPECT_EQ(spec->BoundsFor(0)->last, 29);
  EXPECT_EQ(spec->BoundsFor(1)->first, 0);  // -2: earliest
  EXPECT_EQ(spec->BoundsFor(1)->last, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(spec->BoundsFor(2)->first, 0);
  EXPECT_EQ(spec->BoundsFor(2)->last, 4);
  EXPECT_FALSE(spec->BoundsFor(3).has_value());  // named on neither side: whole range
}

TEST(SliceSpec, EndingMinusOneMeansTheTablesLatest) {
  SliceArgs args;
  args.starting_offsets = R"({"visits":{"0":5}})";
  args.ending_offsets = R"({"visits":{"0":-1}})";
  auto spec = Build(args);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->BoundsFor(0)->first, 5);
  EXPECT_EQ(spec->BoundsFor(0)->last, std::numeric_limits<int64_t>::max());
}

TEST(SliceSpec, TimeBoundsUseTheZoneWhenTheTextHasNone) {
  SliceArgs args;
  args.since = "2025-09-04T07:00:00";
  args.until = "2025-09-04T08:00:00Z";
  auto spec = BuildSliceSpec(args, "visits", *logic::TimeZone::Find("Europe/Paris"));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(*spec->since_micros, 1756962000000000LL);  // 05:00Z
  EXPECT_EQ(*spec->until_micros, 1756972800000000LL);  // 08:00Z
  EXPECT_FALSE(spec->HasOffsetBounds());
}

TEST(SliceSpec, BadSpecsAreOneLineUsageErrors) {
  SliceArgs reversed;
  reversed.start = 5;
  reversed.end = 2;
  ExpectInvalid(reversed, "after END");
  SliceArgs negative;
  negative.start = -1;
  negative.end = 2;
  ExpectInvalid(negative, "negative");
  SliceArgs half;
  half.start = 1;
  ExpectInvalid(half, "together");
  SliceArgs both;
  both.start = 0;
  both.end = 1;
  both.starting_offsets = R"({"visits":{"0":0}})";
  ExpectInvalid(both, "not both");
  SliceArgs none;
  ExpectInvalid(none, "choose a slice");
  SliceArgs not_json;
  not_json.starting_offsets = "{visits:0";
  ExpectInvalid(not_json, "not valid JSON");
  SliceArgs other_topic;
  other_topic.starting_offsets = R"({"clicks":{"0":0}})";
  ExpectInvalid(other_topic, "clicks");
  SliceArgs bad_partition;
  bad_partition.starting_offsets = R"({"visits":{"zero":0}})";
  ExpectInvalid(bad_partition, "zero");
  SliceArgs bad_offset;
  bad_offset.starting_offsets = R"({"visits":{"0":"5"}})";
  ExpectInvalid(bad_offset, "integer");
  SliceArgs too_negative;
  too_negative.starting_offsets = R"({"visits":{"0":-3}})";
  ExpectInvalid(too_negative, "-3");
  SliceArgs latest_start;
  latest_start.starting_offsets = R"({"visits":{"0":-1}})";
  ExpectInvalid(latest_start, "latest");
  SliceArgs earliest_end;
  earliest_end.ending_offsets = R"({"visits":{"0":-2}})";
  ExpectInvalid(earliest_end, "earliest");
  SliceArgs empty_range;
  empty_range.starting_offsets = R"({"visits":{"0":5}})";
  empty_range.ending_offsets = R"({"visits":{"0":5}})";
  ExpectInvalid(empty_range, "not after");
  SliceArgs bad_time;
  bad_time.since = "yesterday";
  ExpectInvalid(bad_time, "yesterday");
  SliceArgs backwards_time;
  backwards_time.since = "2025-01-02";
  backwards_time.until = "2025-01-01";
  ExpectInvalid(backwards_time, "before");
}

}  // namespace
}  // namespace rp::jobs
