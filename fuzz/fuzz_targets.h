// The fuzz targets, one per parser family. Each runs one input through its
// parsers and checks invariants that must hold for every input (round trips,
// agreement between two APIs, well-formed output). A broken invariant prints
// what broke and aborts, which libFuzzer reports as a crash.
//
// The same functions are linked into tests/fuzz (built with RP_FUZZ_REPLAY),
// which replays every seed corpus and every past finding in the ordinary build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace rp::fuzz {

void LogicTarget(const uint8_t* data, size_t size);
void DeltaLogTarget(const uint8_t* data, size_t size);
void OffsetSpecTarget(const uint8_t* data, size_t size);
void PartitionPathTarget(const uint8_t* data, size_t size);
void DeletionVectorTarget(const uint8_t* data, size_t size);

[[noreturn]] inline void Fail(const char* file, int line, const char* condition, const std::string& detail) {
  std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n%s\n", file, line, condition, detail.c_str());
  std::abort();
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// `s` quoted, with non-printable bytes as \xHH, for failure messages.
inline std::string Printable(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7F && c != '"' && c != '\\') {
      out.push_back(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", b);
      out += buf;
    }
  }
  out += '"';
  return out;
}

}  // namespace rp::fuzz

// RP_FUZZ_CHECK(condition, detail): `detail` (a std::string expression) is
// only built when the check fails.
#define RP_FUZZ_CHECK(condition, detail)                                        \
  do {                                                                          \
    if (!(condition)) ::rp::fuzz::Fail(__FILE__, __LINE__, #condition, detail); \
  } while (false)

// The libFuzzer entry point of one fuzzer binary; left out of the replay test,
// which links every target into one binary.
#ifdef RP_FUZZ_REPLAY
#define RP_FUZZ_ENTRY(target)
#else
#define RP_FUZZ_ENTRY(target)                                               \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    target(data, size);                                                     \
    return 0;                                                               \
  }
#endif
