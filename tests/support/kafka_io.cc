#include "support/kafka_io.h"

#include <gtest/gtest.h>

#include <chrono>

#include "kafka/producer.h"
#include "kafka/topic_snapshot.h"

namespace rp::testing {

void Produce(const std::string& bootstrap, const std::string& topic, const std::vector<TestRecord>& records) {
  kafka::ClientConfig config;
  config.Set("bootstrap.servers", bootstrap);
  Produce(std::move(config), topic, records);
}

void Produce(kafka::ClientConfig config, const std::string& topic, const std::vector<TestRecord>& records) {
  config.Set("message.max.bytes", "2000000");  // tests send 1 MB values
  auto producer = kafka::Producer::Create(config, {});
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  for (const auto& r : records) {
    std::optional<std::string_view> key, value;
    if (r.key) key = *r.key;
    if (r.value) value = *r.value;
    Status s = (*producer)->Produce(topic, r.partition, key, value, r.headers);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  Status flushed = (*producer)->Flush(std::chrono::seconds(30));
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
}

std::vector<kafka::Record> ReadAll(const std::string& bootstrap, const std::string& topic, bool read_committed) {
  kafka::ClientConfig config;
  config.Set("bootstrap.servers", bootstrap);
  return ReadAll(std::move(config), topic, read_committed);
}

std::vector<kafka::Record> ReadAll(kafka::ClientConfig config, const std::string& topic, bool read_committed) {
  // Explicit both ways: librdkafka's default is read_committed.
  config.Set("isolation.level", read_committed ? "read_committed" : "read_uncommitted");
  kafka::TopicSnapshotOptions options;
  options.timeout = std::chrono::seconds(10);
  auto records = kafka::ReadTopicSnapshot(config, topic, options);
  if (!records.ok()) return {};
  return *records;
}

std::optional<std::string> HeaderValue(const kafka::Record& r, const std::string& name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return std::nullopt;
}

}  // namespace rp::testing
