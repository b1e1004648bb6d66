// Renders Arrow values for printing: Spark show() cells and JSON values.
#pragma once

#include <arrow/api.h>

#include <optional>
#include <string>

namespace rp::cli {

// The cell as Spark's show() prints it (nullopt for null): numbers in decimal,
// strings as they are, binary as "[0A 1B]", dates as yyyy-MM-dd, timestamps
// as "yyyy-MM-dd HH:mm:ss[.ffffff]" in UTC.
std::optional<std::string> ShowCell(const arrow::Array& column, int64_t row);

// The value as JSON (null, a number, a boolean or a string; binary as a
// string of its bytes with invalid UTF-8 replaced).
void AppendJsonCell(const arrow::Array& column, int64_t row, std::string* out);

}  // namespace rp::cli
