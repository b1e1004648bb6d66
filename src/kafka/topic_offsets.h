// The offsets each partition of a topic spans right now (its watermarks),
// asked of the partition leaders without joining a group or reading a
// record: what `reprocessor lag` compares a table's positions with.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "common/result.h"
#include "kafka/client_config.h"

namespace rp::kafka {

struct Watermarks {
  int64_t low = 0;   // the first offset still stored (retention moves it)
  int64_t high = 0;  // the offset the next record gets: the end of the partition
};

// Per partition of `topic`, sorted. NotFound if the topic does not exist; a
// broker that refuses our login fails it at once (broker_errors.h). `high`
// follows the client's isolation.level (librdkafka's default,
// read_committed, gives the last stable offset).
Result<std::map<int32_t, Watermarks>> TopicWatermarks(const ClientConfig& config, const std::string& topic,
                                                      std::chrono::milliseconds timeout);

}  // namespace rp::kafka
