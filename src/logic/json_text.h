// JSON text as Jackson reads and writes it, for Spark's from_json / to_json.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rp::logic::internal {

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

}  // namespace rp::logic::internal
