// UTF-8 helpers the data layer needs for Delta stats and paths: validation and
// code-point prefixes that never split a sequence.
#pragma once

#include <cstddef>
#include <string_view>

namespace rp::delta {

bool IsValidUtf8(std::string_view bytes);

// The byte length of the first `max_code_points` code points of valid UTF-8
// `text` (all of it when shorter).
size_t Utf8PrefixBytes(std::string_view text, size_t max_code_points);

// Decodes the code point at text[pos] (valid UTF-8); sets *len to its byte size.
char32_t Utf8CodePointAt(std::string_view text, size_t pos, size_t* len);

}  // namespace rp::delta
