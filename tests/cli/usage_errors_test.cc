// Bad flags and config: one error line on stderr, exit 2, nothing else done.
#include <gtest/gtest.h>

#include <fstream>

#include "support/local_broker.h"
#include "support/process.h"

namespace rp {
namespace {

using testing::ReprocessorBinary;
using testing::RunProcess;

void ExpectUsageError(const std::vector<std::string>& args, const std::string& mentions) {
  std::vector<std::string> argv = {ReprocessorBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunProcess(argv);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(mentions), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(UsageErrors, UnknownFlag) { ExpectUsageError({"transform", "--frobnicate"}, "--frobnicate"); }
TEST(UsageErrors, NoCommand) { ExpectUsageError({}, "subcommand"); }
TEST(UsageErrors, UnknownCommand) { ExpectUsageError({"explode"}, "explode"); }
TEST(UsageErrors, MissingRequiredTopic) { ExpectUsageError({"read-topic"}, "--topic"); }
TEST(UsageErrors, BadFormat) { ExpectUsageError({"read-topic", "--topic", "t", "--format", "xml"}, "xml"); }
TEST(UsageErrors, UnknownKafkaProperty) {
  ExpectUsageError({"read-topic", "--topic", "t", "-X", "no.such.property=1"}, "no.such.property");
}
TEST(UsageErrors, MalformedKafkaAssignment) { ExpectUsageError({"read-topic", "--topic", "t", "-X", "novalue"}, "-X"); }
TEST(UsageErrors, MissingConfigFile) {
  ExpectUsageError({"read-topic", "--topic", "t", "--config", "/nonexistent/rp.toml"}, "/nonexistent/rp.toml");
}

TEST(UsageErrors, MalformedConfigFileNamesTheFileAndLine) {
  testing::TempDir dir;
  std::string path = dir.path() + "/bad.toml";
  std::ofstream(path) << "brokers = \"localhost:1\"\n[kafka\n";
  ExpectUsageError({"read-topic", "--topic", "t", "--config", path}, path);
}

TEST(UsageErrors, SecretsInBadPropertiesAreNotEchoed) {
  auto r = RunProcess({ReprocessorBinary(), "read-topic", "--topic", "t", "-X", "sasl.password"});
  EXPECT_EQ(r.exit_code, 2);
  auto r2 = RunProcess({ReprocessorBinary(), "read-topic", "--topic", "t", "-X", "ssl.key.password=hunter2-secret",
                        "-X", "security.protocol=bogus"});
  EXPECT_EQ(r2.exit_code, 2);
  EXPECT_EQ(r2.err.find("hunter2-secret"), std::string::npos) << r2.err;
}

TEST(UsageErrors, HelpExitsZeroAndListsCommands) {
  auto r = RunProcess({ReprocessorBinary(), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("transform"), std::string::npos);
  EXPECT_NE(r.out.find("read-topic"), std::string::npos);
}

}  // namespace
}  // namespace rp
