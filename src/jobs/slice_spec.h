// Which part of the raw table `reprocess` re-runs, from the command line:
//   START END                        inclusive offsets on every partition (the seed's form)
//   --starting-offsets / --ending-offsets JSON, as Spark's Kafka source:
//       {"visits":{"0":23,"1":-2}}  -2 = earliest, -1 = latest; start inclusive,
//       end exclusive; a partition missing from a spec means its whole range
//       on that side. As in Spark's batch queries, -1 (latest) is not a valid
//       start and -2 (earliest) not a valid end.
//   --since / --until                event-time bounds (ISO-8601; no zone = the table's zone)
// Offset forms and time bounds can be combined (both must hold).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "logic/time_zone.h"

namespace rp::jobs {

inline constexpr int64_t kEarliest = -2;
inline constexpr int64_t kLatest = -1;

// Inclusive offset bounds on one partition.
struct OffsetBounds {
  int64_t first = 0;
  int64_t last = std::numeric_limits<int64_t>::max();
};

struct SliceSpec {
  // Applies to partitions without their own entry; nullopt: no offset limit.
  std::optional<OffsetBounds> all_partitions;
  std::map<int32_t, OffsetBounds> per_partition;
  std::optional<int64_t> since_micros;  // inclusive
  std::optional<int64_t> until_micros;  // exclusive

  // The bounds for a partition (nullopt: unbounded).
  std::optional<OffsetBounds> BoundsFor(int32_t partition) const;
  bool HasOffsetBounds() const { return all_partitions.has_value() || !per_partition.empty(); }
};

// Parses one side of a Spark offsets JSON for `topic`: partition -> offset
// (-2/-1 kept as given). An unknown topic, non-integer keys or values, or
// negative offsets other than -2/-1 are InvalidArgument.
Result<std::map<int32_t, int64_t>> ParseSparkOffsets(std::string_view json, std::string_view topic);

struct SliceArgs {
  std::optional<int64_t> start, end;  // positional START END
  std::optional<std::string> starting_offsets, ending_offsets;
  std::optional<std::string> since, until;
};

// Builds and validates a slice. `topic` is the table's source topic; `zone`
// reads --since/--until without a zone. Every problem is InvalidArgument with
// a one-line message.
Result<SliceSpec> BuildSliceSpec(const SliceArgs& args, std::string_view topic, const logic::TimeZone& zone);

}  // namespace rp::jobs
