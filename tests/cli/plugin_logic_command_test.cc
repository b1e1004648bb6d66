// `--logic plugin:PATH` through the real binary: the example plugins on
// stdin/stdout, and a plugin that does not load.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "support/local_broker.h"
#include "support/process.h"
#include "support/seed.h"

namespace rp {
namespace {

using testing::ReadFile;
using testing::ReprocessorBinary;
using testing::RunProcess;
using testing::SeedPath;

TEST(PluginLogicCommand, TransformRunsTheExampleCPlugin) {
  auto r = RunProcess({ReprocessorBinary(), "transform", "--logic",
                       std::string("plugin:") + RP_UPPERCASE_PAGE_PLUGIN, "--logic-option", "tag=cli"},
                      "{\"page\":\"home\"}\nplain text\n\n{\"visit_id\":1}\n");
  EXPECT_EQ(r.exit_code, 3) << r.err;  // a record was rejected
  EXPECT_EQ(r.out, "{\"PAGE\":\"HOME\"}\n{\"VISIT_ID\":1}\n");
  EXPECT_EQ(r.err, "ERROR 2 not_an_object: the value has no '{'\nFILTERED 3\n");
}

TEST(PluginLogicCommand, TheVisitsPluginGivesTheSeedOutputValues) {
  auto r = RunProcess({ReprocessorBinary(), "transform", "--logic", std::string("plugin:") + RP_VISITS_PLUGIN,
                       "--logic-option", "timezone=Europe/Paris"},
                      ReadFile(SeedPath("input_records.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string expected;
  for (const auto& line :
       testing::ShowTableFirstColumn(ReadFile(SeedPath("read_topic_before_reprocessing.txt")))) {
    expected += line + "\n";
  }
  EXPECT_EQ(r.out, expected);
}

// The README's complete plugin, as a user would build it: the C compiler and
// the public header only.
TEST(PluginLogicCommand, TheReadmePluginBuildsAndRuns) {
  const std::string readme = ReadFile(std::string(RP_SOURCE_DIR) + "/README.md");
  const size_t section = readme.find("### C plugins");
  ASSERT_NE(section, std::string::npos);
  const size_t begin = readme.find("```c\n", section);
  ASSERT_NE(begin, std::string::npos);
  const size_t end = readme.find("\n```\n", begin);
  ASSERT_NE(end, std::string::npos);
  testing::TempDir dir;
  const std::string source = dir.path() + "/shout.c", library = dir.path() + "/shout.so";
  std::ofstream(source) << readme.substr(begin + 5, end + 1 - (begin + 5));
  auto cc = RunProcess({"cc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared",
                        "-fvisibility=hidden", "-I", std::string(RP_SOURCE_DIR) + "/include", "-o", library,
                        source});
  ASSERT_EQ(cc.exit_code, 0) << cc.err;
  auto r = RunProcess(
      {ReprocessorBinary(), "transform", "--logic", "plugin:" + library, "--logic-option", "by=test"},
      "hello\n\n{\"a\":1}\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "HELLO\n{\"A\":1}\n");
  EXPECT_EQ(r.err, "ERROR 2 empty_value\n");
}

TEST(PluginLogicCommand, APluginThatDoesNotLoadIsOneErrorLineAndExit2) {
  auto r = RunProcess({ReprocessorBinary(), "transform", "--logic", "plugin:/nonexistent.so"}, "{}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err,
            "reprocessor: logic plugin /nonexistent.so: cannot load: cannot open shared object file: No such "
            "file or "
            "directory\n");
  auto options =
      RunProcess({ReprocessorBinary(), "transform", "--logic", std::string("plugin:") + RP_VISITS_PLUGIN,
                  "--logic-option", "timezone=Mars/Olympus"},
                 "{}\n");
  EXPECT_EQ(options.exit_code, 2);
  EXPECT_EQ(std::count(options.err.begin(), options.err.end(), '\n'), 1) << options.err;
  EXPECT_NE(options.err.find("Mars/Olympus"), std::string::npos) << options.err;
}

}  // namespace
}  // namespace rp
