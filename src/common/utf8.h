// UTF-8 checks shared by the layers that must not pass invalid text on
// (Parquet STRING columns, JSON output).
#pragma once

#include <string>
#include <string_view>

namespace rp {

bool IsValidUtf8(std::string_view bytes);
// Copies `bytes`, replacing each invalid sequence with U+FFFD, as Java's
// new String(bytes, UTF_8) does (so our printing matches Spark's CAST to STRING).
std::string ToValidUtf8(std::string_view bytes);

}  // namespace rp
