// The --config file carries every flag of every command, in a section per
// command beside [kafka] and [storage]; flags given on the command line win;
// a key or section the program does not know is one error line and exit 2;
// --print-config shows the effective configuration with secrets masked.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/local_broker.h"
#include "support/process.h"

namespace rp {
namespace {

using testing::ReprocessorBinary;

ProcessResult Reprocessor(std::vector<std::string> args, const std::string& stdin_data = "") {
  args.insert(args.begin(), ReprocessorBinary());
  return RunProcess(args, stdin_data);
}

std::string WriteConfig(const testing::TempDir& dir, const std::string& text,
                        const std::string& name = "rp.toml") {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// The printed configuration as TOML (the test fails if it is not).
toml::table PrintedConfig(const ProcessResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  try {
    return toml::parse(r.out);
  } catch (const toml::parse_error& e) {
    ADD_FAILURE() << "--print-config is not TOML: " << e.description() << "\n" << r.out;
    return {};
  }
}

void ExpectOneErrorLine(const ProcessResult& r, const std::vector<std::string>& mentions) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const std::string& m : mentions) EXPECT_NE(r.err.find(m), std::string::npos) << m << " in " << r.err;
  EXPECT_EQ(r.out, "");
}

// transform shows its flags in its output: a value without a zone is read in
// --timezone, and --strict rejects a record missing fields.
const std::string kIncompleteRecord = R"({"event_id":"e1","event_time":"2025-01-01T00:00:00"})"
                                      "\n";
const std::string kReadInUtc = "{\"event_identifier\":\"e1\",\"event_time\":\"2025-01-01T00:00:00.000Z\"}\n";
const std::string kReadInTokyo =
    "{\"event_identifier\":\"e1\",\"event_time\":\"2025-01-01T00:00:00.000+09:00\"}\n";

TEST(ConfigFile, ACommandsSectionSetsItsFlags) {
  testing::TempDir dir;
  auto tokyo =
      Reprocessor({"transform", "--config", WriteConfig(dir, "[transform]\ntimezone = \"Asia/Tokyo\"\n")},
                  kIncompleteRecord);
  EXPECT_EQ(tokyo.exit_code, 0) << tokyo.err;
  EXPECT_EQ(tokyo.out, kReadInTokyo);

  auto strict = Reprocessor(
      {"transform", "--config", WriteConfig(dir, "[transform]\ntimezone = \"UTC\"\nstrict = true\n")},
      kIncompleteRecord);
  EXPECT_EQ(strict.exit_code, 3) << strict.err;
  EXPECT_NE(strict.err.find("ERROR 1 incomplete"), std::string::npos) << strict.err;
}

TEST(ConfigFile, FlagsOnTheCommandLineOverrideTheFile) {
  testing::TempDir dir;
  const std::string config = WriteConfig(dir, "[transform]\ntimezone = \"Asia/Tokyo\"\n");
  auto r = Reprocessor({"transform", "--config", config, "--timezone", "UTC"}, kIncompleteRecord);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kReadInUtc);

  // A repeatable flag given on the command line replaces the file's list.
  const std::string sync =
      WriteConfig(dir,
                  "[sync]\ntable = \"" + dir.path() +
                      "/t\"\nmax-batch-ms = 750\ntable-property = [\"a.b=1\", \"c.d=2\"]\n",
                  "sync.toml");
  toml::table printed = PrintedConfig(Reprocessor(
      {"sync", "--config", sync, "--print-config", "--table-property", "e.f=3", "--max-batch-ms", "900"}));
  EXPECT_EQ(printed["sync"]["max-batch-ms"].value<int64_t>(), 900);
  const toml::array* properties = printed["sync"]["table-property"].as_array();
  ASSERT_NE(properties, nullptr) << printed;
  ASSERT_EQ(properties->size(), 1u) << printed;
  EXPECT_EQ((*properties)[0].value<std::string>(), "e.f=3");
}

TEST(ConfigFile, RepeatableFlagsTakeArraysAndOnOffFlagsTakeBooleans) {
  testing::TempDir dir;
  const std::string table = dir.path() + "/t";
  toml::table defaults = PrintedConfig(Reprocessor({"sync", "--table", table, "--print-config"}));
  EXPECT_EQ(defaults["sync"]["auto-compact"].value<bool>(), true);
  EXPECT_EQ(defaults["sync"]["max-batch-ms"].value<int64_t>(), 500);
  EXPECT_FALSE(defaults["sync"]["table-property"]);

  const std::string config =
      WriteConfig(dir, "[sync]\ntable = \"" + table +
                           "\"\nno-auto-compact = true\nadopt = true\nmax-batch-ms = 750\n"
                           "table-property = [\"delta.checkpointInterval=10\", \"x.y=1\"]\n");
  toml::table set = PrintedConfig(Reprocessor({"sync", "--config", config, "--print-config"}));
  EXPECT_EQ(set["sync"]["auto-compact"].value<bool>(), false) << set;
  EXPECT_EQ(set["sync"]["adopt"].value<bool>(), true) << set;
  EXPECT_EQ(set["sync"]["max-batch-ms"].value<int64_t>(), 750) << set;
  EXPECT_EQ(set["sync"]["table"].value<std::string>(), table) << set;
  const toml::array* properties = set["sync"]["table-property"].as_array();
  ASSERT_NE(properties, nullptr) << set;
  ASSERT_EQ(properties->size(), 2u);
  EXPECT_EQ((*properties)[1].value<std::string>(), "x.y=1");
}

// Each command's required flags, as its section gives them.
struct CommandSection {
  std::string command;
  std::string section;
};

std::vector<CommandSection> EveryCommand(const std::string& dir) {
  const std::string table = "table = \"" + dir + "/t\"\n";
  return {{"transform", ""},
          {"read-topic", "topic = \"visits\"\n"},
          {"stream", ""},
          {"sync", table},
          {"reprocess", table + "output-topic = \"out\"\n"},
          {"read-table", table},
          {"table-info", table},
          {"demo", ""},
          {"optimize", table},
          {"vacuum", table},
          {"lag", table}};
}

TEST(ConfigFile, EveryCommandTakesItsFlagsFromItsSectionRequiredOnesIncluded) {
  testing::TempDir dir;
  for (const auto& [command, section] : EveryCommand(dir.path())) {
    SCOPED_TRACE(command);
    const std::string config = WriteConfig(dir, "[" + command + "]\n" + section + "log-level = \"debug\"\n");
    toml::table printed = PrintedConfig(Reprocessor({command, "--config", config, "--print-config"}));
    EXPECT_EQ(printed[command]["log-level"].value<std::string>(), "debug") << printed;
    if (!section.empty()) {
      toml::table given = toml::parse(section);
      for (const auto& [key, value] : given) {
        EXPECT_EQ(printed[command][key.str()].value<std::string>(), value.value<std::string>()) << key;
      }
    }
  }
}

TEST(ConfigFile, UnknownKeysAndSectionsAreOneErrorLineNamingTheFileSectionAndKey) {
  testing::TempDir dir;
  const std::vector<std::string> sync = {"sync", "--table", dir.path() + "/t", "-b", "127.0.0.1:1"};
  struct Case {
    std::string text;
    std::vector<std::string> mentions;
  };
  for (const Case& c :
       std::vector<Case>{{"[sync]\nmax-bach-ms = 5\n", {"[sync]", "max-bach-ms"}},
                         {"[snyc]\nmax-batch-ms = 5\n", {"[snyc]"}},
                         // Another command's section is checked too: one file serves several jobs.
                         {"[stream]\ngroup-id = \"g\"\n", {"[stream]", "group-id"}},
                         {"max-batch-ms = 5\n", {"max-batch-ms"}},
                         {"[sync]\nconfig = \"other.toml\"\n", {"[sync]", "config"}},
                         {"[sync]\nprint-config = true\n", {"[sync]", "print-config"}}}) {
    SCOPED_TRACE(c.text);
    const std::string config = WriteConfig(dir, c.text);
    std::vector<std::string> args = sync;
    args.insert(args.end(), {"--config", config});
    auto mentions = c.mentions;
    mentions.push_back(config);
    ExpectOneErrorLine(Reprocessor(args), mentions);
  }
}

TEST(ConfigFile, ValuesOfTheWrongKindAreOneErrorLineNamingTheKey) {
  testing::TempDir dir;
  for (const auto& [text, key] : std::vector<std::pair<std::string, std::string>>{
           {"strict = \"yes\"\n", "strict"},                       // an on/off flag takes true or false
           {"timezone = [\"UTC\"]\n", "timezone"},                 // one value, not a list
           {"timezone = true\n", "timezone"},                      // booleans are for on/off flags
           {"logic-timeout-ms = \"soon\"\n", "logic-timeout-ms"},  // not a number
           {"logic-timeout-ms = 0\n", "logic-timeout-ms"},         // the flag's own check
           {"logic-option = [{ a = 1 }]\n", "logic-option"}}) {
    SCOPED_TRACE(text);
    const std::string config = WriteConfig(dir, "[transform]\n" + text);
    ExpectOneErrorLine(Reprocessor({"transform", "--config", config}, kIncompleteRecord),
                       {config, "[transform]", key});
  }
}

TEST(PrintConfig, ShowsTheEffectiveValuesOfDefaultsFileAndFlagsWithoutContactingAnything) {
  testing::TempDir dir;
  const std::string config =
      WriteConfig(dir,
                  "brokers = \"127.0.0.1:1\"\n"
                  "[kafka]\n\"client.id\" = \"from-file\"\n\"socket.timeout.ms\" = 1234\n"
                  "[sync]\nmax-batch-ms = 750\ntable = \"" +
                      dir.path() + "/t\"\n");
  auto r = Reprocessor({"sync", "--config", config, "--print-config", "-X", "client.id=from-flag",
                        "--max-batch-records", "42"});
  toml::table printed = PrintedConfig(r);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(printed["sync"]["max-batch-ms"].value<int64_t>(), 750);              // the file
  EXPECT_EQ(printed["sync"]["max-batch-records"].value<int64_t>(), 42);          // a flag
  EXPECT_EQ(printed["sync"]["group"].value<std::string>(), "reprocessor-sync");  // a default
  EXPECT_EQ(printed["sync"]["log-level"].value<std::string>(), "info");          // a job's default
  EXPECT_EQ(printed["kafka"]["bootstrap.servers"].value<std::string>(), "127.0.0.1:1");
  EXPECT_EQ(printed["kafka"]["client.id"].value<std::string>(), "from-flag");  // -X over the file
  EXPECT_EQ(printed["kafka"]["socket.timeout.ms"].value<std::string>(), "1234");
  ASSERT_TRUE(printed["storage"].is_table()) << printed;

  toml::table tool = PrintedConfig(Reprocessor({"read-topic", "--topic", "t", "--print-config"}));
  EXPECT_EQ(tool["read-topic"]["log-level"].value<std::string>(), "error");  // tools stay quiet
  EXPECT_EQ(tool["kafka"]["bootstrap.servers"].value<std::string>(), "localhost:9092");
}

TEST(PrintConfig, MasksEverySecretFromTheFileOrTheFlags) {
  testing::TempDir dir;
  const std::string config = WriteConfig(dir,
                                         "[kafka]\n"
                                         "\"sasl.username\" = \"alice\"\n"
                                         "\"sasl.password\" = \"hunter2-file-1\"\n"
                                         "\"ssl.key.password\" = \"hunter2-file-2\"\n"
                                         "[storage]\n"
                                         "aws_region = \"eu-west-1\"\n"
                                         "aws_secret_access_key = \"hunter2-file-3\"\n"
                                         "aws_session_token = \"hunter2-file-4\"\n"
                                         "[reprocess]\n"
                                         "logic-option = [\"api_token=hunter2-file-5\", \"mode=fast\"]\n");
  auto r = Reprocessor(
      {"reprocess", "--table", "s3://bucket/t", "--output-topic", "out", "-b", "127.0.0.1:1", "--config",
       config, "--print-config", "-X", "sasl.oauthbearer.client.secret=hunter2-flag-6", "-X",
       "ssl.keystore.password=hunter2-flag-7", "--storage-option", "aws_secret_access_key=hunter2-flag-8"});
  toml::table printed = PrintedConfig(r);
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
  EXPECT_EQ(printed["kafka"]["sasl.username"].value<std::string>(), "alice");
  EXPECT_EQ(printed["kafka"]["sasl.password"].value<std::string>(), "<redacted>");
  EXPECT_EQ(printed["kafka"]["ssl.key.password"].value<std::string>(), "<redacted>");
  EXPECT_EQ(printed["kafka"]["ssl.keystore.password"].value<std::string>(), "<redacted>");
  EXPECT_EQ(printed["kafka"]["sasl.oauthbearer.client.secret"].value<std::string>(), "<redacted>");
  EXPECT_EQ(printed["storage"]["aws_region"].value<std::string>(), "eu-west-1");
  EXPECT_EQ(printed["storage"]["aws_secret_access_key"].value<std::string>(), "<redacted>");  // the flag's
  EXPECT_EQ(printed["storage"]["aws_session_token"].value<std::string>(), "<redacted>");
  EXPECT_EQ(printed["reprocess"]["storage-option"][0].value<std::string>(),
            "aws_secret_access_key=<redacted>");
  EXPECT_EQ(printed["reprocess"]["logic-option"][0].value<std::string>(), "api_token=<redacted>");
  EXPECT_EQ(printed["reprocess"]["logic-option"][1].value<std::string>(), "mode=fast");
}

TEST(PrintConfig, WhatItPrintsReadsBackAsTheSameConfiguration) {
  testing::TempDir dir;
  for (const auto& [command, section] : EveryCommand(dir.path())) {
    SCOPED_TRACE(command);
    const std::string config = WriteConfig(dir, "[" + command + "]\n" + section);
    auto first = Reprocessor({command, "--config", config, "--print-config", "--log-format", "json"});
    toml::table printed = PrintedConfig(first);
    const std::string again = WriteConfig(dir, first.out, "printed.toml");
    EXPECT_EQ(PrintedConfig(Reprocessor({command, "--config", again, "--print-config"})), printed)
        << first.out;
  }
}

}  // namespace
}  // namespace rp
