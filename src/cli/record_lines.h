// JSON lines for whole records, as `transform --records` reads and writes
// them, so a logic that looks at keys or headers can be tried without Kafka.
//
// In:  {"value": B, "key": B, "headers": [["name", B], …], "topic": "t",
//       "partition": 0, "offset": 0, "timestamp": 0}   every field optional
// Out: {"partition": p, "offset": o, "outcome": "output", "value": B, "key": B,
//       "headers": [["name", B], …]}
//      {"partition": p, "offset": o, "outcome": "filtered"}
//      {"partition": p, "offset": o, "outcome": "rejected", "reason": "…", "detail": "…"}
// where B (bytes) is null, a JSON string (UTF-8 text), or {"base64": "…"} for
// any bytes. Output writes text when the bytes are valid UTF-8, else base64.
// The input shape is read-topic --format jsonl's (its extra fields are
// ignored), so `read-topic --format jsonl | transform --records` works.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "logic/logic.h"

namespace rp::cli {

// A record read from one line; `input` points into the members.
struct RecordLine {
  std::optional<std::string> value, key;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  std::string topic = "stdin";
  std::vector<logic::HeaderView> header_views;
  logic::InputRecord input;
};

// Parses one line (InvalidArgument with the reason when it is not a record).
// `default_offset` is used when the line has no "offset".
Status ParseRecordLine(std::string_view line, int64_t default_offset, RecordLine* record);

// The line (without '\n') for what the logic made of `in`.
std::string FormatRecordResult(const logic::InputRecord& in, logic::Outcome outcome, const logic::OutputRecord& out,
                               const logic::LogicRejection& rejection);

}  // namespace rp::cli
