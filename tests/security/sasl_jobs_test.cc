// Every Kafka command of the binary over SASL_SSL (SCRAM-SHA-512 over TLS):
// read-topic, sync, stream and reprocess connect with the client config that
// `kafka-local start --sasl-ssl-port` writes (--config), or with the same
// settings as -X flags.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <sstream>

#include "security/secure_broker.h"
#include "support/jobs.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::HeaderValue;
using testing::LogOf;
using testing::ProcessResult;
using testing::ReadAllSecurely;
using testing::ReprocessorBinary;
using testing::RunProcess;
using testing::SharedSecureBroker;
using testing::TestRecord;
using testing::Transformed;
using testing::Values;
using testing::WaitFor;

constexpr int kPartitions = 3;
constexpr int kRecords = 12;  // 4 per partition

// The input records, record i on partition i % 3 (so at offset i / 3).
std::vector<TestRecord> Input() {
  std::vector<TestRecord> records;
  for (int i = 0; i < kRecords; ++i) records.push_back({i % kPartitions, testing::VisitRecord(i * 37), {}, {}});
  return records;
}

std::vector<std::string> Command(std::vector<std::string> args, const std::vector<std::string>& connection) {
  args.insert(args.begin(), ReprocessorBinary());
  args.insert(args.end(), connection.begin(), connection.end());
  return args;
}

std::vector<std::string> WithConfigFile() { return {"--config", SharedSecureBroker().client_config_path()}; }
std::vector<std::string> WithFlags() { return SharedSecureBroker().SaslFlags(SharedSecureBroker().password()); }

// The input topic, produced over SASL_SSL once for the suite.
class SaslJobsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SharedSecureBroker().CreateTopic("sec_visits", kPartitions);
    testing::ProduceSecurely("sec_visits", Input());
  }
};

TEST_F(SaslJobsTest, ReadTopicWithTheClientConfigFileShowsTheRecordsProducedOverSaslSsl) {
  auto r = RunProcess(Command({"read-topic", "--topic", "sec_visits", "--format", "jsonl"}, WithConfigFile()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& rec : Input()) {
    std::string quoted = "\"";
    for (char c : *rec.value) quoted += c == '"' ? std::string("\\\"") : std::string(1, c);  // ASCII, no '\\'
    quoted += '"';
    EXPECT_NE(r.out.find("{\"value\":" + quoted + ",\"partition\":" + std::to_string(rec.partition)),
              std::string::npos)
        << rec.value.value() << " missing from:\n" << r.out;
  }
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), kRecords);
}

TEST_F(SaslJobsTest, ReadTopicWithDashXFlagsAloneConnectsOverSaslSsl) {
  auto r = RunProcess(Command({"read-topic", "--topic", "sec_visits", "--format", "jsonl"}, WithFlags()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), kRecords) << r.out;
}

// sync -> table, then reprocess 0 2 from the table (with -X flags), and stream
// (exactly-once: transactions over SASL_SSL) beside them; read-topic shows both outputs.
TEST_F(SaslJobsTest, SyncStreamAndReprocessAllRunOverSaslSsl) {
  testing::TempDir dir;
  const std::string table = dir.path() + "/visits_raw";
  SharedSecureBroker().CreateTopic("sec_stream_out", kPartitions);
  SharedSecureBroker().CreateTopic("sec_reprocess_out", kPartitions);

  BackgroundProcess stream(Command({"stream", "--input-topic", "sec_visits", "--output-topic", "sec_stream_out",
                                    "--group", "sec_stream", "--timezone", "UTC", "--delivery", "exactly-once"},
                                   WithConfigFile()),
                           dir.path() + "/stream.log");
  {
    BackgroundProcess sync(Command({"sync", "--topic", "sec_visits", "--table", table, "--group", "sec_sync",
                                    "--timezone", "UTC"},
                                   WithConfigFile()),
                           dir.path() + "/sync.log");
    ASSERT_TRUE(WaitFor([&] { return testing::TableRows(table) >= kRecords; }, 120000)) << LogOf(sync);
    sync.Signal(SIGTERM);
    ASSERT_EQ(sync.Wait(30000), 0) << LogOf(sync);
  }
  EXPECT_EQ(testing::TableRows(table), kRecords);

  auto reprocess = RunProcess(
      Command({"reprocess", "0", "2", "--table", table, "--output-topic", "sec_reprocess_out"}, WithFlags()));
  ASSERT_EQ(reprocess.exit_code, 0) << reprocess.err;

  ASSERT_TRUE(WaitFor([] { return ReadAllSecurely("sec_stream_out", true).size() >= kRecords; }, 120000))
      << LogOf(stream);
  stream.Signal(SIGTERM);
  ASSERT_EQ(stream.Wait(30000), 0) << LogOf(stream);

  std::vector<std::string> all, first_three;
  for (const auto& rec : Input()) all.push_back(*rec.value);
  for (int i = 0; i < kRecords; ++i) {
    if (i / kPartitions <= 2) first_three.push_back(all[i]);  // offsets 0..2 of each partition
  }
  EXPECT_EQ(Values(ReadAllSecurely("sec_stream_out", true)), Transformed(all));
  auto reprocessed = ReadAllSecurely("sec_reprocess_out");
  EXPECT_EQ(Values(reprocessed), Transformed(first_three));
  for (const auto& r : reprocessed) {
    auto offset = HeaderValue(r, "source-offset");
    ASSERT_TRUE(offset.has_value());
    EXPECT_LE(std::stoi(*offset), 2);
  }

  // read-topic over SASL_SSL sees what the jobs wrote.
  auto shown = RunProcess(Command({"read-topic", "--topic", "sec_reprocess_out"}, WithConfigFile()));
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  for (const auto& value : Transformed(first_three)) EXPECT_NE(shown.out.find(value), std::string::npos) << value;
}

// A wrong password: every Kafka command fails as soon as the broker refuses
// the login (librdkafka's authentication error), not after the 30 s a
// metadata request waits, with exit 1 and the refusal as its one
// "reprocessor:" line, which is the last line and never shows a password.
TEST_F(SaslJobsTest, WrongPasswordFailsEveryKafkaCommandWithinSecondsOnOneLine) {
  testing::TempDir dir;
  // reprocess reads its table before it connects: one synced with the right password.
  const std::string table = dir.path() + "/visits_raw";
  {
    BackgroundProcess sync(Command({"sync", "--topic", "sec_visits", "--table", table, "--group",
                                    "sec_sync_for_wrong", "--timezone", "UTC"},
                                   WithConfigFile()),
                           dir.path() + "/sync.log");
    ASSERT_TRUE(WaitFor([&] { return testing::TableRows(table) >= kRecords; }, 120000)) << LogOf(sync);
    sync.Signal(SIGTERM);
    ASSERT_EQ(sync.Wait(30000), 0) << LogOf(sync);
  }
  const std::string wrong = "wrong-Pa55word-" + std::to_string(::getpid());
  const std::vector<std::string> connection = {"--config", SharedSecureBroker().client_config_path(), "-X",
                                               "sasl.password=" + wrong};
  const std::string never_table = dir.path() + "/never";
  const std::vector<std::vector<std::string>> commands = {
      {"read-topic", "--topic", "sec_visits"},
      {"sync", "--topic", "sec_visits", "--table", never_table, "--group", "sec_wrong_sync"},
      {"stream", "--input-topic", "sec_visits", "--output-topic", "sec_never_out", "--group",
       "sec_wrong_stream"},
      {"stream", "--input-topic", "sec_visits", "--output-topic", "sec_never_out", "--group", "sec_wrong_eos",
       "--delivery", "exactly-once"},
      {"reprocess", "0", "2", "--table", table, "--output-topic", "sec_never_out"},
  };
  for (const auto& args : commands) {
    const std::string name = args[0] + (args.back() == "exactly-once" ? " (exactly-once)" : "");
    std::vector<std::string> argv = Command(args, connection);
    argv.insert(argv.begin(), {"timeout", "-k", "5", "60"});  // a hang fails the test, not the suite
    const auto t0 = std::chrono::steady_clock::now();
    ProcessResult r = RunProcess(argv);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.exit_code, 1) << name << ":\n" << r.err;
    EXPECT_LT(seconds, 10.0) << name << " took " << seconds << " s to give up on a refused login";
    std::vector<std::string> ours;  // the command's own error lines (the rest is its log)
    std::string last;
    std::istringstream lines(r.err);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("reprocessor: ", 0) == 0) ours.push_back(line);
      last = line;
    }
    EXPECT_EQ(ours.size(), 1u) << name << ":\n" << r.err;
    EXPECT_EQ(last.rfind("reprocessor: authentication failed: ", 0), 0u) << name << ":\n" << r.err;
    EXPECT_NE(last.find("SASL authentication error"), std::string::npos) << name << ":\n" << r.err;
    EXPECT_EQ((r.out + r.err).find(wrong), std::string::npos) << name;
    EXPECT_EQ((r.out + r.err).find(SharedSecureBroker().password()), std::string::npos) << name;
    std::fprintf(stderr, "%s with a wrong password failed in %.1f s\n", name.c_str(), seconds);
  }
  EXPECT_FALSE(std::filesystem::exists(never_table)) << "sync created its table before the broker let it in";
}

}  // namespace
}  // namespace rp
