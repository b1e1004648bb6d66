// Log lines: the text form, the JSON form (one object per line, valid UTF-8
// whatever the message holds), and the level names the flags accept.
#include "common/log.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace rp {
namespace {

TEST(LogLine, TextIsTimeLevelComponentAndMessageOnOneLine) {
  const std::string line = FormatLogLine(LogFormat::kText, LogLevel::kWarn, "sync", "committed version 3");
  ASSERT_EQ(line.size(), 24u + std::string(" WARN sync: committed version 3\n").size()) << line;
  EXPECT_EQ(line.substr(24), " WARN sync: committed version 3\n");
  EXPECT_EQ(line[23], 'Z');
}

TEST(LogLine, JsonIsOneObjectWhateverTheMessageHolds) {
  const std::string message = "a \"quoted\" \\ path\nnext line\tand bad UTF-8 \xff\xfe end";
  const std::string line = FormatLogLine(LogFormat::kJson, LogLevel::kDebug, "kafka", message);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  ASSERT_EQ(parser.parse(line).get(object), simdjson::SUCCESS) << line;
  std::string_view time, level, component, text;
  ASSERT_EQ(object["time"].get(time), simdjson::SUCCESS);
  ASSERT_EQ(object["level"].get(level), simdjson::SUCCESS);
  ASSERT_EQ(object["component"].get(component), simdjson::SUCCESS);
  ASSERT_EQ(object["message"].get(text), simdjson::SUCCESS);
  EXPECT_EQ(time.size(), 24u);
  EXPECT_EQ(level, "debug");
  EXPECT_EQ(component, "kafka");
  EXPECT_EQ(text, "a \"quoted\" \\ path\nnext line\tand bad UTF-8 \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST(LogLevelNames, AreTheFlagValues) {
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::kError);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("verbose"), std::nullopt);
  EXPECT_EQ(ParseLogLevel("INFO"), std::nullopt);
}

}  // namespace
}  // namespace rp
