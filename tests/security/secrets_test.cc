// Passwords never leave the config: not in job logs, error messages or
// --help output; a wrong password or a PLAINTEXT client on the SASL_SSL
// port fails clearly and in bounded time.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>

#include "security/secure_broker.h"
#include "support/jobs.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::LogOf;
using testing::ProcessResult;
using testing::ReprocessorBinary;
using testing::RunProcess;
using testing::SharedSecureBroker;
using testing::WaitFor;

// A password nobody has: what a wrong password looks like in any output.
const std::string kWrongPassword = "wrong-Pa55word-" + std::to_string(::getpid());

std::vector<std::string> Command(std::vector<std::string> args, const std::vector<std::string>& extra) {
  args.insert(args.begin(), ReprocessorBinary());
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

int Lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool MentionsAuthentication(const std::string& s) {
  return Contains(s, "uthenticat");  // Authentication, authenticate, ...
}

class SecretsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SharedSecureBroker().CreateTopic("sec_secrets", 1);
    testing::ProduceSecurely("sec_secrets", {{0, testing::VisitRecord(1), {}, {}}, {0, testing::VisitRecord(2), {}, {}}});
  }
  const std::string& password() { return SharedSecureBroker().password(); }
  std::vector<std::string> ConfigWithPassword(const std::string& password) {
    return {"--config", SharedSecureBroker().client_config_path(), "-X", "sasl.password=" + password};
  }
};

TEST_F(SecretsTest, WrongPasswordFailsReadTopicWithOneLineAboutAuthenticationThatHidesThePassword) {
  double elapsed = 0;
  ProcessResult r = RunBounded(
      Command({"read-topic", "--topic", "sec_secrets"}, ConfigWithPassword(kWrongPassword)), 120, &elapsed);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.exit_code, 124) << "read-topic hung with a wrong password";
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  EXPECT_TRUE(MentionsAuthentication(r.err)) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(Contains(r.err, kWrongPassword)) << r.err;
  EXPECT_FALSE(Contains(r.err, password())) << r.err;
  std::fprintf(stderr, "read-topic with a wrong password failed after %.1f s\n", elapsed);
}

// Both jobs at once. A refused login ends each at once (sasl_jobs_test.cc
// times every command); here the point is what their logs say.
TEST_F(SecretsTest, WrongPasswordStopsStreamAndSyncAndTheirLogsSayWhyWithoutThePassword) {
  testing::TempDir dir;
  const auto flags = ConfigWithPassword(kWrongPassword);
  BackgroundProcess stream(Command({"stream", "--input-topic", "sec_secrets", "--output-topic", "sec_never",
                                    "--group", "sec_wrong", "--broker-timeout", "5"},
                                   flags),
                           dir.path() + "/stream.log");
  BackgroundProcess sync(Command({"sync", "--topic", "sec_secrets", "--table", dir.path() + "/never", "--group",
                                  "sec_wrong", "--broker-timeout", "5"},
                                 flags),
                         dir.path() + "/sync.log");
  auto t0 = std::chrono::steady_clock::now();
  for (auto* job : {&stream, &sync}) {
    int code = job->Wait(120000);
    EXPECT_NE(code, -1) << job->log_path() << " still runs after 120 s with a wrong password";
    EXPECT_NE(code, 0) << LogOf(*job);
    std::string log = LogOf(*job);
    EXPECT_TRUE(MentionsAuthentication(log)) << log;
    EXPECT_FALSE(Contains(log, kWrongPassword)) << log;
    EXPECT_FALSE(Contains(log, password())) << log;
  }
  std::fprintf(stderr, "stream and sync with a wrong password both failed within %.1f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// The jobs at work with the real password: their whole logs (librdkafka's
// lines included) never contain it.
TEST_F(SecretsTest, StreamAndSyncLogsNeverContainThePassword) {
  testing::TempDir dir;
  SharedSecureBroker().CreateTopic("sec_secrets_out", 1);
  const std::vector<std::string> config = {"--config", SharedSecureBroker().client_config_path()};
  BackgroundProcess stream(Command({"stream", "--input-topic", "sec_secrets", "--output-topic", "sec_secrets_out",
                                    "--group", "sec_logs", "--timezone", "UTC"},
                                   config),
                           dir.path() + "/stream.log");
  BackgroundProcess sync(
      Command({"sync", "--topic", "sec_secrets", "--table", dir.path() + "/table", "--timezone", "UTC"}, config),
      dir.path() + "/sync.log");
  ASSERT_TRUE(WaitFor([] { return testing::ReadAllSecurely("sec_secrets_out").size() >= 2; }, 120000))
      << LogOf(stream);
  ASSERT_TRUE(WaitFor([&] { return testing::TableRows(dir.path() + "/table") >= 2; }, 120000)) << LogOf(sync);
  stream.Signal(SIGTERM);
  sync.Signal(SIGTERM);
  ASSERT_EQ(stream.Wait(30000), 0) << LogOf(stream);
  ASSERT_EQ(sync.Wait(30000), 0) << LogOf(sync);

  for (const auto* job : {&stream, &sync}) {
    std::string log = LogOf(*job);
    EXPECT_FALSE(log.empty()) << "the jobs log at info level, so the check below sees something";
    EXPECT_FALSE(Contains(log, password())) << job->log_path();
  }
}

TEST_F(SecretsTest, HelpOutputNeverContainsConfigValues) {
  const std::vector<std::string> secrets = ConfigWithPassword(kWrongPassword);
  for (const std::string cmd : {"read-topic", "stream", "sync", "reprocess"}) {
    ProcessResult r = RunBounded(Command({cmd}, {secrets[0], secrets[1], secrets[2], secrets[3], "--help"}), 60);
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.err;
    EXPECT_TRUE(Contains(r.out, "--config")) << cmd << " --help lists the options:\n" << r.out;
    EXPECT_FALSE(Contains(r.out + r.err, kWrongPassword)) << cmd << ":\n" << r.out << r.err;
    EXPECT_FALSE(Contains(r.out + r.err, password())) << cmd << ":\n" << r.out << r.err;
  }
  ProcessResult top = RunBounded(Command({"--help"}, {}), 60);
  EXPECT_FALSE(Contains(top.out + top.err, password()));
}

// Misspelled or inconsistent settings are usage errors (one line, exit 2)
// whose message never repeats the secret value.
TEST_F(SecretsTest, BadPropertyErrorsNeverEchoThePassword) {
  testing::TempDir dir;
  const std::string secret = "S3cret-" + std::to_string(::getpid());
  const std::vector<std::vector<std::string>> cases = {
      {"-X", "sasl.password " + secret},                                   // '=' missing
      {"-X", "sasl.password:" + secret},                                   // ':' for '='
      {"-X", "=" + secret},                                                // no property name
      {"-X", "sasl.passwd=" + secret},                                     // no such property
      {"--config", SharedSecureBroker().client_config_path(), "-X", "ssl.keystore.password=" + secret, "-X",
       "ssl.keystore.location=/nonexistent.p12"},
      {"-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=SCRAM-SHA-512",  // no username
       "-X", "sasl.password=" + secret},
      {"-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=NO-SUCH-MECHANISM", "-X",
       "sasl.username=reprocessor", "-X", "sasl.password=" + secret},
      {"-X", "sasl.oauthbearer.config=principal=" + secret, "-X", "sasl.mechanisms=OAUTHBEARER", "-X",
       "security.protocol=SASL_SSL", "-X", "enable.sasl.oauthbearer.unsecure.jwt=maybe"},
  };
  for (const auto& flags : cases) {
    std::vector<std::string> argv = {"read-topic", "--topic", "sec_secrets", "-b", SharedSecureBroker().sasl_bootstrap()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    ProcessResult r = RunBounded(Command(argv, {}), 60);
    std::string shown;
    for (const auto& f : flags) shown += f + " ";
    EXPECT_EQ(r.exit_code, 2) << shown << "\n" << r.err;
    EXPECT_EQ(Lines(r.err), 1) << shown << "\n" << r.err;
    EXPECT_FALSE(Contains(r.out + r.err, secret)) << shown << "\n" << r.err;
  }

  // A password without quotes is a TOML syntax error; the message names the line, not the value.
  const std::string file = dir.path() + "/bad.toml";
  std::ofstream(file) << "brokers = \"" << SharedSecureBroker().sasl_bootstrap() << "\"\n[kafka]\n"
                      << "\"sasl.password\" = " << secret << "\n";
  ProcessResult r = RunBounded(Command({"read-topic", "--topic", "sec_secrets", "--config", file}, {}), 60);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(Contains(r.out + r.err, secret)) << r.err;
  EXPECT_FALSE(Contains(r.out + r.err, secret.substr(1))) << r.err;
}

TEST_F(SecretsTest, PlaintextClientToTheSaslSslPortFailsInsteadOfHanging) {
  testing::TempDir dir;
  BackgroundProcess sync(Command({"sync", "--topic", "sec_secrets", "--table", dir.path() + "/t", "-b",
                                  SharedSecureBroker().sasl_bootstrap(), "--broker-timeout", "5"},
                                 {}),
                         dir.path() + "/sync.log");
  double elapsed = 0;
  ProcessResult r = RunBounded(
      Command({"read-topic", "--topic", "sec_secrets", "-b", SharedSecureBroker().sasl_bootstrap()}, {}), 120,
      &elapsed);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.exit_code, 124) << "a PLAINTEXT read-topic hung on the SASL_SSL port";
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  std::fprintf(stderr, "PLAINTEXT read-topic on the SASL_SSL port failed after %.1f s: %s", elapsed, r.err.c_str());

  int code = sync.Wait(120000);
  EXPECT_NE(code, -1) << "a PLAINTEXT sync still runs on the SASL_SSL port after 120 s";
  EXPECT_NE(code, 0) << LogOf(sync);
}

}  // namespace
}  // namespace rp
