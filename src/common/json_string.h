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

// The same, but a code point above U+FFFF (valid UTF-8 expected) is written
// as its UTF-16 surrogate pair, "\uD83D\uDE00": what Jackson's UTF-8
// generator does (it writes Java chars one at a time), and so what Spark's
// from_json puts into a STRING field whose JSON value is an object or array.
void AppendJsonStringUtf16Escaped(std::string_view s, std::string* out);

// `s` as a JSON string literal, e.g. for values that must be JSON text.
std::string JsonQuoted(std::string_view s);

}  // namespace rp
