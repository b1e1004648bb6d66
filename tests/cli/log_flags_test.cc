// --log-level and --log-format, on commands whose broker is not there:
// librdkafka's lines come through our log at their level (a refused
// connection, which it retries, at warn; its debug lines at debug), JSON lines
// are JSON, and the level (a flag or its config key) filters both. The jobs
// wait 30 s for metadata before failing, so they run in the background and
// are stopped once their logs have shown what the test looks for.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/local_broker.h"
#include "support/process.h"

namespace rp {
namespace {

using testing::ReprocessorBinary;

// `command` (stream or read-topic) against a port nobody listens on.
std::unique_ptr<BackgroundProcess> StartWithoutBroker(const testing::TempDir& dir, const std::string& name,
                                                      const std::string& command,
                                                      const std::vector<std::string>& extra) {
  std::vector<std::string> args = {ReprocessorBinary(),
                                   command,
                                   command == "stream" ? "--input-topic" : "--topic",
                                   "in",
                                   "-b",
                                   "127.0.0.1:" + std::to_string(FreePort())};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<BackgroundProcess>(args, dir.path() + "/" + name + ".log");
}

// The complete lines of a log (a line being written may not have its end yet).
std::vector<std::string> Lines(const BackgroundProcess& p) {
  std::vector<std::string> lines;
  std::istringstream in(testing::LogOf(p));
  for (std::string line; std::getline(in, line);) {
    if (in.eof()) break;  // no newline after it
    lines.push_back(line);
  }
  return lines;
}

bool IsRefusedConnection(const std::string& text) {
  return text.find("Connection refused") != std::string::npos;
}

bool WaitForLine(const BackgroundProcess& p, const std::function<bool(const std::string&)>& pred) {
  return WaitFor(
      [&] {
        auto lines = Lines(p);
        return std::any_of(lines.begin(), lines.end(), pred);
      },
      20000);
}

struct JsonLine {
  std::string time, level, component, message;
};

// Each line parsed as a JSON object with exactly its four string fields.
std::vector<JsonLine> ParseJsonLines(const std::vector<std::string>& lines) {
  std::vector<JsonLine> parsed;
  simdjson::dom::parser parser;
  for (const std::string& line : lines) {
    simdjson::dom::object object;
    if (parser.parse(line).get(object) != simdjson::SUCCESS) {
      ADD_FAILURE() << "not a JSON object: " << line;
      continue;
    }
    std::string_view time, level, component, message;
    EXPECT_EQ(object["time"].get(time), simdjson::SUCCESS) << line;
    EXPECT_EQ(object["level"].get(level), simdjson::SUCCESS) << line;
    EXPECT_EQ(object["component"].get(component), simdjson::SUCCESS) << line;
    EXPECT_EQ(object["message"].get(message), simdjson::SUCCESS) << line;
    EXPECT_EQ(object.size(), 4u) << line;
    parsed.push_back({std::string(time), std::string(level), std::string(component), std::string(message)});
  }
  return parsed;
}

size_t CountJson(const std::vector<JsonLine>& lines, const std::string& component, const std::string& level) {
  return std::count_if(lines.begin(), lines.end(),
                       [&](const JsonLine& l) { return l.component == component && l.level == level; });
}

TEST(LogFlags, JsonLogsAreOneObjectPerLineWithTimeLevelComponentAndMessage) {
  testing::TempDir dir;
  auto job = StartWithoutBroker(dir, "json", "stream", {"--log-format", "json"});
  ASSERT_TRUE(WaitForLine(*job, IsRefusedConnection)) << testing::LogOf(*job);
  std::vector<JsonLine> lines = ParseJsonLines(Lines(*job));
  ASSERT_FALSE(lines.empty());
  for (const JsonLine& l : lines) {
    EXPECT_EQ(l.time.size(), 24u) << l.time;  // 2026-01-02T03:04:05.678Z
    EXPECT_EQ(l.time.back(), 'Z') << l.time;
  }
  // librdkafka's refused connections, at warn: it retries them.
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const JsonLine& l) {
    return l.component == "kafka" && l.level == "warn" && IsRefusedConnection(l.message);
  })) << testing::LogOf(*job);

  // A command's failure is a JSON line too.
  auto failed = RunProcess(
      {ReprocessorBinary(), "read-table", "--table", dir.path() + "/none", "--log-format", "json"});
  EXPECT_EQ(failed.exit_code, 2) << failed.err;
  std::vector<JsonLine> error = ParseJsonLines({failed.err.substr(0, failed.err.find('\n'))});
  EXPECT_EQ(std::count(failed.err.begin(), failed.err.end(), '\n'), 1) << failed.err;
  ASSERT_EQ(error.size(), 1u);
  EXPECT_EQ(error[0].level, "error");
  EXPECT_EQ(error[0].component, "reprocessor");
  EXPECT_NE(error[0].message.find(dir.path() + "/none"), std::string::npos) << error[0].message;
}

TEST(LogFlags, TheLevelFiltersOurLinesAndLibrdkafkasAlike) {
  testing::TempDir dir;
  // -X debug=broker: librdkafka's own debug lines, besides its warnings.
  const std::vector<std::string> chatty = {"--log-format", "json", "-X", "debug=broker"};
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.begin(), chatty.begin(), chatty.end());
    return more;
  };
  auto debug = StartWithoutBroker(dir, "debug", "stream", with({"--log-level", "debug"}));
  auto info = StartWithoutBroker(dir, "info", "stream", with({"--log-level", "info"}));
  auto error = StartWithoutBroker(dir, "error", "stream", with({"--log-level", "error"}));
  auto tool = StartWithoutBroker(dir, "tool", "read-topic", chatty);  // a tool's default: error
  auto tool_warn = StartWithoutBroker(dir, "tool-warn", "read-topic", with({"--log-level", "warn"}));
  for (auto* p : {debug.get(), info.get(), tool_warn.get()}) {
    ASSERT_TRUE(WaitForLine(*p, IsRefusedConnection)) << p->log_path() << ":\n" << testing::LogOf(*p);
  }
  // The others have had as long, and a little more, to log the same.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  std::vector<JsonLine> at_debug = ParseJsonLines(Lines(*debug));
  EXPECT_GT(CountJson(at_debug, "kafka", "debug"), 0u) << testing::LogOf(*debug);
  EXPECT_GT(CountJson(at_debug, "kafka", "warn"), 0u) << testing::LogOf(*debug);

  std::vector<JsonLine> at_info = ParseJsonLines(Lines(*info));
  EXPECT_EQ(CountJson(at_info, "kafka", "debug"), 0u) << testing::LogOf(*info);
  EXPECT_GT(CountJson(at_info, "kafka", "warn"), 0u) << testing::LogOf(*info);

  EXPECT_EQ(testing::LogOf(*error), "");
  EXPECT_EQ(testing::LogOf(*tool), "");
  std::vector<JsonLine> tool_at_warn = ParseJsonLines(Lines(*tool_warn));
  EXPECT_EQ(CountJson(tool_at_warn, "kafka", "debug"), 0u) << testing::LogOf(*tool_warn);
  EXPECT_GT(CountJson(tool_at_warn, "kafka", "warn"), 0u) << testing::LogOf(*tool_warn);
}

TEST(LogFlags, TextIsTheDefaultFormatAndJobsLogAtInfo) {
  testing::TempDir dir;
  auto job = StartWithoutBroker(dir, "text", "stream", {});
  EXPECT_TRUE(WaitForLine(*job, [](const std::string& l) {
    // 2026-01-02T03:04:05.678Z WARN kafka: FAIL: … Connection refused …
    return l.size() > 25 && l[23] == 'Z' && l.find(" WARN kafka: ") == 24 && IsRefusedConnection(l);
  })) << testing::LogOf(*job);
}

TEST(LogFlags, TheConfigFileSetsTheLevelAndFormatAndFlagsOverrideThem) {
  testing::TempDir dir;
  const std::string config = dir.path() + "/rp.toml";
  std::ofstream(config) << "[stream]\nlog-level = \"error\"\nlog-format = \"json\"\n";
  auto quiet = StartWithoutBroker(dir, "quiet", "stream", {"--config", config});
  auto warn = StartWithoutBroker(dir, "warn", "stream", {"--config", config, "--log-level", "warn"});
  ASSERT_TRUE(WaitForLine(*warn, IsRefusedConnection)) << testing::LogOf(*warn);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(testing::LogOf(*quiet), "");
  std::vector<JsonLine> lines = ParseJsonLines(Lines(*warn));  // the file's format
  EXPECT_GT(CountJson(lines, "kafka", "warn"), 0u) << testing::LogOf(*warn);
}

TEST(LogFlags, UnknownLevelsAndFormatsAreUsageErrors) {
  for (const std::vector<std::string>& flag : {std::vector<std::string>{"--log-level", "verbose"},
                                               std::vector<std::string>{"--log-format", "xml"}}) {
    auto r = RunProcess({ReprocessorBinary(), "transform", flag[0], flag[1]});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(flag[1]), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace rp
