#include "common/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

#include "common/json_string.h"
#include "common/utf8.h"

namespace rp {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kError};
std::atomic<LogFormat> g_format{LogFormat::kText};
std::mutex g_mu;
const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
    case LogLevel::kOff:
      break;
  }
  return "";
}
const char* JsonLevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      break;
  }
  return "";
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(level); }
LogLevel GetLogLevel() { return g_level.load(); }
void SetLogFormat(LogFormat format) { g_format.store(format); }
LogFormat GetLogFormat() { return g_format.load(); }

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == JsonLevelName(l)) return l;
  }
  return std::nullopt;
}

std::string FormatLogLine(LogFormat format, LogLevel level, std::string_view component,
                          std::string_view message) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  if (format == LogFormat::kText) {
    return fmt::format("{}.{:03d}Z {} {}: {}\n", stamp, static_cast<int>(ms % 1000), LevelName(level),
                       component, message);
  }
  // Messages may quote bytes from outside (librdkafka, record values): a
  // collector rejects a line that is not valid UTF-8 JSON, so repair it.
  std::string line = fmt::format("{{\"time\":\"{}.{:03d}Z\",\"level\":\"{}\",\"component\":", stamp,
                                 static_cast<int>(ms % 1000), JsonLevelName(level));
  AppendJsonString(IsValidUtf8(component) ? component : ToValidUtf8(component), &line);
  line += ",\"message\":";
  AppendJsonString(IsValidUtf8(message) ? message : ToValidUtf8(message), &line);
  line += "}\n";
  return line;
}

void LogLine(LogLevel level, std::string_view component, std::string_view message) {
  const std::string line = FormatLogLine(g_format.load(), level, component, message);
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace rp
