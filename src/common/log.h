// Minimal leveled logging to stderr, one line per event, as text:
//   2026-11-23T22:10:04.123Z INFO sync: committed version 12 (3 files)
// or as JSON (--log-format json, for log collectors), one object per line:
//   {"time":"2026-11-23T22:10:04.123Z","level":"info","component":"sync","message":"committed …"}
// The level comes from --log-level (cli/common_flags): tools default to
// kError (warnings are too noisy beside their one-line errors), jobs to
// kInfo so retries and progress are visible.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace rp {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

enum class LogFormat { kText, kJson };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void SetLogFormat(LogFormat format);
LogFormat GetLogFormat();
// "error", "warn", "info", "debug" (the --log-level values); nullopt otherwise.
std::optional<LogLevel> ParseLogLevel(std::string_view name);
// One log line as written (newline included), without the level check.
std::string FormatLogLine(LogFormat format, LogLevel level, std::string_view component,
                          std::string_view message);
inline bool LogEnabled(LogLevel level) { return level >= GetLogLevel(); }
void LogLine(LogLevel level, std::string_view component, std::string_view message);

template <typename... Args>
void Log(LogLevel level, std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  if (!LogEnabled(level)) return;
  LogLine(level, component, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace rp
