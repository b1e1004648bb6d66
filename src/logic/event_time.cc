// Spark 4.0 semantics reproduced for json:/p1/…/pn: from_json(value, schema)
// in PERMISSIVE mode with spark.sql.json.enablePartialResults, where the
// schema is the struct path p1 … pn ending in a TIMESTAMP, and the event time
// is value.p1.….pn. They are VisitTransformer's rules for its event_time field
// (see the top of visit_transform.cc: strict RFC 8259, UTF-8 BOM rejected,
// nesting limit 1024, epoch seconds overflowing int64 give null), extended to
// nested fields:
//  - The whole value must be valid JSON and its root an object; else null.
//  - At the last segment, a member's value converts as a TIMESTAMP: a
//    non-empty string by CAST(… AS TIMESTAMP) in the table's zone, then once
//    more without "GMT"; an integer as epoch seconds; null sets null. Any
//    other value fails, and a failure leaves the field as it was, so with
//    duplicate keys the last convertible one (or a later null) wins.
//  - At an inner segment, a member whose value is an object replaces the
//    field with that object converted anew (a nested struct starts out all
//    null: JacksonParser's PartialResultException hands the outer row the
//    inner row, failed fields and all). So {"a":{"t":1},"a":{}} gives null.
//    A null sets null; any other value fails and leaves the field.
//  - A segment that is an RFC 6901 array index ("0", "17") also reads an
//    array (the schema's ARRAY<…> there). Every element converts to the
//    element type (an object always converts, a null is null); if one fails,
//    the whole array fails and leaves the field (convertArray lets anything
//    but a PartialValueException through, to the enclosing object's
//    catch-all). Otherwise the field takes the element at the index, null
//    when out of range (as get(array, index) gives). Other segments
//    ("-", "01") fail on an array, as a struct fails on one.
//
// Deliberate differences, beyond VisitTransformer's:
//  - A pointer names one schema, so Spark has either a struct or an array at
//    a segment like "0"; this reader takes whichever the record has, member
//    "0" of an object or element 0 of an array, one occurrence at a time.
//  - An index out of range gives null even where Spark's a[i] would raise an
//    error (ANSI mode): a record must not stop the sync job.
//  - Epoch seconds overflowing int64 fail (Spark wraps), so inside an array
//    they fail the whole array.
//
// When an array fails part-way, Jackson's parser is left inside it and the
// enclosing object's loop reads the remaining elements as if they were its
// members: scalars and containers there have no field name (skipped), and
// the closing ']' takes the array's name, whose converter fails on it. So the
// loop resynchronises without converting anything; nothing to reproduce.
#include "logic/event_time.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <span>
#include <utility>

#include "common/json_string.h"
#include "logic/json_text.h"
#include "logic/spark_timestamp.h"

namespace rp::logic {
namespace {

namespace od = simdjson::ondemand;

using internal::DomScalar;
using internal::JsonKind;
using internal::JsonScalar;
using internal::kMaxDepth;
using internal::OdValue;

constexpr std::string_view kJsonPrefix = "json:";
constexpr std::string_view kKafkaSource = "kafka";

// One pointer segment: a member name, and the array element it also names.
struct Segment {
  std::string key;
  std::optional<size_t> index;  // RFC 6901's array-index; SIZE_MAX beyond size_t (never in range)
};

std::optional<size_t> ArrayIndex(std::string_view key) {
  if (key.empty() || (key.size() > 1 && key[0] == '0')) return std::nullopt;
  size_t index = 0;
  for (const char c : key) {
    if (c < '0' || c > '9') return std::nullopt;
    const size_t digit = static_cast<size_t>(c - '0');
    if (index > (std::numeric_limits<size_t>::max() - digit) / 10) {
      index = std::numeric_limits<size_t>::max();
      continue;  // still must be all digits
    }
    index = index * 10 + digit;
  }
  return index;
}

using Path = std::span<const Segment>;

// One value converted to the type the rest of the path asks for: converted
// (to a time or to null), or failed, which leaves the field as it was.
struct Conversion {
  bool converted = false;
  std::optional<int64_t> micros;  // always nullopt when !converted
};
constexpr Conversion kFailed{};
Conversion Converted(std::optional<int64_t> micros) { return {true, micros}; }

// JacksonParser's TIMESTAMP converter.
Conversion ConvertTimestamp(const JsonScalar& v, const TimeZone& zone) {
  switch (v.kind) {
    case JsonKind::kNull:
      return Converted(std::nullopt);
    case JsonKind::kString:
      if (std::optional<int64_t> t = ParseSparkJsonTimestamp(v.text, zone)) return Converted(t);
      return kFailed;
    case JsonKind::kInteger:
      // Epoch seconds; Spark multiplies without an overflow check, we fail.
      if (v.integer < std::numeric_limits<int64_t>::min() / 1000000 ||
          v.integer > std::numeric_limits<int64_t>::max() / 1000000) {
        return kFailed;
      }
      return Converted(v.integer * 1000000);
    default:
      return kFailed;
  }
}

Conversion DomConvert(simdjson::dom::element e, Path rest, const TimeZone& zone);

// A struct field (rest[0]) read from one object: the last member of that
// name that converts, null when none does.
std::optional<int64_t> DomField(simdjson::dom::object obj, Path rest, const TimeZone& zone) {
  std::optional<int64_t> micros;
  for (simdjson::dom::key_value_pair kv : obj) {
    if (kv.key != rest[0].key) continue;
    const Conversion c = DomConvert(kv.value, rest.subspan(1), zone);
    if (c.converted) micros = c.micros;
  }
  return micros;
}

Conversion DomConvert(simdjson::dom::element e, Path rest, const TimeZone& zone) {
  if (rest.empty()) return ConvertTimestamp(DomScalar(e), zone);
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE:
      return Converted(std::nullopt);
    case element_type::OBJECT:
      return Converted(DomField(e.get_object().value_unsafe(), rest, zone));
    case element_type::ARRAY: {
      if (!rest[0].index) return kFailed;
      const simdjson::dom::array arr = e.get_array().value_unsafe();
      std::optional<int64_t> micros;  // null when the index is out of range
      size_t i = 0;
      for (simdjson::dom::element element : arr) {
        const Conversion c = DomConvert(element, rest.subspan(1), zone);
        if (!c.converted) return kFailed;
        if (i++ == *rest[0].index) micros = c.micros;
      }
      return Converted(micros);
    }
    default:
      return kFailed;
  }
}

bool OdConvert(od::value v, int depth, Path rest, const TimeZone& zone, Conversion* out);

// DomField on the on-demand path, validating every member on the way (the
// whole document must be valid JSON). `depth` is the members' depth. False
// when the JSON is invalid.
bool OdField(od::object obj, int depth, Path rest, const TimeZone& zone, std::optional<int64_t>* micros) {
  for (auto field_result : obj) {
    od::field field;
    std::string_view key;
    if (std::move(field_result).get(field) || field.unescaped_key().get(key)) return false;
    if (key == rest[0].key) {
      Conversion c;
      if (!OdConvert(field.value(), depth, rest.subspan(1), zone, &c)) return false;
      if (c.converted) *micros = c.micros;
    } else {
      JsonScalar ignored{};
      if (!OdValue(field.value(), depth, &ignored, nullptr)) return false;
    }
  }
  return true;
}

// DomConvert on the on-demand path; validates `v` and everything in it, as
// OdValue does (same depth accounting). False when the JSON is invalid.
bool OdConvert(od::value v, int depth, Path rest, const TimeZone& zone, Conversion* out) {
  if (!rest.empty()) {
    if (depth > kMaxDepth) return false;
    od::json_type type;
    if (v.type().get(type)) return false;
    if (type == od::json_type::object) {
      od::object obj;
      std::optional<int64_t> micros;
      if (v.get_object().get(obj) || !OdField(obj, depth + 1, rest, zone, &micros)) return false;
      *out = Converted(micros);
      return true;
    }
    if (type == od::json_type::array && rest[0].index) {
      od::array arr;
      if (v.get_array().get(arr)) return false;
      std::optional<int64_t> micros;
      bool converted = true;
      size_t i = 0;
      for (auto element_result : arr) {
        od::value element;
        Conversion c;
        // Elements after a failed one are walked all the same: the whole
        // document must be valid.
        if (std::move(element_result).get(element) ||
            !OdConvert(element, depth + 1, rest.subspan(1), zone, &c)) {
          return false;
        }
        converted = converted && c.converted;
        if (i++ == *rest[0].index) micros = c.micros;
      }
      *out = converted ? Converted(micros) : kFailed;
      return true;
    }
  }
  JsonScalar s{};
  if (!OdValue(v, depth, &s, nullptr)) return false;
  if (rest.empty()) {
    *out = ConvertTimestamp(s, zone);
  } else {
    *out = s.kind == JsonKind::kNull ? Converted(std::nullopt) : kFailed;
  }
  return true;
}

std::optional<int64_t> KafkaMicros(int64_t timestamp_ms) {
  if (timestamp_ms < 0 || timestamp_ms > std::numeric_limits<int64_t>::max() / 1000) return std::nullopt;
  return timestamp_ms * 1000;
}

}  // namespace

Result<EventTimeSpec> EventTimeSpec::Parse(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    // Quoted: a newline in the text must not split the one-line message.
    return Status::InvalidArgument("event time " + JsonQuoted(text) + ": " + std::string(why));
  };
  EventTimeSpec spec;
  if (text == kKafkaSource) {
    spec.source = Source::kKafka;
    spec.pointer.clear();
    return spec;
  }
  if (!text.starts_with(kJsonPrefix)) {
    return invalid("expected json:<JSON pointer> (e.g. json:/event_time) or kafka");
  }
  const std::string_view pointer = text.substr(kJsonPrefix.size());
  if (pointer.empty()) {
    return invalid("the JSON pointer is empty (it must name a field, e.g. json:/event_time)");
  }
  if (pointer[0] != '/') return invalid("a JSON pointer starts with '/' (e.g. json:/event_time)");
  spec.source = Source::kJson;
  spec.pointer.clear();
  for (size_t i = 0; i < pointer.size();) {
    ++i;  // the '/'
    std::string& segment = spec.pointer.emplace_back();
    for (; i < pointer.size() && pointer[i] != '/'; ++i) {
      if (pointer[i] != '~') {
        segment.push_back(pointer[i]);
        continue;
      }
      const char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (next != '0' && next != '1') return invalid("'~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')");
      segment.push_back(next == '0' ? '~' : '/');
      ++i;
    }
  }
  return spec;
}

std::string EventTimeSpec::ToString() const {
  if (source == Source::kKafka) return std::string(kKafkaSource);
  std::string text(kJsonPrefix);
  for (const std::string& segment : pointer) {
    text.push_back('/');
    for (const char c : segment) {
      if (c == '~') {
        text.append("~0");
      } else if (c == '/') {
        text.append("~1");
      } else {
        text.push_back(c);
      }
    }
  }
  return text;
}

// The JSON side: VisitTransformer::Parser's two paths, walking the pointer
// instead of the visits schema.
struct EventTimeReader::Parser {
  explicit Parser(const std::vector<std::string>& pointer) {
    for (const std::string& key : pointer) path.push_back(Segment{key, ArrayIndex(key)});
  }

  std::optional<int64_t> Read(std::string_view raw, const TimeZone& zone) {
    // The root object as a TIMESTAMP never converts.
    if (path.empty() || raw.empty()) return std::nullopt;
    // Jackson reading through a Reader treats a byte order mark as an
    // unexpected character; simdjson would skip it.
    if (raw.size() >= 3 && std::memcmp(raw.data(), "\xEF\xBB\xBF", 3) == 0) return std::nullopt;
    if (raw.size() + simdjson::SIMDJSON_PADDING > capacity) {
      capacity = std::max(raw.size() + simdjson::SIMDJSON_PADDING, 2 * capacity);
      buffer = std::make_unique<char[]>(capacity);
    }
    std::memcpy(buffer.get(), raw.data(), raw.size());
    std::memset(buffer.get() + raw.size(), 0, simdjson::SIMDJSON_PADDING);
    return ReadDom(raw.size(), zone);
  }

  // Fast path: simdjson's DOM parser (full validation). It rejects numbers
  // beyond int64/uint64/double, which are valid JSON: those go on demand.
  std::optional<int64_t> ReadDom(size_t len, const TimeZone& zone) {
    if (len > dom.capacity()) {
      // Geometric growth, as VisitTransformer's parser.
      if (dom.allocate(std::max<size_t>({len, 2 * dom.capacity(), 4096}))) return std::nullopt;
    }
    simdjson::dom::element root;
    const simdjson::error_code err = dom.parse(buffer.get(), len, false).get(root);
    if (err == simdjson::NUMBER_ERROR) return ReadOnDemand(len, zone);
    simdjson::dom::object obj;
    if (err || root.get_object().get(obj)) return std::nullopt;
    return DomField(obj, path, zone);
  }

  // Slow path: simdjson On-Demand, reading numbers from their raw tokens and
  // walking every value so the whole document is still validated.
  std::optional<int64_t> ReadOnDemand(size_t len, const TimeZone& zone) {
    // Room beyond our own depth limit, which OdValue enforces first.
    constexpr size_t kOnDemandDepth = kMaxDepth + 16;
    if (ondemand.max_depth() != kOnDemandDepth || ondemand.capacity() < len) {
      if (ondemand.allocate(std::max(len, ondemand.capacity()), kOnDemandDepth)) return std::nullopt;
    }
    od::document doc;
    if (ondemand.iterate(simdjson::padded_string_view(buffer.get(), len, capacity)).get(doc))
      return std::nullopt;
    // A root that is not an object gives no event time, valid or not.
    od::json_type type;
    od::object obj;
    if (doc.type().get(type) || type != od::json_type::object || doc.get_object().get(obj))
      return std::nullopt;
    std::optional<int64_t> micros;
    if (!OdField(obj, 1, path, zone, &micros)) return std::nullopt;
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
      return std::nullopt;  // content after the root
    return micros;
  }

  std::vector<Segment> path;
  simdjson::dom::parser dom;
  od::parser ondemand;
  std::unique_ptr<char[]> buffer;  // the record, copied with simdjson's padding
  size_t capacity = 0;
};

EventTimeReader::EventTimeReader(EventTimeSpec spec, TimeZone zone)
    : spec_(std::move(spec)), zone_(std::move(zone)), parser_(std::make_unique<Parser>(spec_.pointer)) {}
EventTimeReader::~EventTimeReader() = default;
EventTimeReader::EventTimeReader(EventTimeReader&&) noexcept = default;
EventTimeReader& EventTimeReader::operator=(EventTimeReader&&) noexcept = default;

std::optional<int64_t> EventTimeReader::Read(std::optional<std::string_view> value,
                                             int64_t kafka_timestamp_ms) {
  if (spec_.source == EventTimeSpec::Source::kKafka) return KafkaMicros(kafka_timestamp_ms);
  std::optional<int64_t> micros;
  if (value) micros = parser_->Read(*value, zone_);
  if (!micros && spec_.fallback_kafka) return KafkaMicros(kafka_timestamp_ms);
  return micros;
}

}  // namespace rp::logic
