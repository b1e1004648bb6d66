// Renders Arrow values for printing: Spark show() cells and JSON values.
#pragma once

#include <arrow/api.h>

#include <optional>
#include <string>

namespace rp::cli {

// The cell as Spark 4's show() prints it (nullopt for null), control
// characters left for ShowTable to escape: numbers in decimal, strings as they
// are, dates as yyyy-MM-dd, timestamps as "yyyy-MM-dd HH:mm:ss[.ffffff]" in
// UTC; arrays "[a, b]", structs "{a, b}", maps "{k -> v, …}" with nulls inside
// them as "NULL" (Spark's ToPrettyString). Binary, at any depth, is shown as
// text when its bytes are valid UTF-8 (the empty value included) with no
// control character other than those ShowTable escapes, else in Spark's hex
// form "[0A 1B]": Kafka keys, values and headers are mostly text.
std::optional<std::string> ShowCell(const arrow::Array& column, int64_t row);

// The value as compact JSON: null, a number or boolean, a string (text and
// every other scalar as ShowCell writes it); binary as a string when valid
// UTF-8, else {"base64":"…"} (padded; the convention of `transform --records`);
// arrays as JSON arrays, structs as objects by field name, maps as objects
// keyed by the key's ShowCell text.
void AppendJsonCell(const arrow::Array& column, int64_t row, std::string* out);

}  // namespace rp::cli
