#include "delta/z85.h"

#include <array>
#include <cstdint>

namespace rp::delta {
namespace {

constexpr std::string_view kAlphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
static_assert(kAlphabet.size() == 85);

// Character -> digit, or -1 for characters outside the alphabet.
constexpr std::array<int8_t, 256> MakeDecoder() {
  std::array<int8_t, 256> d{};
  for (auto& v : d) v = -1;
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    d[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return d;
}
constexpr std::array<int8_t, 256> kDecoder = MakeDecoder();

}  // namespace

Result<std::string> Z85Decode(std::string_view text) {
  if (text.size() % 5 != 0) {
    return Status::Corruption("Z85 text of " + std::to_string(text.size()) +
                              " characters (not a multiple of 5)");
  }
  std::string out;
  out.reserve(text.size() / 5 * 4);
  for (size_t i = 0; i < text.size(); i += 5) {
    uint64_t value = 0;
    for (size_t j = i; j < i + 5; ++j) {
      const int8_t digit = kDecoder[static_cast<unsigned char>(text[j])];
      if (digit < 0) {
        return Status::Corruption("Z85 text has a character outside the alphabet at position " +
                                  std::to_string(j));
      }
      value = value * 85 + static_cast<uint64_t>(digit);
    }
    if (value > 0xFFFFFFFFu) {
      return Status::Corruption("Z85 group at position " + std::to_string(i) + " exceeds 32 bits");
    }
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
  return out;
}

Result<std::string> Z85Encode(std::string_view bytes) {
  if (bytes.size() % 4 != 0) {
    return Status::InvalidArgument("Z85 encodes multiples of 4 bytes, not " + std::to_string(bytes.size()));
  }
  std::string out;
  out.reserve(bytes.size() / 4 * 5);
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t value = 0;
    for (size_t j = i; j < i + 4; ++j) value = (value << 8) | static_cast<unsigned char>(bytes[j]);
    char group[5];
    for (int k = 4; k >= 0; --k) {
      group[k] = kAlphabet[value % 85];
      value /= 85;
    }
    out.append(group, 5);
  }
  return out;
}

}  // namespace rp::delta
