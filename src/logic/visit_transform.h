// The shared business logic of the visits pipeline: one raw Kafka value in,
// one output value out. Pure: no I/O, no clocks, no globals. Both the `stream`
// and `reprocess` jobs call this, so a record gives the same output either way.
//
// Input schema (Spark from_json, PERMISSIVE):
//   event_id STRING, visit_id LONG, event_time TIMESTAMP, page STRING
// Output (to_json, nulls omitted), compact, in this order:
//   {"event_identifier":…,"visit_identifier":…,"event_time":…,"visited_page":…}
// The exact Spark rules, and the few deliberate differences, are listed at the
// top of visit_transform.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "logic/time_zone.h"

namespace rp::logic {

// Why a record was rejected. Spark would emit "{}" for the record-level kinds;
// we reject instead so the jobs can dead-letter the record.
enum class RejectReason {
  kEmptyValue,    // empty or null Kafka value
  kInvalidUtf8,
  kInvalidJson,
  kNotAnObject,   // valid JSON whose root is not an object
  kIncomplete,    // strict mode only: a field is missing, null or mistyped
};
// A stable lower-case name, e.g. "invalid_json"; used in DLQ headers and logs.
const char* RejectReasonName(RejectReason reason);

struct Rejection {
  RejectReason reason;
  std::string detail;  // human-readable, e.g. "field visit_id: expected an integer within 64 bits, got a string"
};

struct TransformOptions {
  TimeZone zone = TimeZone::Local();
  // Reject records with any missing, null or mistyped field (including a
  // non-string JSON value in a STRING field, which Spark would stringify).
  bool strict = false;
};

// The parsed input fields; a field is nullopt where Spark would give null.
struct Visit {
  std::optional<std::string> event_id;
  std::optional<int64_t> visit_id;
  std::optional<int64_t> event_time_micros;
  std::optional<std::string> page;
};

// Reusable and not thread-safe: keep one per thread (it owns parser buffers).
class VisitTransformer {
 public:
  explicit VisitTransformer(TransformOptions options);
  ~VisitTransformer();
  VisitTransformer(VisitTransformer&&) noexcept;
  VisitTransformer& operator=(VisitTransformer&&) noexcept;

  // Parses `raw` into `visit`. On a rejection returns it and leaves `visit` unspecified.
  std::optional<Rejection> Parse(std::string_view raw, Visit* visit);
  // Parses and renders; on success `out` holds the output value (replaced, not appended).
  std::optional<Rejection> Transform(std::string_view raw, std::string* out);
  // Renders a parsed visit as the output JSON (appends to `out`).
  void Render(const Visit& visit, std::string* out) const;

  const TransformOptions& options() const { return options_; }

 private:
  TransformOptions options_;
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace rp::logic
