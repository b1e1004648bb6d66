// Spark 4.0 semantics reproduced here (JacksonParser, PERMISSIVE mode, with
// spark.sql.json.enablePartialResults on):
//  - A key of the schema converts its value; a conversion that fails (wrong
//    JSON type, unparsable timestamp, integer beyond int64) leaves the field
//    as it was, i.e. null unless an earlier duplicate key set it; a JSON null
//    sets it to null. So with duplicate keys the last *convertible* one wins.
//  - STRING fields take a string's text, or the compact JSON of any other
//    value (Jackson's copyCurrentStructure: from_json on a string column parses
//    through a Reader, so 4.0's "exact string parsing" does not apply). That
//    JSON is written by Jackson's UTF-8 generator, which escapes as JsonGenerator
//    does by default (control characters, '"' and '\'; upper-case hex) and
//    writes a code point above U+FFFF as its escaped surrogate pair
//    ("\uD83D\uDE00"), one Java char at a time; to_json then escapes those
//    backslashes once more.
//  - LONG takes only JSON integers that fit in int64.
//  - TIMESTAMP takes a non-empty string (CAST(string AS TIMESTAMP), then once
//    more with every "GMT" removed, the 1.x/2.x fallback) or an integer count
//    of epoch seconds.
//
// Deliberate differences, all on inputs the seed never produces:
//  - A time-only timestamp ("T07:00:00", "07:00") stays null: Spark fills in
//    the date of the day the query runs, so a replay on another day would
//    differ from the original run. Replays must reproduce the live output.
//  - Record-level failures are Rejections instead of "{}".
//  - Invalid UTF-8 is rejected (Spark decodes it to U+FFFD).
//  - Strict RFC 8259 JSON: Spark's Jackson also accepts single-quoted strings
//    and NaN/Infinity tokens, and ignores anything after the first root value;
//    we reject those records. A UTF-8 BOM is rejected as Spark does.
//  - Unpaired surrogate escapes ("\ud800") are rejected (Jackson decodes them).
//  - Nesting deeper than 1024 is rejected (Jackson's limit is 1000; Jackson's
//    1000-digit number limit is not reproduced).
//  - An epoch-seconds integer whose microseconds overflow int64 gives null;
//    Spark multiplies without an overflow check and wraps.
//  - Doubles re-serialised into STRING fields use JDK 19+ Double.toString
//    (shortest digits); JDK 17 prints a few values with extra digits.
#include "logic/visit_transform.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>

#include "common/json_string.h"
#include "common/utf8.h"
#include "logic/json_text.h"
#include "logic/spark_timestamp.h"

namespace rp::logic {
namespace {

namespace od = simdjson::ondemand;

using internal::DomScalar;
using internal::JsonKind;
using internal::JsonScalar;
using internal::kMaxDepth;
using internal::OdNumber;
using internal::OdValue;

enum Field { kEventId, kVisitId, kEventTime, kPage, kFieldCount };
constexpr std::array<std::string_view, kFieldCount> kInputNames = {"event_id", "visit_id", "event_time", "page"};

Field FieldOf(std::string_view key) {
  // Compared by length first: keys of other lengths cost one comparison.
  switch (key.size()) {
    case 4:
      if (key == "page") return kPage;
      break;
    case 8:
      if (key == "event_id") return kEventId;
      if (key == "visit_id") return kVisitId;
      break;
    case 10:
      if (key == "event_time") return kEventTime;
      break;
    default:
      break;
  }
  return kFieldCount;
}

const char* KindName(JsonKind kind) {
  switch (kind) {
    case JsonKind::kNull: return "null";
    case JsonKind::kString: return "a string";
    case JsonKind::kInteger: return "an integer";
    case JsonKind::kBigInteger: return "an integer beyond 64 bits";
    case JsonKind::kFloat: return "a decimal number";
    case JsonKind::kBool: return "a boolean";
    case JsonKind::kObject: return "an object";
    case JsonKind::kArray: return "an array";
  }
  return "?";
}

// Jackson's JsonGenerator.copyCurrentStructure of a DOM value: compact, keys
// and strings escaped as Jackson does, numbers re-printed.
void RenderDom(simdjson::dom::element e, std::string* out) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      out->push_back('{');
      bool first = true;
      simdjson::dom::object obj;
      if (e.get_object().get(obj)) return;  // cannot fail: the type was just checked
      for (simdjson::dom::key_value_pair kv : obj) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonStringUtf16Escaped(kv.key, out);
        out->push_back(':');
        RenderDom(kv.value, out);
      }
      out->push_back('}');
      return;
    }
    case element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      simdjson::dom::array arr;
      if (e.get_array().get(arr)) return;
      for (simdjson::dom::element child : arr) {
        if (!first) out->push_back(',');
        first = false;
        RenderDom(child, out);
      }
      out->push_back(']');
      return;
    }
    case element_type::STRING:
      AppendJsonStringUtf16Escaped(e.get_string().value_unsafe(), out);
      return;
    case element_type::INT64:
      internal::AppendJsonInt64(e.get_int64().value_unsafe(), out);
      return;
    case element_type::UINT64: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof(buf), e.get_uint64().value_unsafe());
      out->append(buf, static_cast<size_t>(r.ptr - buf));
      return;
    }
    case element_type::DOUBLE:
      internal::AppendJacksonDouble(e.get_double().value_unsafe(), out);
      return;
    case element_type::BOOL:
      out->append(e.get_bool().value_unsafe() ? "true" : "false");
      return;
    case element_type::NULL_VALUE:
      out->append("null");
      return;
  }
}

// The record's fields as converted so far, pointing into parser buffers.
struct Fields {
  std::optional<std::string_view> text[kFieldCount];  // kEventId, kPage
  std::optional<int64_t> number[kFieldCount];         // kVisitId, kEventTime
  bool present[kFieldCount] = {};
  // The first value per field that Spark could not convert (or, for a STRING
  // field, that was not a string): strict mode rejects it.
  std::optional<JsonKind> mistyped[kFieldCount];
  std::string_view bad_timestamp;  // an unparsable event_time string
};

void AppendJsonField(std::string_view name, bool* first, std::string* out) {
  if (!*first) out->push_back(',');
  *first = false;
  out->push_back('"');
  out->append(name);
  out->append("\":");
}

void RenderFields(std::optional<std::string_view> event_id, std::optional<int64_t> visit_id,
                  std::optional<int64_t> event_time, std::optional<std::string_view> page, const TimeZone& zone,
                  std::string* out) {
  bool first = true;
  out->push_back('{');
  if (event_id) {
    AppendJsonField("event_identifier", &first, out);
    AppendJsonString(*event_id, out);
  }
  if (visit_id) {
    AppendJsonField("visit_identifier", &first, out);
    internal::AppendJsonInt64(*visit_id, out);
  }
  if (event_time) {
    AppendJsonField("event_time", &first, out);
    out->push_back('"');
    AppendSparkTimestamp(*event_time, zone, out);  // nothing in it needs escaping
    out->push_back('"');
  }
  if (page) {
    AppendJsonField("visited_page", &first, out);
    AppendJsonString(*page, out);
  }
  out->push_back('}');
}

}  // namespace

const char* RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kEmptyValue: return "empty_value";
    case RejectReason::kInvalidUtf8: return "invalid_utf8";
    case RejectReason::kInvalidJson: return "invalid_json";
    case RejectReason::kNotAnObject: return "not_an_object";
    case RejectReason::kIncomplete: return "incomplete";
  }
  return "unknown";
}

struct VisitTransformer::Parser {
  explicit Parser(const TimeZone* zone) : zone(zone) {}

  // Converts one value of a schema field. For a STRING field that is not a
  // string, the caller has already rendered it into scratch[field].
  void Accept(Field field, const JsonScalar& v) {
    f.present[field] = true;
    if (v.kind == JsonKind::kNull) {
      f.text[field].reset();
      f.number[field].reset();
      return;
    }
    auto fail = [&] {
      if (!f.mistyped[field]) f.mistyped[field] = v.kind;
    };
    switch (field) {
      case kEventId:
      case kPage:
        if (v.kind == JsonKind::kString) {
          f.text[field] = v.text;
        } else {
          f.text[field] = std::string_view(scratch[field]);
          fail();
        }
        return;
      case kVisitId:
        if (v.kind == JsonKind::kInteger) f.number[field] = v.integer;
        else fail();
        return;
      case kEventTime:
        if (v.kind == JsonKind::kString) {
          if (std::optional<int64_t> t = ParseSparkJsonTimestamp(v.text, *zone)) {
            f.number[field] = t;
          } else {
            if (!f.mistyped[field]) f.bad_timestamp = v.text;
            fail();
          }
        } else if (v.kind == JsonKind::kInteger && v.integer >= std::numeric_limits<int64_t>::min() / 1000000 &&
                   v.integer <= std::numeric_limits<int64_t>::max() / 1000000) {
          f.number[field] = v.integer * 1000000;  // epoch seconds
        } else {
          fail();
        }
        return;
      case kFieldCount:
        return;
    }
  }

  static bool NeedsRender(Field field, JsonKind kind) {
    return (field == kEventId || field == kPage) && kind != JsonKind::kString && kind != JsonKind::kNull;
  }

  // Fast path: simdjson's DOM parser (runtime-dispatched SIMD kernels, full
  // validation). It rejects numbers beyond int64/uint64/double, which are
  // valid JSON; such records go through ParseOnDemand.
  std::optional<Rejection> ParseDom(size_t len) {
    if (len > dom.capacity()) {
      // Grow geometrically: records of slowly increasing size must not
      // reallocate the parser each time.
      if (dom.allocate(std::max<size_t>({len, 2 * dom.capacity(), 4096}))) {
        return Rejection{RejectReason::kInvalidJson, "value too large to parse"};
      }
    }
    simdjson::dom::element root;
    const simdjson::error_code err = dom.parse(buffer.get(), len, false).get(root);
    if (err == simdjson::NUMBER_ERROR) return ParseOnDemand(len);
    if (err) return RecordError(err);
    if (root.type() != simdjson::dom::element_type::OBJECT) return NotAnObject();
    simdjson::dom::object obj;
    if (root.get_object().get(obj)) return NotAnObject();
    for (simdjson::dom::key_value_pair kv : obj) {
      const Field field = FieldOf(kv.key);
      if (field == kFieldCount) continue;
      const JsonScalar v = DomScalar(kv.value);
      if (NeedsRender(field, v.kind)) {
        scratch[field].clear();
        RenderDom(kv.value, &scratch[field]);
      }
      Accept(field, v);
    }
    return std::nullopt;
  }

  // Slow path: simdjson On-Demand, reading numbers from their raw tokens and
  // walking every value so the whole document is still validated.
  std::optional<Rejection> ParseOnDemand(size_t len) {
    f = Fields{};
    // Room beyond our own depth limit, which OdValue enforces first
    // (simdjson's debug builds assert on exceeding the parser's depth).
    constexpr size_t kOnDemandDepth = kMaxDepth + 16;
    if (ondemand.max_depth() != kOnDemandDepth || ondemand.capacity() < len) {
      if (ondemand.allocate(std::max(len, ondemand.capacity()), kOnDemandDepth)) {
        return InvalidJson("value too large to parse");
      }
    }
    od::document doc;
    simdjson::error_code err = ondemand.iterate(simdjson::padded_string_view(buffer.get(), len, capacity)).get(doc);
    if (err) return RecordError(err);
    od::json_type type;
    if (doc.type().get(type)) return InvalidJson("invalid JSON");
    if (type == od::json_type::object) {
      od::object obj;
      if (doc.get_object().get(obj)) return InvalidJson("invalid JSON");
      for (auto field_result : obj) {
        od::field kv;
        std::string_view key;
        if (std::move(field_result).get(kv) || kv.unescaped_key().get(key)) return InvalidJson("invalid JSON");
        const Field field = FieldOf(key);
        // The kind is known only after reading, so render every non-string
        // value of a STRING field (cheap: such values are rare).
        std::string* render = nullptr;
        if (field == kEventId || field == kPage) {
          render = &scratch[field];
          render->clear();
        }
        JsonScalar v{};
        if (!OdValue(kv.value(), 1, &v, render)) return InvalidJson("invalid JSON");
        if (field != kFieldCount) Accept(field, v);
      }
      if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return InvalidJson("invalid JSON: content after the root value");
      return std::nullopt;
    }
    if (type == od::json_type::array) {
      od::array arr;
      if (doc.get_array().get(arr)) return InvalidJson("invalid JSON");
      for (auto element_result : arr) {
        od::value element;
        JsonScalar v{};
        if (std::move(element_result).get(element) || !OdValue(element, 1, &v, nullptr)) return InvalidJson("invalid JSON");
      }
      if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return InvalidJson("invalid JSON: content after the root value");
      return NotAnObject();
    }
    // A scalar root: DOM failed on a number, so the document is valid only
    // if it is exactly one number.
    JsonScalar v{};
    if (!OdNumber(std::string_view(buffer.get(), len), &v, nullptr)) return InvalidJson("invalid JSON");
    return NotAnObject();
  }

  static std::optional<Rejection> RecordError(simdjson::error_code err) {
    if (err == simdjson::EMPTY) return Rejection{RejectReason::kEmptyValue, "value has only whitespace"};
    if (err == simdjson::UTF8_ERROR) return Rejection{RejectReason::kInvalidUtf8, "value is not valid UTF-8"};
    return InvalidJson(std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  static std::optional<Rejection> InvalidJson(std::string detail) {
    return Rejection{RejectReason::kInvalidJson, std::move(detail)};
  }
  static std::optional<Rejection> NotAnObject() {
    return Rejection{RejectReason::kNotAnObject, "the JSON value is not an object"};
  }

  std::optional<Rejection> Parse(std::string_view raw) {
    f = Fields{};
    if (raw.empty()) return Rejection{RejectReason::kEmptyValue, "empty value"};
    // Jackson reading through a Reader treats a byte order mark as an
    // unexpected character; simdjson would skip it.
    if (raw.size() >= 3 && std::memcmp(raw.data(), "\xEF\xBB\xBF", 3) == 0) {
      return InvalidJson("invalid JSON: starts with a byte order mark");
    }
    if (raw.size() + simdjson::SIMDJSON_PADDING > capacity) {
      capacity = std::max(raw.size() + simdjson::SIMDJSON_PADDING, 2 * capacity);
      buffer = std::make_unique<char[]>(capacity);
    }
    std::memcpy(buffer.get(), raw.data(), raw.size());
    std::memset(buffer.get() + raw.size(), 0, simdjson::SIMDJSON_PADDING);
    return ParseDom(raw.size());
  }

  // Strict mode: the first field, in schema order, that is missing, null or mistyped.
  std::optional<Rejection> CheckComplete() const {
    for (int i = 0; i < kFieldCount; ++i) {
      const auto field = static_cast<Field>(i);
      if (!f.mistyped[field] && f.present[field] && (f.text[field] || f.number[field])) continue;
      std::string detail = "field ";
      detail += kInputNames[field];
      if (f.mistyped[field]) {
        if (field == kEventTime && *f.mistyped[field] == JsonKind::kString) {
          detail += ": not a timestamp: ";
          // Cut by code points: the detail goes into a DLQ header, which must stay UTF-8.
          AppendJsonString(f.bad_timestamp.substr(0, Utf8PrefixBytes(f.bad_timestamp, 64)), &detail);
        } else {
          detail += field == kVisitId   ? ": expected an integer within 64 bits, got "
                    : field == kEventTime ? ": expected a timestamp string or epoch seconds, got "
                                          : ": expected a string, got ";
          detail += KindName(*f.mistyped[field]);
        }
      } else if (!f.present[field]) {
        detail += ": missing";
      } else {
        detail += ": null";
      }
      return Rejection{RejectReason::kIncomplete, std::move(detail)};
    }
    return std::nullopt;
  }

  const TimeZone* zone;
  simdjson::dom::parser dom;
  od::parser ondemand;
  std::unique_ptr<char[]> buffer;  // the record, copied with simdjson's padding
  size_t capacity = 0;
  std::string scratch[kFieldCount];  // non-string values of STRING fields, as JSON text
  Fields f;
};

VisitTransformer::VisitTransformer(TransformOptions options)
    : options_(std::move(options)), parser_(std::make_unique<Parser>(&options_.zone)) {}
VisitTransformer::~VisitTransformer() = default;
VisitTransformer::VisitTransformer(VisitTransformer&& other) noexcept
    : options_(std::move(other.options_)), parser_(std::move(other.parser_)) {
  if (parser_) parser_->zone = &options_.zone;
}
VisitTransformer& VisitTransformer::operator=(VisitTransformer&& other) noexcept {
  options_ = std::move(other.options_);
  parser_ = std::move(other.parser_);
  if (parser_) parser_->zone = &options_.zone;
  return *this;
}

std::optional<Rejection> VisitTransformer::Parse(std::string_view raw, Visit* visit) {
  if (std::optional<Rejection> r = parser_->Parse(raw)) return r;
  if (options_.strict) {
    if (std::optional<Rejection> r = parser_->CheckComplete()) return r;
  }
  const Fields& f = parser_->f;
  auto copy = [](const std::optional<std::string_view>& from, std::optional<std::string>* to) {
    if (!from) {
      to->reset();
    } else if (*to) {
      (*to)->assign(*from);  // reuses the caller's capacity
    } else {
      to->emplace(*from);
    }
  };
  copy(f.text[kEventId], &visit->event_id);
  visit->visit_id = f.number[kVisitId];
  visit->event_time_micros = f.number[kEventTime];
  copy(f.text[kPage], &visit->page);
  return std::nullopt;
}

std::optional<Rejection> VisitTransformer::Transform(std::string_view raw, std::string* out) {
  if (std::optional<Rejection> r = parser_->Parse(raw)) return r;
  if (options_.strict) {
    if (std::optional<Rejection> r = parser_->CheckComplete()) return r;
  }
  const Fields& f = parser_->f;
  out->clear();
  RenderFields(f.text[kEventId], f.number[kVisitId], f.number[kEventTime], f.text[kPage], options_.zone, out);
  return std::nullopt;
}

void VisitTransformer::Render(const Visit& visit, std::string* out) const {
  auto view = [](const std::optional<std::string>& s) -> std::optional<std::string_view> {
    if (!s) return std::nullopt;
    return std::string_view(*s);
  };
  RenderFields(view(visit.event_id), visit.visit_id, visit.event_time_micros, view(visit.page), options_.zone, out);
}

}  // namespace rp::logic
