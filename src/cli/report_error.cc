#include <iostream>

#include "cli/command.h"
#include "common/log.h"

namespace rp::cli {

int ReportError(const Status& status) {
  std::string msg = status.message();
  for (char& c : msg) {
    if (c == '\n') c = ' ';  // always one line
  }
  if (GetLogFormat() == LogFormat::kJson) {
    // A log collector reading JSON lines gets the failure as one more.
    LogLine(LogLevel::kError, "reprocessor", msg);
  } else {
    std::cerr << "reprocessor: " << msg << '\n';
  }
  return status.IsInvalidArgument() ? kExitUsage : kExitFailure;
}

}  // namespace rp::cli
