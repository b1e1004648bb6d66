// UTF-8 checks shared by the layers that must not pass invalid text on
// (Parquet STRING columns, JSON output), and code-point arithmetic for Delta
// stats (string prefixes that never split a sequence).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rp {

bool IsValidUtf8(std::string_view bytes);
// Copies `bytes`, replacing each invalid sequence with U+FFFD, as Java's
// new String(bytes, UTF_8) does (so our printing matches Spark's CAST to STRING).
std::string ToValidUtf8(std::string_view bytes);

// The byte length of the first `max_code_points` code points of valid UTF-8
// `text` (all of it when shorter).
size_t Utf8PrefixBytes(std::string_view text, size_t max_code_points);

// Decodes the code point at text[pos] (valid UTF-8); sets *len to its byte
// size. Never reads past the end, even on invalid input.
char32_t Utf8CodePointAt(std::string_view text, size_t pos, size_t* len);

}  // namespace rp
