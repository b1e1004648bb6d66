#include "common/json_string.h"

#include <array>
#include <cstdint>

namespace rp {
namespace {

// Jackson's CharTypes output escapes: 0 = copy, 'u' = \u00XX, else \<char>.
constexpr std::array<char, 256> MakeEscapes() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\f'] = 'f';
  t['\r'] = 'r';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}
constexpr std::array<char, 256> kEscapes = MakeEscapes();

constexpr char kHex[] = "0123456789ABCDEF";  // Jackson writes upper-case hex

void AppendUnicodeEscape(uint32_t unit, std::string* out) {
  const char esc[6] = {'\\', 'u', kHex[(unit >> 12) & 0xF], kHex[(unit >> 8) & 0xF], kHex[(unit >> 4) & 0xF],
                       kHex[unit & 0xF]};
  out->append(esc, 6);
}

void AppendEscaped(std::string_view s, bool escape_supplementary, std::string* out) {
  out->push_back('"');
  size_t copied = 0;  // s[copied, i) needs no escape and is not yet appended
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (escape_supplementary && c >= 0xF0 && i + 3 < s.size()) {
      // A 4-byte sequence: a code point above U+FFFF, as its two UTF-16 halves.
      out->append(s.data() + copied, i - copied);
      const uint32_t cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
                          ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
                          (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
      AppendUnicodeEscape(0xD800 + ((cp - 0x10000) >> 10), out);
      AppendUnicodeEscape(0xDC00 + ((cp - 0x10000) & 0x3FF), out);
      i += 3;
      copied = i + 1;
      continue;
    }
    const char e = kEscapes[c];
    if (e == 0) continue;
    out->append(s.data() + copied, i - copied);
    copied = i + 1;
    if (e == 'u') {
      AppendUnicodeEscape(c, out);
    } else {
      const char esc[2] = {'\\', e};
      out->append(esc, 2);
    }
  }
  out->append(s.data() + copied, s.size() - copied);
  out->push_back('"');
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) { AppendEscaped(s, false, out); }

void AppendJsonStringUtf16Escaped(std::string_view s, std::string* out) { AppendEscaped(s, true, out); }

std::string JsonQuoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonString(s, &out);
  return out;
}

}  // namespace rp
