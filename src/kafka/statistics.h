// Reading librdkafka's statistics (the JSON its stats callback receives every
// statistics.interval.ms; STATISTICS.md in librdkafka): only the totals the
// jobs' metrics need, without a JSON parser in this layer.
#pragma once

#include <cstdint>
#include <string_view>

namespace rp::kafka {

// The sum of every integer field named `name` at any depth, e.g. "txretries"
// (one per broker: the client's request retries). 0 when there is none.
int64_t SumStatistic(std::string_view json, std::string_view name);

}  // namespace rp::kafka
