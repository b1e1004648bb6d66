#include "delta/utf8_text.h"

#include <cstdint>

namespace rp::delta {

bool IsValidUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

size_t Utf8PrefixBytes(std::string_view text, size_t max_code_points) {
  size_t i = 0;
  size_t count = 0;
  while (i < text.size() && count < max_code_points) {
    size_t len = 0;
    Utf8CodePointAt(text, i, &len);
    i += len;
    ++count;
  }
  return i < text.size() ? i : text.size();
}

char32_t Utf8CodePointAt(std::string_view text, size_t pos, size_t* len) {
  auto c = static_cast<uint8_t>(text[pos]);
  size_t n = 1;
  char32_t cp = c;
  if (c >= 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else if (c >= 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xC0) {
    n = 2;
    cp = c & 0x1F;
  }
  // Defensive on invalid input: never read past the end.
  if (pos + n > text.size()) n = text.size() - pos;
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<uint8_t>(text[pos + k]) & 0x3F);
  *len = n;
  return cp;
}

}  // namespace rp::delta
