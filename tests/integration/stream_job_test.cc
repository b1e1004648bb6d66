// The `stream` job as a real process against a real broker.
#include <gtest/gtest.h>

#include <csignal>
#include <set>

#include "support/kafka_io.h"
#include "support/local_broker.h"
#include "support/process.h"
#include "support/seed.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::HeaderValue;
using testing::ReadAll;
using testing::ReprocessorBinary;
using testing::SharedBroker;
using testing::TestRecord;
using testing::WaitFor;

std::vector<std::string> StreamArgs(const std::string& in, const std::string& out, const std::string& group,
                                    std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {ReprocessorBinary(), "stream", "--input-topic", in,  "--output-topic", out,
                                    "--group",          group,    "--timezone",    "Europe/Paris", "-b",
                                    SharedBroker().bootstrap()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(StreamJob, TransformsTheSeedRecordsAndStopsCleanlyOnSigterm) {
  SharedBroker().CreateTopic("st_in", 1);
  SharedBroker().CreateTopic("st_out", 1);
  testing::TempDir dir;
  BackgroundProcess job(StreamArgs("st_in", "st_out", "st_group"), dir.path() + "/stream.log");
  std::vector<TestRecord> seed;
  for (const auto& line : testing::SeedInputRecords()) seed.push_back({0, line, std::nullopt, {}});
  testing::Produce(SharedBroker().bootstrap(), "st_in", seed);

  ASSERT_TRUE(WaitFor([] { return ReadAll(SharedBroker().bootstrap(), "st_out").size() >= 9; }, 60000))
      << testing::LogOf(job);
  job.Signal(SIGTERM);
  EXPECT_EQ(job.Wait(30000), 0) << testing::LogOf(job);

  auto out = ReadAll(SharedBroker().bootstrap(), "st_out");
  auto expected = testing::ShowTableFirstColumn(testing::ReadFile(testing::SeedPath("read_topic_before_reprocessing.txt")));
  ASSERT_EQ(out.size(), expected.size());
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].value, expected[i]);
    EXPECT_EQ(out[i].offset, static_cast<int64_t>(i));  // contiguous, as in the seed
    EXPECT_EQ(HeaderValue(out[i], "source-topic"), "st_in");
    EXPECT_EQ(HeaderValue(out[i], "source-partition"), "0");
    EXPECT_EQ(HeaderValue(out[i], "source-offset"), std::to_string(i));
  }
}

TEST(StreamJob, RestartResumesFromCommittedOffsetsWithoutReprocessing) {
  SharedBroker().CreateTopic("st2_in", 2);
  SharedBroker().CreateTopic("st2_out", 2);
  testing::TempDir dir;
  const std::string bootstrap = SharedBroker().bootstrap();
  testing::Produce(bootstrap, "st2_in", {{0, R"({"event_id":"a"})", {}, {}}, {1, R"({"event_id":"b"})", {}, {}}});
  {
    BackgroundProcess job(StreamArgs("st2_in", "st2_out", "st2_group"), dir.path() + "/1.log");
    ASSERT_TRUE(WaitFor([&] { return ReadAll(bootstrap, "st2_out").size() >= 2; }, 60000)) << testing::LogOf(job);
    job.Signal(SIGTERM);
    ASSERT_EQ(job.Wait(30000), 0) << testing::LogOf(job);
  }
  testing::Produce(bootstrap, "st2_in", {{1, R"({"event_id":"c"})", {}, {}}});
  BackgroundProcess job(StreamArgs("st2_in", "st2_out", "st2_group"), dir.path() + "/2.log");
  ASSERT_TRUE(WaitFor([&] { return ReadAll(bootstrap, "st2_out").size() >= 3; }, 60000)) << testing::LogOf(job);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  job.Signal(SIGTERM);
  ASSERT_EQ(job.Wait(30000), 0) << testing::LogOf(job);

  auto out = ReadAll(bootstrap, "st2_out");
  ASSERT_EQ(out.size(), 3u);
  // preserve partitioning: input partition p -> output partition p
  for (const auto& r : out) EXPECT_EQ(HeaderValue(r, "source-partition"), std::to_string(r.partition));
  EXPECT_EQ(out[2].value, R"({"event_identifier":"c"})");
}

TEST(StreamJob, MalformedRecordsAreDeadLetteredWithReasonsAndNothingCrashes) {
  SharedBroker().CreateTopic("st3_in", 1);
  SharedBroker().CreateTopic("st3_out", 1);
  const std::string bootstrap = SharedBroker().bootstrap();
  const std::string big = R"({"event_id":")" + std::string(1000000, 'x') + R"("})";
  std::vector<TestRecord> input = {
      {0, "not json", {}, {}},                                     // 0 invalid_json
      {0, "[1,2,3]", {}, {}},                                      // 1 not_an_object
      {0, R"({"event_id":"no-time","visit_id":3})", {}, {}},       // 2 ok (permissive)
      {0, R"({"event_id":"e","visit_id":"seven"})", {}, {}},       // 3 ok, visit_id null
      {0, std::string("{\"event_id\":\"\xff\xfe\"}"), {}, {}},     // 4 invalid_utf8
      {0, std::nullopt, std::string("k"), {}},                     // 5 tombstone
      {0, big, {}, {}},                                            // 6 ok, 1 MB
      {0, "", {}, {}},                                             // 7 empty_value
  };
  testing::Produce(bootstrap, "st3_in", input);
  testing::TempDir dir;
  BackgroundProcess job(StreamArgs("st3_in", "st3_out", "st3_group", {"-X", "message.max.bytes=2000000"}),
                        dir.path() + "/stream.log");
  ASSERT_TRUE(WaitFor([&] {
    return ReadAll(bootstrap, "st3_out").size() + ReadAll(bootstrap, "st3_out-dlq").size() >= input.size();
  }, 60000)) << testing::LogOf(job);
  job.Signal(SIGTERM);
  EXPECT_EQ(job.Wait(30000), 0) << testing::LogOf(job);

  auto out = ReadAll(bootstrap, "st3_out");
  auto dlq = ReadAll(bootstrap, "st3_out-dlq");
  std::set<std::string> out_offsets, dlq_reasons;
  for (const auto& r : out) out_offsets.insert(*HeaderValue(r, "source-offset"));
  EXPECT_EQ(out_offsets, (std::set<std::string>{"2", "3", "6"}));
  std::map<std::string, std::string> reason_by_offset;
  for (const auto& r : dlq) reason_by_offset[*HeaderValue(r, "source-offset")] = *HeaderValue(r, "dlq-reason");
  EXPECT_EQ(reason_by_offset, (std::map<std::string, std::string>{{"0", "invalid_json"},
                                                                    {"1", "not_an_object"},
                                                                    {"4", "invalid_utf8"},
                                                                    {"5", "empty_value"},
                                                                    {"7", "empty_value"}}));
  // The dead letter keeps the raw bytes and key.
  for (const auto& r : dlq) {
    if (*HeaderValue(r, "source-offset") == "4") {
      EXPECT_EQ(r.value, input[4].value);
    }
    if (*HeaderValue(r, "source-offset") == "5") {
      EXPECT_FALSE(r.value.has_value());
      EXPECT_EQ(r.key, "k");
    }
  }
}

TEST(StreamJob, MissingOutputTopicIsAUsageError) {
  SharedBroker().CreateTopic("st4_in", 1);
  auto r = testing::RunProcess(StreamArgs("st4_in", "st4_missing_out", "st4_group"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("st4_missing_out"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rp
