// JSON text as Jackson reads and writes it, for Spark's from_json / to_json,
// and the JSON values as Spark's converters tell them apart, read from
// simdjson's two parsers (shared by every reader of from_json semantics:
// VisitTransformer, EventTimeReader).
#pragma once

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace rp::logic::internal {

// Nesting limit for both parsers (simdjson's default for DOM).
inline constexpr int kMaxDepth = 1024;

enum class JsonNumberKind { kInvalid, kInteger, kFloat };

// Classifies a number token by the JSON grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  (kInteger: no fraction, no exponent).
JsonNumberKind ClassifyJsonNumber(std::string_view token);

// Parses a kInteger token; false when it does not fit in int64 (Jackson's
// getLongValue would throw).
bool ParseJsonInt64(std::string_view token, int64_t* value);

// The double nearest to a kFloat token; ±infinity or ±0 when out of range,
// as Java's Double.parseDouble gives.
double ParseJsonDouble(std::string_view token);

// How Jackson's generator writes a double: Java's Double.toString (shortest
// repr, JDK 19+ rules), and non-finite values as the strings "Infinity" /
// "-Infinity" (QUOTE_NON_NUMERIC_NUMBERS is on by default).
void AppendJacksonDouble(double value, std::string* out);

// How Jackson writes a long (and BigInteger.toString of one that fits).
inline void AppendJsonInt64(int64_t value, std::string* out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

// `s` without the JSON whitespace (RFC 8259's four characters) around it.
std::string_view TrimJsonSpace(std::string_view s);

// JSON values as Spark's converters tell them apart.
enum class JsonKind { kNull, kString, kInteger, kBigInteger, kFloat, kBool, kObject, kArray };

// One JSON value as the field converters need it.
struct JsonScalar {
  JsonKind kind;
  std::string_view text;  // kString: the unescaped string
  int64_t integer = 0;    // kInteger
};

// A DOM value's kind and scalar content. Inline: it runs for every schema
// field of every record on the fast path.
inline JsonScalar DomScalar(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT:
      return {JsonKind::kObject, {}, 0};
    case element_type::ARRAY:
      return {JsonKind::kArray, {}, 0};
    case element_type::STRING:
      return {JsonKind::kString, e.get_string().value_unsafe(), 0};
    case element_type::INT64:
      return {JsonKind::kInteger, {}, e.get_int64().value_unsafe()};
    case element_type::UINT64:
      return {JsonKind::kBigInteger, {}, 0};  // >= 2^63: not a LONG
    case element_type::DOUBLE:
      return {JsonKind::kFloat, {}, 0};
    case element_type::BOOL:
      return {JsonKind::kBool, {}, 0};
    case element_type::NULL_VALUE:
      return {JsonKind::kNull, {}, 0};
  }
  return {JsonKind::kNull, {}, 0};
}

// Reads a number token in the on-demand path; false if it is not valid JSON.
// With `render`, appends the number as Jackson's generator re-prints it.
bool OdNumber(std::string_view raw, JsonScalar* s, std::string* render);

// Validates an on-demand value and everything inside it, and (when `render`
// is set) writes it as Jackson's copyCurrentStructure would. Fills `s` with
// the value's kind (and its scalar content). False when the JSON is invalid,
// including nesting beyond kMaxDepth (`depth` is the value's own: 1 for a
// member of the root object).
bool OdValue(simdjson::ondemand::value v, int depth, JsonScalar* s, std::string* render);

}  // namespace rp::logic::internal
