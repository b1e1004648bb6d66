// Running a fuzz target on one input in a test.
#pragma once

#include <cstdint>
#include <string_view>

#include "fuzz_targets.h"

namespace rp::fuzz {

using Target = void (*)(const uint8_t*, size_t);

// Aborts the test binary, with the broken invariant on stderr, if `input`
// breaks one of the target's invariants.
inline void Replay(Target target, std::string_view input) {
  target(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace rp::fuzz
