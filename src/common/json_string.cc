#include "common/json_string.h"

#include <array>

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

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t copied = 0;  // s[copied, i) needs no escape and is not yet appended
  for (size_t i = 0; i < s.size(); ++i) {
    const char e = kEscapes[static_cast<unsigned char>(s[i])];
    if (e == 0) continue;
    out->append(s.data() + copied, i - copied);
    copied = i + 1;
    if (e == 'u') {
      constexpr char kHex[] = "0123456789ABCDEF";  // Jackson writes upper-case hex
      const auto c = static_cast<unsigned char>(s[i]);
      const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out->append(esc, 6);
    } else {
      const char esc[2] = {'\\', e};
      out->append(esc, 2);
    }
  }
  out->append(s.data() + copied, s.size() - copied);
  out->push_back('"');
}

std::string JsonQuoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonString(s, &out);
  return out;
}

}  // namespace rp
