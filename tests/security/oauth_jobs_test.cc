// Every Kafka command of the binary over SASL/OAUTHBEARER (inside TLS):
// read-topic, sync, stream (both delivery modes) and reprocess connect with the
// client config that `kafka-local start --sasl-oauth-port` writes
// (client-oauth.toml: librdkafka's unsecured-token mode, the token naming
// principal 'reprocessor' with the scope the broker requires). A token config
// without a usable principal, or a token the broker does not accept, fails
// with a clear error instead of a hang.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>

#include "security/secure_broker.h"
#include "support/jobs.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::HeaderValue;
using testing::LogOf;
using testing::ProcessResult;
using testing::ReadAllWithOAuth;
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
  for (int i = 0; i < kRecords; ++i)
    records.push_back({i % kPartitions, testing::VisitRecord(i * 41), {}, {}});
  return records;
}

std::vector<std::string> AllValues() {
  std::vector<std::string> all;
  for (const auto& rec : Input()) all.push_back(*rec.value);
  return all;
}

// `reprocessor <args…> --config client-oauth.toml <extra…>`.
std::vector<std::string> WithOAuthConfig(std::vector<std::string> args,
                                         const std::vector<std::string>& extra = {}) {
  args.insert(args.begin(), ReprocessorBinary());
  args.push_back("--config");
  args.push_back(SharedSecureBroker().oauth_config_path());
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Runs a command that must end on its own, under `timeout` so a hang fails
// the test instead of blocking it; also returns the wall time.
ProcessResult RunBounded(std::vector<std::string> argv, int seconds, double* elapsed_s = nullptr) {
  argv.insert(argv.begin(), {"timeout", "-k", "5", std::to_string(seconds)});
  auto t0 = std::chrono::steady_clock::now();
  ProcessResult r = RunProcess(argv);
  if (elapsed_s) *elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The input topic, produced over OAUTHBEARER once for the suite.
class OAuthJobsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SharedSecureBroker().CreateTopic("oauth_visits", kPartitions);
    testing::ProduceWithOAuth("oauth_visits", Input());
  }
};

TEST_F(OAuthJobsTest, TheClientConfigFileAsksLibrdkafkaForAnUnsecuredTokenOverTls) {
  auto config = SharedSecureBroker().OAuthConfig();
  auto value = [&](const std::string& key) { return config.Get(key).value_or("<unset>"); };
  EXPECT_EQ(value("bootstrap.servers"), SharedSecureBroker().oauth_bootstrap());
  EXPECT_EQ(value("security.protocol"), "SASL_SSL");
  EXPECT_EQ(value("sasl.mechanisms"), "OAUTHBEARER");
  EXPECT_EQ(value("enable.sasl.oauthbearer.unsecure.jwt"), "true");
  EXPECT_EQ(value("sasl.oauthbearer.config"), "principal=reprocessor scope=kafka-local");
  EXPECT_EQ(value("ssl.ca.location"), SharedSecureBroker().ca_path());
}

TEST_F(OAuthJobsTest, ReadTopicWithTheOAuthConfigFileShowsTheRecordsProducedOverOAuthBearer) {
  auto r = RunProcess(WithOAuthConfig({"read-topic", "--topic", "oauth_visits", "--format", "jsonl"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& rec : Input()) {
    std::string quoted = "\"";
    for (char c : *rec.value) quoted += c == '"' ? std::string("\\\"") : std::string(1, c);  // ASCII, no '\\'
    quoted += '"';
    EXPECT_TRUE(Contains(r.out, "{\"value\":" + quoted + ",\"partition\":" + std::to_string(rec.partition)))
        << rec.value.value() << " missing from:\n"
        << r.out;
  }
  EXPECT_EQ(Lines(r.out), kRecords);
}

// sync -> table, then reprocess 0 2 from the table, and stream in both
// delivery modes beside them (exactly-once: transactions over OAUTHBEARER),
// every one with --config client-oauth.toml alone.
TEST_F(OAuthJobsTest, SyncStreamAndReprocessAllRunOverOAuthBearer) {
  testing::TempDir dir;
  const std::string table = dir.path() + "/visits_raw";
  SharedSecureBroker().CreateTopic("oauth_alo_out", kPartitions);
  SharedSecureBroker().CreateTopic("oauth_eos_out", kPartitions);
  SharedSecureBroker().CreateTopic("oauth_reprocess_out", kPartitions);

  BackgroundProcess at_least_once(
      WithOAuthConfig({"stream", "--input-topic", "oauth_visits", "--output-topic", "oauth_alo_out",
                       "--group", "oauth_alo", "--timezone", "UTC"}),
      dir.path() + "/stream_alo.log");
  BackgroundProcess exactly_once(
      WithOAuthConfig({"stream", "--input-topic", "oauth_visits", "--output-topic", "oauth_eos_out",
                       "--group", "oauth_eos", "--timezone", "UTC", "--delivery", "exactly-once"}),
      dir.path() + "/stream_eos.log");
  {
    BackgroundProcess sync(WithOAuthConfig({"sync", "--topic", "oauth_visits", "--table", table, "--group",
                                            "oauth_sync", "--timezone", "UTC"}),
                           dir.path() + "/sync.log");
    ASSERT_TRUE(WaitFor([&] { return testing::TableRows(table) >= kRecords; }, 120000)) << LogOf(sync);
    sync.Signal(SIGTERM);
    ASSERT_EQ(sync.Wait(30000), 0) << LogOf(sync);
  }
  EXPECT_EQ(testing::TableRows(table), kRecords);

  auto reprocess = RunProcess(
      WithOAuthConfig({"reprocess", "0", "2", "--table", table, "--output-topic", "oauth_reprocess_out"}));
  ASSERT_EQ(reprocess.exit_code, 0) << reprocess.err;

  ASSERT_TRUE(WaitFor([] { return ReadAllWithOAuth("oauth_alo_out").size() >= kRecords; }, 120000))
      << LogOf(at_least_once);
  ASSERT_TRUE(WaitFor([] { return ReadAllWithOAuth("oauth_eos_out", true).size() >= kRecords; }, 120000))
      << LogOf(exactly_once);
  at_least_once.Signal(SIGTERM);
  exactly_once.Signal(SIGTERM);
  ASSERT_EQ(at_least_once.Wait(30000), 0) << LogOf(at_least_once);
  ASSERT_EQ(exactly_once.Wait(30000), 0) << LogOf(exactly_once);

  std::vector<std::string> first_three;
  for (int i = 0; i < kRecords; ++i) {
    if (i / kPartitions <= 2) first_three.push_back(AllValues()[i]);  // offsets 0..2 of each partition
  }
  EXPECT_EQ(Values(ReadAllWithOAuth("oauth_alo_out")), Transformed(AllValues()));
  EXPECT_EQ(Values(ReadAllWithOAuth("oauth_eos_out", true)), Transformed(AllValues()));
  auto reprocessed = ReadAllWithOAuth("oauth_reprocess_out");
  EXPECT_EQ(Values(reprocessed), Transformed(first_three));
  for (const auto& r : reprocessed) {
    auto offset = HeaderValue(r, "source-offset");
    ASSERT_TRUE(offset.has_value());
    EXPECT_LE(std::stoi(*offset), 2);
  }
}

// librdkafka builds the unsecured token from sasl.oauthbearer.config; one
// without principal= cannot make a token. read-topic says so in one line at
// once; a long-running job logs the same reason and gives up (exit 1).
TEST_F(OAuthJobsTest, ATokenConfigWithoutAPrincipalIsRejectedWithAClearError) {
  double elapsed = 0;
  ProcessResult r = RunBounded(WithOAuthConfig({"read-topic", "--topic", "oauth_visits"},
                                               {"-X", "sasl.oauthbearer.config=scope=kafka-local"}),
                               120, &elapsed);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  EXPECT_TRUE(Contains(r.err, "sasl.oauthbearer.config: no principal=")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_LT(elapsed, 15) << "read-topic took " << elapsed << " s to report a token it can never make";

  testing::TempDir dir;
  ProcessResult sync = RunBounded(
      WithOAuthConfig({"sync", "--topic", "oauth_visits", "--table", dir.path() + "/never", "--group",
                       "oauth_no_principal", "--timezone", "UTC", "--broker-timeout", "10"},
                      {"-X", "sasl.oauthbearer.config=scope=kafka-local"}),
      120, &elapsed);
  EXPECT_EQ(sync.exit_code, 1) << sync.err;
  EXPECT_TRUE(Contains(sync.err, "no principal=")) << sync.err;
  EXPECT_EQ(testing::TableRows(dir.path() + "/never"), -1) << "a job that never connected created its table";
  std::fprintf(stderr, "sync without a principal failed after %.1f s\n", elapsed);
}

TEST_F(OAuthJobsTest, APrincipalWithAQuoteIsRejectedWithAClearError) {
  ProcessResult r = RunBounded(WithOAuthConfig({"read-topic", "--topic", "oauth_visits"},
                                               {"-X", "sasl.oauthbearer.config=principal=re\"processor"}),
                               120);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  EXPECT_TRUE(Contains(r.err, "cannot appear in principal")) << r.err;
}

// The broker side: the token is well formed but lacks the scope the OAUTH
// listener requires, so the broker refuses the login and says why.
TEST_F(OAuthJobsTest, ATokenWithoutTheRequiredScopeIsRefusedByTheBroker) {
  double elapsed = 0;
  ProcessResult r = RunBounded(WithOAuthConfig({"read-topic", "--topic", "oauth_visits"},
                                               {"-X", "sasl.oauthbearer.config=principal=reprocessor"}),
                               120, &elapsed);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  EXPECT_TRUE(Contains(r.err, "authentication failed")) << r.err;
  EXPECT_TRUE(Contains(r.err, "insufficient_scope")) << r.err;
  EXPECT_LT(elapsed, 15) << "read-topic took " << elapsed << " s to report a refused login";
}

}  // namespace
}  // namespace rp
