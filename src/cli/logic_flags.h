// The flags that choose a command's business logic, shared by `stream`,
// `reprocess` and `transform`: --logic, --logic-option, --logic-timeout-ms
// (the visits logic keeps its own --timezone and --strict).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "common/result.h"
#include "logic/logic.h"

namespace rp::cli {

struct LogicFlags {
  std::string logic = "visits";
  std::vector<std::string> options;
  int64_t timeout_ms = 1000;

  void AddTo(CLI::App* cmd);
  // The spec, without the visits logic's zone and strictness (the caller's).
  Result<logic::LogicSpec> Resolve() const;
};

}  // namespace rp::cli
