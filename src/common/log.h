// Minimal leveled logging to stderr, one line per event:
//   2026-11-23T22:10:04.123Z INFO sync: committed version 12 (3 files)
// Commands choose the level: tools stay quiet (warnings and errors only are
// too noisy for one-line errors, so they log nothing below kError), jobs log
// at kInfo so retries and progress are visible.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace rp {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
inline bool LogEnabled(LogLevel level) { return level >= GetLogLevel(); }
void LogLine(LogLevel level, std::string_view component, std::string_view message);

template <typename... Args>
void Log(LogLevel level, std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  if (!LogEnabled(level)) return;
  LogLine(level, component, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace rp
