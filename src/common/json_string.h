// JSON string literals, escaped the way Jackson writes them, so that Spark
// compatible output (to_json), our CLI's JSON and the Delta log agree on one
// form: '"' and '\\' are escaped, control characters below 0x20 use the short
// forms \b \f \n \r \t or \u00XX (upper-case hex); every other byte, UTF-8
// included, is copied as is (callers pass valid UTF-8 where it matters).
#pragma once

#include <string>
#include <string_view>

namespace rp {

// Appends `s` as a JSON string literal, quotes included.
void AppendJsonString(std::string_view s, std::string* out);

// `s` as a JSON string literal, e.g. for values that must be JSON text.
std::string JsonQuoted(std::string_view s);

}  // namespace rp
