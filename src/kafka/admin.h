// Topic metadata and creation, on any client handle.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "kafka/handle.h"

namespace rp::kafka {

// The topic's partition ids, sorted; NotFound if the topic does not exist.
Result<std::vector<int32_t>> TopicPartitions(rd_kafka_t* rk, const std::string& topic,
                                             std::chrono::milliseconds timeout);
// Creates the topic with `partitions` partitions (replication factor as the
// broker defaults) unless it exists already.
Status EnsureTopic(rd_kafka_t* rk, const std::string& topic, int32_t partitions, std::chrono::milliseconds timeout);

}  // namespace rp::kafka
