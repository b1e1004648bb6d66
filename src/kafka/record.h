// A Kafka record as the jobs and tools see it: an owned copy of one message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rp::kafka {

// (topic, partition)
using TopicPartition = std::pair<std::string, int32_t>;

struct Header {
  std::string name;
  std::optional<std::string> value;  // Kafka allows null header values
  bool operator==(const Header&) const = default;
};

// A header borrowed for one Producer::Produce call, which copies it: lets a
// caller produce headers it already holds without building owned strings.
struct HeaderRef {
  std::string_view name;
  std::optional<std::string_view> value;
};

struct Record {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // -1 when the broker reports none
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt is a tombstone
  std::vector<Header> headers;
};

}  // namespace rp::kafka
