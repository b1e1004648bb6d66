// Bad input at the command line, for every command: one error line, exit 2,
// and nothing written: no table directory, no topic, no record, no table
// version.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "reliability.h"

namespace rp::reliability {
namespace {

using testing::SharedBroker;

// Placeholders in a case's arguments.
constexpr const char* kTable = "{table}";          // an existing raw table of kInputTopic
constexpr const char* kNewTable = "{new-table}";   // a path that must stay absent
constexpr const char* kDir = "{dir}";              // a directory (not a config file)
constexpr const char* kInputTopic = "rel_bad_in";
constexpr const char* kOutputTopic = "rel_bad_out";
constexpr const char* kMissingTopic = "rel_bad_missing";
constexpr const char* kUnusedOutputTopic = "rel_bad_out_unused";  // no <topic>-dlq yet

struct BadInputCase {
  std::string name;
  std::vector<std::string> args;
  std::string mentions;  // the error line names the culprit
};

std::ostream& operator<<(std::ostream& os, const BadInputCase& c) { return os << c.name; }

std::vector<BadInputCase> Cases() {
  const std::string in = kInputTopic, out = kOutputTopic, missing = kMissingTopic;
  const std::string zone_help = "unknown time zone 'Mars/Base'";
  return {
      // sync
      {"sync_unknown_flag", {"sync", "--topic", in, "--table", kNewTable, "--frobnicate"}, "--frobnicate"},
      {"sync_without_table", {"sync", "--topic", in}, "--table"},
      {"sync_unknown_zone", {"sync", "--topic", in, "--table", kNewTable, "--timezone", "Mars/Base"}, zone_help},
      {"sync_zero_batch", {"sync", "--topic", in, "--table", kNewTable, "--max-batch-records", "0"},
       "--max-batch-records"},
      {"sync_negative_batch_wait", {"sync", "--topic", in, "--table", kNewTable, "--max-batch-ms", "-5"},
       "--max-batch-ms"},
      {"sync_unknown_kafka_property", {"sync", "--topic", in, "--table", kNewTable, "-X", "no.such.property=1"},
       "no.such.property"},
      {"sync_config_is_a_directory", {"sync", "--topic", in, "--table", kNewTable, "--config", kDir}, kDir},
      {"sync_config_missing", {"sync", "--topic", in, "--table", kNewTable, "--config", "/nonexistent/rp.toml"},
       "/nonexistent/rp.toml"},
      {"sync_missing_topic", {"sync", "--topic", missing, "--table", kNewTable}, missing},
      {"sync_zone_differs_from_table", {"sync", "--topic", in, "--table", kTable, "--timezone", "Asia/Tokyo"},
       "Asia/Tokyo"},
      // stream
      {"stream_unknown_flag", {"stream", "--input-topic", in, "--output-topic", out, "--frobnicate"},
       "--frobnicate"},
      {"stream_unknown_delivery", {"stream", "--input-topic", in, "--output-topic", out, "--delivery", "twice"},
       "twice"},
      {"stream_unknown_partitioning",
       {"stream", "--input-topic", in, "--output-topic", out, "--partitioning", "sideways"}, "sideways"},
      {"stream_unknown_zone", {"stream", "--input-topic", in, "--output-topic", out, "--timezone", "Mars/Base"},
       zone_help},
      {"stream_zero_batch", {"stream", "--input-topic", in, "--output-topic", out, "--max-batch-records", "0"},
       "--max-batch-records"},
      {"stream_config_is_a_directory", {"stream", "--input-topic", in, "--output-topic", out, "--config", kDir},
       kDir},
      {"stream_missing_input_topic", {"stream", "--input-topic", missing, "--output-topic", kUnusedOutputTopic},
       missing},
      {"stream_missing_output_topic", {"stream", "--input-topic", in, "--output-topic", missing}, missing},
      // reprocess
      {"reprocess_reversed_range", {"reprocess", "5", "2", "--table", kTable, "--output-topic", out}, "5"},
      {"reprocess_negative_range", {"reprocess", "-1", "3", "--table", kTable, "--output-topic", out},
       "negative"},
      {"reprocess_start_without_end", {"reprocess", "5", "--table", kTable, "--output-topic", out}, "END"},
      {"reprocess_malformed_json",
       {"reprocess", "--table", kTable, "--output-topic", out, "--starting-offsets", "{nope"}, "{nope"},
      {"reprocess_json_of_another_topic",
       {"reprocess", "--table", kTable, "--output-topic", out, "--starting-offsets", R"({"other":{"0":1}})"},
       "other"},
      {"reprocess_negative_json_offset",
       {"reprocess", "--table", kTable, "--output-topic", out, "--starting-offsets",
        R"({")" + in + R"(":{"0":-5}})"},
       "-5"},
      {"reprocess_earliest_as_end",
       {"reprocess", "--table", kTable, "--output-topic", out, "--ending-offsets", R"({")" + in + R"(":{"0":-2}})"},
       "-2"},
      {"reprocess_reversed_json_range",
       {"reprocess", "--table", kTable, "--output-topic", out, "--starting-offsets", R"({")" + in + R"(":{"0":5}})",
        "--ending-offsets", R"({")" + in + R"(":{"0":2}})"},
       "5"},
      {"reprocess_reversed_time_range",
       {"reprocess", "--table", kTable, "--output-topic", out, "--since", "2025-09-05", "--until", "2025-09-04"},
       "--since"},
      {"reprocess_bad_time", {"reprocess", "--table", kTable, "--output-topic", out, "--since", "yesterday"},
       "yesterday"},
      {"reprocess_negative_rate", {"reprocess", "0", "1", "--table", kTable, "--output-topic", out, "--max-rate", "-5"},
       "--max-rate"},
      {"reprocess_missing_table", {"reprocess", "0", "1", "--table", kNewTable, "--output-topic", out}, kNewTable},
      {"reprocess_missing_output_topic", {"reprocess", "0", "1", "--table", kTable, "--output-topic", missing},
       missing},
      {"reprocess_config_is_a_directory",
       {"reprocess", "0", "1", "--table", kTable, "--output-topic", out, "--config", kDir}, kDir},
      // read-table
      {"read_table_missing_table", {"read-table", "--table", kNewTable}, kNewTable},
      {"read_table_negative_version", {"read-table", "--table", kTable, "--version", "-1"}, "--version"},
      {"read_table_future_version", {"read-table", "--table", kTable, "--version", "999"}, "999"},
      {"read_table_unknown_format", {"read-table", "--table", kTable, "--format", "xml"}, "xml"},
      {"read_table_unknown_flag", {"read-table", "--table", kTable, "--frobnicate"}, "--frobnicate"},
      // table-info
      {"table_info_missing_table", {"table-info", "--table", kNewTable}, kNewTable},
      {"table_info_negative_version", {"table-info", "--table", kTable, "--version", "-1"}, "--version"},
      {"table_info_future_version", {"table-info", "--table", kTable, "--version", "999"}, "999"},
      {"table_info_unknown_format", {"table-info", "--table", kTable, "--format", "xml"}, "xml"},
      // read-topic
      {"read_topic_missing_topic", {"read-topic", "--topic", missing}, missing},
      {"read_topic_unknown_format", {"read-topic", "--topic", in, "--format", "xml"}, "xml"},
      {"read_topic_unknown_kafka_property", {"read-topic", "--topic", in, "-X", "no.such.property=1"},
       "no.such.property"},
      {"read_topic_config_is_a_directory", {"read-topic", "--topic", in, "--config", kDir}, kDir},
      {"read_topic_config_missing", {"read-topic", "--topic", in, "--config", "/nonexistent/rp.toml"},
       "/nonexistent/rp.toml"},
      // transform
      {"transform_unknown_flag", {"transform", "--frobnicate"}, "--frobnicate"},
      {"transform_unknown_zone", {"transform", "--timezone", "Mars/Base"}, zone_help},
      {"transform_extra_argument", {"transform", "input.jsonl"}, "input.jsonl"},
  };
}

// Every topic of the shared broker, by kcat (an independent client).
std::set<std::string> Topics() {
  auto r = testing::RunProcess({"kcat", "-L", "-b", SharedBroker().bootstrap()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> topics;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    auto pos = line.find("topic \"");
    if (pos == std::string::npos) continue;
    pos += 7;
    topics.insert(line.substr(pos, line.find('"', pos) - pos));
  }
  return topics;
}

// Every file under a directory with its size: a table's on-disk state.
std::map<std::string, uintmax_t> Files(const std::string& dir) {
  std::map<std::string, uintmax_t> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files[e.path().string()] = e.file_size();
  }
  return files;
}

class BadInput : public ::testing::TestWithParam<BadInputCase> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    SharedBroker().CreateTopic(kInputTopic, 2);
    SharedBroker().CreateTopic(kOutputTopic, 2);
    SharedBroker().CreateTopic(kUnusedOutputTopic, 2);
    testing::Produce(SharedBroker().bootstrap(), kInputTopic,
                     {{0, testing::VisitRecord(0), {}, {}}, {1, testing::VisitRecord(1), {}, {}}});
    testing::SyncUntil(kInputTopic, table(), 2, dir_->path());
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string table() { return dir_->path() + "/table"; }
  static testing::TempDir* dir_;
};
testing::TempDir* BadInput::dir_ = nullptr;

TEST_P(BadInput, IsOneErrorLineExitTwoAndWritesNothing) {
  const BadInputCase& c = GetParam();
  const std::string new_table = dir_->path() + "/new-table-" + c.name;
  auto expand = [&](std::string s) {
    for (auto [from, to] : {std::pair<std::string, std::string>{kTable, table()}, {kNewTable, new_table},
                            {kDir, dir_->path()}}) {
      for (size_t pos; (pos = s.find(from)) != std::string::npos;) s.replace(pos, from.size(), to);
    }
    return s;
  };
  std::vector<std::string> argv = {testing::ReprocessorBinary()};
  for (const auto& a : c.args) argv.push_back(expand(a));
  const std::string& command = c.args[0];
  if (command == "sync" || command == "stream" || command == "reprocess" || command == "read-topic") {
    argv.insert(argv.end(), {"-b", SharedBroker().bootstrap()});
  }
  // Should a job accept bad input, it would run forever: stop it after 20 s.
  argv.insert(argv.begin(), {"timeout", "-s", "KILL", "20"});
  const auto topics_before = Topics();
  const auto table_before = Files(table());
  const size_t output_before = ReadTopic(kOutputTopic, false).size();  // an earlier failed case may have written

  auto r = testing::RunProcess(argv);

  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("reprocessor: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(expand(c.mentions)), std::string::npos) << "should mention " << expand(c.mentions) << ": "
                                                                << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(new_table)) << "a table directory was created";
  EXPECT_FALSE(std::filesystem::exists(new_table + "_dlq")) << "a dead-letter table directory was created";
  EXPECT_EQ(Topics(), topics_before) << "topics were created";
  EXPECT_EQ(Files(table()), table_before) << "the table changed";
  EXPECT_EQ(ReadTopic(kOutputTopic, false).size(), output_before) << "records were produced";
  std::printf("RELIABILITY-BAD-INPUT %s exit=%d %s", c.name.c_str(), r.exit_code, r.err.c_str());
}

INSTANTIATE_TEST_SUITE_P(EveryCommand, BadInput, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<BadInputCase>& info) { return info.param.name; });

}  // namespace
}  // namespace rp::reliability
