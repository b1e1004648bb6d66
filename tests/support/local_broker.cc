#include "support/local_broker.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace rp::testing {

std::string KafkaLocalScript() { return std::string(RP_SOURCE_DIR) + "/scripts/kafka-local"; }
std::string ReprocessorBinary() { return std::string(RP_BINARY_DIR) + "/reprocessor"; }

LocalBroker::LocalBroker() : port_(FreePort()), bootstrap_("127.0.0.1:" + std::to_string(port_)) { Start(); }

void LocalBroker::Stop() {
  RunProcess({KafkaLocalScript(), "stop", "--data-dir", dir_.path() + "/kafka"});
  running_ = false;
}

void LocalBroker::Start() {
  ProcessResult r = RunProcess(
      {KafkaLocalScript(), "start", "--port", std::to_string(port_), "--data-dir", dir_.path() + "/kafka"});
  if (r.exit_code != 0) {
    std::fprintf(stderr, "cannot start the test broker (exit %d):\n%s%s\n", r.exit_code, r.out.c_str(),
                 r.err.c_str());
    std::abort();
  }
  running_ = true;
}

LocalBroker::~LocalBroker() {
  if (running_) Stop();
}

ProcessResult LocalBroker::Script(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {KafkaLocalScript()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv);
}

void LocalBroker::CreateTopic(const std::string& topic, int partitions) {
  ProcessResult r = Script({"create-topic", "--port", std::to_string(port_), "--topic", topic, "--partitions",
                            std::to_string(partitions)});
  if (r.exit_code != 0) {
    std::fprintf(stderr, "cannot create topic %s: %s%s\n", topic.c_str(), r.out.c_str(), r.err.c_str());
    std::abort();
  }
}

}  // namespace rp::testing

namespace rp::testing {
namespace {

bool shared_broker_used = false;

// Stops the shared broker once every test has run, not from its destructor
// at exit: destructors run in reverse order of construction, so a library
// first used after the broker started is already torn down by then, and
// forking scripts/kafka-local can hang in its at-fork handler (Arrow's, after
// a test used an S3 table in-process).
class SharedBrokerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (shared_broker_used) SharedBroker().Stop();
  }
};
[[maybe_unused]] ::testing::Environment* const shared_broker_environment =
    ::testing::AddGlobalTestEnvironment(new SharedBrokerEnvironment);

}  // namespace

LocalBroker& SharedBroker() {
  static LocalBroker broker;
  shared_broker_used = true;
  return broker;
}
}  // namespace rp::testing
