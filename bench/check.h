// Error handling for benchmark programs: a failed step is not something to
// measure around, so it ends the program with one line on stderr naming the
// program (set once in main) and the step.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "common/result.h"
#include "common/status.h"

namespace rp::bench {

inline std::string& ProgramName() {
  static std::string name = "bench";
  return name;
}

[[noreturn]] inline void Die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", ProgramName().c_str(), what.c_str());
  std::exit(1);
}

template <typename T>
T Check(rp::Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
  return std::move(*r);
}

inline void Check(const rp::Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.ToString());
}

}  // namespace rp::bench
