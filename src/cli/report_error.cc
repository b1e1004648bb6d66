#include <iostream>

#include "cli/command.h"

namespace rp::cli {

int ReportError(const Status& status) {
  std::string msg = status.message();
  for (char& c : msg) {
    if (c == '\n') c = ' ';  // always one line
  }
  std::cerr << "reprocessor: " << msg << '\n';
  return status.IsInvalidArgument() ? kExitUsage : kExitFailure;
}

}  // namespace rp::cli
