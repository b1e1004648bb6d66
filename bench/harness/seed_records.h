// Seed-shaped visit records for benchmarks: the seed's keys, spacing and
// timestamp format, with varying event ids, visit ids and pages, and event
// times spread evenly over 48 hours (so a raw table gets 48 hour partitions).
#pragma once

#include <cstdint>
#include <string>

namespace rp::bench {

inline constexpr int64_t kEventSpanSeconds = 48 * 3600;

// Record `index` of `total`: writes its JSON value to `value` and its key
// (the visit id, so a visit stays on one Kafka partition) to `key`.
void SeedShapedRecord(int64_t index, int64_t total, std::string* key, std::string* value);

}  // namespace rp::bench
