// read-topic against a real broker: the seed's layout, byte for byte.
#include <gtest/gtest.h>

#include <chrono>

#include "kafka/producer.h"
#include "support/local_broker.h"
#include "support/process.h"
#include "support/seed.h"

namespace rp {
namespace {

using testing::ReadFile;
using testing::ReprocessorBinary;
using testing::RunProcess;
using testing::SeedPath;
using testing::SharedBroker;

void ProduceAll(const std::string& topic, const std::vector<std::pair<int32_t, std::string>>& records,
                const std::vector<kafka::Header>& headers = {}, const std::optional<std::string>& key = {}) {
  kafka::ClientConfig config;
  config.Set("bootstrap.servers", SharedBroker().bootstrap());
  auto producer = kafka::Producer::Create(config, {});
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  for (const auto& [partition, value] : records) {
    ASSERT_TRUE((*producer)->Produce(topic, partition, key, value, headers).ok());
  }
  Status flushed = (*producer)->Flush(std::chrono::seconds(30));
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
}

TEST(ReadTopic, PrintsTheSeedOutputTopicInSparkShowLayoutByteForByte) {
  const std::string expected = ReadFile(SeedPath("read_topic_before_reprocessing.txt"));
  std::vector<std::pair<int32_t, std::string>> records;
  for (const std::string& v : testing::ShowTableFirstColumn(expected)) records.emplace_back(0, v);
  ASSERT_EQ(records.size(), 9u);
  SharedBroker().CreateTopic("seed_output", 1);
  ProduceAll("seed_output", records);

  auto r = RunProcess({ReprocessorBinary(), "read-topic", "--topic", "seed_output", "-b", SharedBroker().bootstrap()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, expected);
}

TEST(ReadTopic, OrdersRecordsByPartitionThenOffset) {
  SharedBroker().CreateTopic("three_partitions", 3);
  ProduceAll("three_partitions", {{2, "c0"}, {0, "a0"}, {1, "b0"}, {0, "a1"}, {2, "c1"}, {0, "a2"}});

  auto r = RunProcess({ReprocessorBinary(), "read-topic", "--topic", "three_partitions", "-b",
                       SharedBroker().bootstrap()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "+-----+---------+------+\n"
            "|value|partition|offset|\n"
            "+-----+---------+------+\n"
            "|a0   |0        |0     |\n"
            "|a1   |0        |1     |\n"
            "|a2   |0        |2     |\n"
            "|b0   |1        |0     |\n"
            "|c0   |2        |0     |\n"
            "|c1   |2        |1     |\n"
            "+-----+---------+------+\n");
}

TEST(ReadTopic, JsonlCarriesKeyTimestampHeadersAndEscapedValues) {
  SharedBroker().CreateTopic("jsonl_topic", 1);
  ProduceAll("jsonl_topic", {{0, testing::SeedInputRecords()[0]}, {0, "line\nbreak \"quoted\""}},
             {{"source-offset", "7"}, {"empty", std::nullopt}}, std::string("k1"));

  auto r = RunProcess({ReprocessorBinary(), "read-topic", "--topic", "jsonl_topic", "--format", "jsonl", "-b",
                       SharedBroker().bootstrap()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string first, second, extra;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_NE(first.find(R"("value":"{\"event_id\": \"click-1\", \"visit_id\": 1,)"), std::string::npos) << first;
  EXPECT_NE(first.find(R"("partition":0,"offset":0,"timestamp":)"), std::string::npos) << first;
  EXPECT_NE(first.find(R"("key":"k1","headers":[["source-offset","7"],["empty",null]]})"), std::string::npos)
      << first;
  EXPECT_NE(second.find(R"("value":"line\nbreak \"quoted\"","partition":0,"offset":1,)"), std::string::npos)
      << second;
}

TEST(ReadTopic, EmptyTopicPrintsOnlyTheHeader) {
  SharedBroker().CreateTopic("empty_topic", 2);
  auto r = RunProcess({ReprocessorBinary(), "read-topic", "--topic", "empty_topic", "-b", SharedBroker().bootstrap()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "+-----+---------+------+\n"
            "|value|partition|offset|\n"
            "+-----+---------+------+\n"
            "+-----+---------+------+\n");
}

TEST(ReadTopic, MissingTopicIsAOneLineUsageError) {
  auto r = RunProcess({ReprocessorBinary(), "read-topic", "--topic", "no_such_topic", "-b",
                       SharedBroker().bootstrap()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("no_such_topic"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace rp

namespace rp {
namespace {

// Regression: the pyarrow wheel's libparquet exports its bundled OpenSSL; a TLS
// client with the system CA store used to crash (exit 139) in a mix of the two.
TEST(ReadTopic, TlsWithTheSystemCaStoreFailsCleanlyAgainstAPlaintextBroker) {
  auto r = testing::RunProcess({testing::ReprocessorBinary(), "read-topic", "--topic", "seed_output", "-b",
                                testing::SharedBroker().bootstrap(), "-X", "security.protocol=SSL"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("TLS connection failed"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace rp
