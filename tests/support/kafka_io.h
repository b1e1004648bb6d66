// Test support: produce and read records on the test broker with our Kafka layer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kafka/client_config.h"
#include "kafka/record.h"

namespace rp::testing {

struct TestRecord {
  int32_t partition = 0;
  std::optional<std::string> value;
  std::optional<std::string> key;
  std::vector<kafka::Header> headers;
};

// Produces and waits for every acknowledgement; aborts the test on failure.
void Produce(const std::string& bootstrap, const std::string& topic, const std::vector<TestRecord>& records);
void Produce(kafka::ClientConfig config, const std::string& topic, const std::vector<TestRecord>& records);
// Every record of the topic now, by partition then offset (read_committed if asked).
std::vector<kafka::Record> ReadAll(const std::string& bootstrap, const std::string& topic,
                                   bool read_committed = false);
// The same with any client config (e.g. SASL_SSL); empty on failure.
std::vector<kafka::Record> ReadAll(kafka::ClientConfig config, const std::string& topic, bool read_committed);
// The value of the named header, or nullopt.
std::optional<std::string> HeaderValue(const kafka::Record& r, const std::string& name);

}  // namespace rp::testing
