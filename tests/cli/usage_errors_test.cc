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
TEST(UsageErrors, MalformedKafkaAssignment) {
  ExpectUsageError({"read-topic", "--topic", "t", "-X", "novalue"}, "-X");
}
TEST(UsageErrors, MissingConfigFile) {
  ExpectUsageError({"read-topic", "--topic", "t", "--config", "/nonexistent/rp.toml"},
                   "/nonexistent/rp.toml");
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
  auto r2 = RunProcess({ReprocessorBinary(), "read-topic", "--topic", "t", "-X",
                        "ssl.key.password=hunter2-secret", "-X", "security.protocol=bogus"});
  EXPECT_EQ(r2.exit_code, 2);
  EXPECT_EQ(r2.err.find("hunter2-secret"), std::string::npos) << r2.err;
}

// --storage-option and [storage]: checked against the table before any work
// (no broker or S3 server is needed to refuse them).
TEST(UsageErrors, UnknownStorageOptionsAreRefusedByEveryTableCommand) {
  const std::vector<std::string> option = {"--table", "s3://bucket/t", "--storage-option",
                                           "aws_regoin=eu-west-1"};
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"sync", "--topic", "t", "-b", "127.0.0.1:1"},
                                             {"reprocess", "--output-topic", "o", "-b", "127.0.0.1:1"},
                                             {"read-table"},
                                             {"table-info"},
                                             {"optimize"},
                                             {"vacuum"}}) {
    args.insert(args.end(), option.begin(), option.end());
    SCOPED_TRACE(args[0]);
    ExpectUsageError(args, "aws_regoin");
  }
}

TEST(UsageErrors, StorageOptionsForALocalTableAreRefused) {
  testing::TempDir dir;
  ExpectUsageError({"read-table", "--table", dir.path(), "--storage-option", "aws_region=eu-west-1"},
                   "s3:// tables only");
  const std::string config = dir.path() + "/rp.toml";
  std::ofstream(config) << "[storage]\naws_region = \"eu-west-1\"\n";
  ExpectUsageError({"vacuum", "--table", dir.path(), "--config", config}, "aws_region");
}

TEST(UsageErrors, StorageConfigMistakesNameTheFileOrTheKey) {
  testing::TempDir dir;
  const std::string config = dir.path() + "/rp.toml";
  std::ofstream(config) << "[storage]\naws_region = [\"eu-west-1\"]\n";
  ExpectUsageError({"table-info", "--table", "s3://bucket/t", "--config", config}, "storage.aws_region");
  ExpectUsageError({"table-info", "--table", "s3://bucket/t", "--config", dir.path() + "/none.toml"},
                   dir.path() + "/none.toml");
  std::ofstream(config) << "[storage]\nmax_retries = 1000\n";
  ExpectUsageError({"optimize", "--table", "s3://bucket/t", "--config", config, "--storage-option",
                    "aws_access_key_id=k", "--storage-option", "aws_secret_access_key=s"},
                   "max_retries");
}

TEST(UsageErrors, StorageSecretsAreNeverEchoed) {
  testing::TempDir dir;
  // A bare value (the name forgotten), a secret for a local table, in a flag and in a file.
  for (const auto& [table, option] : std::vector<std::pair<std::string, std::string>>{
           {"s3://bucket/t", "hunter2-secret"},
           {"s3://bucket/t", "=hunter2-secret"},
           {dir.path(), "aws_secret_access_key=hunter2-secret"}}) {
    auto r = RunProcess({ReprocessorBinary(), "read-table", "--table", table, "--storage-option", option});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
  }
  const std::string config = dir.path() + "/rp.toml";
  std::ofstream(config) << "[storage]\naws_secret_access_key = \"hunter2-secret\"\n";
  auto r = RunProcess({ReprocessorBinary(), "read-table", "--table", dir.path(), "--config", config});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
}

// sync --table-property: checked before any broker is contacted.
TEST(UsageErrors, TablePropertiesThatCannotWorkAreRefusedBySync) {
  testing::TempDir dir;
  const std::vector<std::string> sync = {"sync",    "--topic",        "t", "-b", "127.0.0.1:1",
                                         "--table", dir.path() + "/t"};
  for (const auto& [property, mentions] : std::vector<std::pair<std::string, std::string>>{
           {"delta.checkpointInterval=0", "delta.checkpointInterval"},
           {"delta.logRetentionDuration=forever", "forever"},
           {"delta.deletedFileRetentionDuration=interval 2 months", "delta.deletedFileRetentionDuration"},
           {"delta.appendOnly=yes", "delta.appendOnly"},
           {"reprocessor.layout=seed", "reprocessor.layout"},
           {"novalue", "novalue"}}) {
    auto args = sync;
    args.insert(args.end(), {"--table-property", property});
    SCOPED_TRACE(property);
    ExpectUsageError(args, mentions);
  }
}

TEST(UsageErrors, HelpExitsZeroAndListsCommands) {
  auto r = RunProcess({ReprocessorBinary(), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("transform"), std::string::npos);
  EXPECT_NE(r.out.find("read-topic"), std::string::npos);
}

}  // namespace
}  // namespace rp
