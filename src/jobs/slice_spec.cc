#include "jobs/slice_spec.h"

#include <simdjson.h>

#include <charconv>

#include "common/json_string.h"
#include "common/utf8.h"
#include "logic/spark_timestamp.h"

namespace rp::jobs {

std::optional<OffsetBounds> SliceSpec::BoundsFor(int32_t partition) const {
  auto it = per_partition.find(partition);
  if (it != per_partition.end()) return it->second;
  return all_partitions;
}

namespace {

// A name from the spec as it goes into an error message: JSON-quoted, so a
// key holding an escaped newline or quote cannot break the one-line message.
std::string Quoted(std::string_view name) { return JsonQuoted(ToValidUtf8(name)); }

}  // namespace

Result<std::map<int32_t, int64_t>> ParseSparkOffsets(std::string_view json, std::string_view topic) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("offsets spec is not valid JSON: " + Quoted(json));
  }
  simdjson::dom::object topics;
  if (root.get_object().get(topics) != simdjson::SUCCESS) {
    return Status::InvalidArgument(R"(offsets spec must be an object like {"topic":{"0":23}})");
  }
  std::map<int32_t, int64_t> offsets;
  for (auto [name, partitions] : topics) {
    if (name != topic) {
      return Status::InvalidArgument("offsets spec names topic " + Quoted(name) + " but the table holds " +
                                     Quoted(topic));
    }
    simdjson::dom::object parts;
    if (partitions.get_object().get(parts) != simdjson::SUCCESS) {
      return Status::InvalidArgument("offsets for topic " + Quoted(name) + " must be an object");
    }
    for (auto [key, value] : parts) {
      int32_t partition = -1;
      auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), partition);
      if (ec != std::errc() || ptr != key.data() + key.size() || partition < 0) {
        return Status::InvalidArgument("partition " + Quoted(key) + " is not a partition number");
      }
      int64_t offset = 0;
      if (value.get_int64().get(offset) != simdjson::SUCCESS) {
        return Status::InvalidArgument("offset for partition " + std::to_string(partition) + " must be an integer");
      }
      if (offset < kEarliest) {
        return Status::InvalidArgument("offset " + std::to_string(offset) + " for partition " + std::to_string(partition) +
                                       " is negative (only -2 = earliest and -1 = latest are allowed)");
      }
      offsets[partition] = offset;  // a repeated key: the last wins, as in Spark's JSON reader
    }
  }
  return offsets;
}

namespace {

Result<int64_t> ParseTime(const std::string& flag, const std::string& text, const logic::TimeZone& zone) {
  std::optional<int64_t> micros = logic::ParseSparkTimestamp(text, zone);
  if (!micros) return Status::InvalidArgument(flag + " " + Quoted(text) + " is not a timestamp (e.g. 2025-09-04T07:00:00)");
  return *micros;
}

}  // namespace

Result<SliceSpec> BuildSliceSpec(const SliceArgs& args, std::string_view topic, const logic::TimeZone& zone) {
  SliceSpec spec;
  const bool positional = args.start || args.end;
  const bool json = args.starting_offsets || args.ending_offsets;
  if (positional && json) {
    return Status::InvalidArgument("give either START END or --starting-offsets/--ending-offsets, not both");
  }
  if (positional) {
    if (!args.start || !args.end) return Status::InvalidArgument("START and END go together");
    if (*args.start < 0 || *args.end < 0) return Status::InvalidArgument("START and END must not be negative");
    if (*args.start > *args.end) {
      return Status::InvalidArgument("START " + std::to_string(*args.start) + " is after END " +
                                     std::to_string(*args.end));
    }
    spec.all_partitions = OffsetBounds{*args.start, *args.end};
  }
  if (json) {
    std::map<int32_t, int64_t> starting, ending;
    if (args.starting_offsets) {
      RP_ASSIGN_OR_RETURN(starting, ParseSparkOffsets(*args.starting_offsets, topic));
    }
    if (args.ending_offsets) {
      RP_ASSIGN_OR_RETURN(ending, ParseSparkOffsets(*args.ending_offsets, topic));
    }
    for (const auto& [p, off] : starting) {
      if (off == kLatest) {
        return Status::InvalidArgument("starting offset -1 (latest) for partition " + std::to_string(p) +
                                       " selects nothing; as in Spark batch queries it is not allowed");
      }
      spec.per_partition[p].first = off == kEarliest ? 0 : off;
    }
    for (const auto& [p, off] : ending) {
      if (off == kEarliest) {
        return Status::InvalidArgument("ending offset -2 (earliest) for partition " + std::to_string(p) +
                                       " selects nothing; as in Spark batch queries it is not allowed");
      }
      OffsetBounds& b = spec.per_partition[p];
      if (off != kLatest) {
        if (off <= b.first) {
          return Status::InvalidArgument("partition " + std::to_string(p) + ": ending offset " +
                                         std::to_string(off) + " (exclusive) is not after starting offset " +
                                         std::to_string(b.first));
        }
        b.last = off - 1;
      }
    }
  }
  if (args.since) {
    RP_ASSIGN_OR_RETURN(spec.since_micros, ParseTime("--since", *args.since, zone));
  }
  if (args.until) {
    RP_ASSIGN_OR_RETURN(spec.until_micros, ParseTime("--until", *args.until, zone));
  }
  if (spec.since_micros && spec.until_micros && *spec.since_micros >= *spec.until_micros) {
    return Status::InvalidArgument("--since must be before --until");
  }
  if (!positional && !json && !args.since && !args.until) {
    return Status::InvalidArgument(
        "choose a slice: START END, --starting-offsets/--ending-offsets, or --since/--until");
  }
  return spec;
}

}  // namespace rp::jobs
