// A record's event time, the way the `sync` job partitions the raw table by
// it: from a field of the record's JSON value (read with Spark's from_json
// rules, as the visits logic reads its event_time) or from the Kafka record
// timestamp. Independent of any business logic: the raw table keeps every
// record, whatever logic later runs over it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "logic/time_zone.h"

namespace rp::logic {

// The default: the visits records' field, and the rule of every table
// written before the rule was configurable.
inline constexpr std::string_view kDefaultEventTimeSpec = "json:/event_time";

// Where a record's event time comes from.
struct EventTimeSpec {
  enum class Source { kJson, kKafka };

  // The default is kDefaultEventTimeSpec.
  Source source = Source::kJson;
  // kJson: a JSON pointer (RFC 6901) into the record value, as its unescaped
  // segments ("~1" -> "/", "~0" -> "~"); Parse never gives it empty. Empty
  // for kKafka.
  std::vector<std::string> pointer = {"event_time"};
  // kJson: when the value gives no event time, take the Kafka timestamp.
  // Not part of the text form: a separate flag and table configuration key.
  bool fallback_kafka = false;

  // "json:/a/b" or "kafka". InvalidArgument, with a one-line message, for
  // anything else: an unknown source, a pointer that is empty or does not
  // start with '/', a '~' not followed by '0' or '1'.
  static Result<EventTimeSpec> Parse(std::string_view text);
  // The text Parse accepts, e.g. "json:/event_time"; Parse(ToString()) gives
  // this spec back, apart from fallback_kafka.
  std::string ToString() const;

  bool operator==(const EventTimeSpec&) const = default;
};

// Reads event times by one spec. Reusable and not thread-safe: keep one per
// thread (it owns parser buffers).
//
// kJson reads the value as Spark 4.0's from_json(value, schema) does in
// PERMISSIVE mode with spark.sql.json.enablePartialResults, where the schema
// is the struct path the pointer names, ending in a TIMESTAMP (the rules, and
// the few deliberate differences, at the top of event_time.cc). With the
// default spec it gives exactly VisitTransformer's event_time.
class EventTimeReader {
 public:
  // `zone` reads timestamp strings that carry no zone of their own (the
  // table's spark.sql.session.timeZone).
  EventTimeReader(EventTimeSpec spec, TimeZone zone);
  ~EventTimeReader();
  EventTimeReader(EventTimeReader&&) noexcept;
  EventTimeReader& operator=(EventTimeReader&&) noexcept;

  // Micros since the epoch, or nullopt when the record has no event time.
  // `value` is the Kafka value (nullopt: a null value); a negative
  // `kafka_timestamp_ms` means the record has no timestamp.
  std::optional<int64_t> Read(std::optional<std::string_view> value, int64_t kafka_timestamp_ms);

  const EventTimeSpec& spec() const { return spec_; }
  const TimeZone& zone() const { return zone_; }

 private:
  EventTimeSpec spec_;
  TimeZone zone_;
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace rp::logic
