// Reads a whole topic as it stands now: every partition from its earliest
// offset to its end as of the start of the read. Used by `read-topic` and by
// tests; it joins no consumer group and commits nothing.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "kafka/client_config.h"
#include "kafka/record.h"

namespace rp::kafka {

struct TopicSnapshotOptions {
  // How long to wait for the broker (metadata, watermarks, each fetch).
  std::chrono::milliseconds timeout{30000};
};

// Returns the records ordered by partition, then offset.
Result<std::vector<Record>> ReadTopicSnapshot(const ClientConfig& config, const std::string& topic,
                                              const TopicSnapshotOptions& options = {});

}  // namespace rp::kafka
