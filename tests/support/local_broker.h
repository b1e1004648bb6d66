// Test support: a real Kafka broker for one test binary, started through
// scripts/kafka-local on a free port with its own data dir.
#pragma once

#include <memory>
#include <string>

#include "support/process.h"

namespace rp::testing {

class LocalBroker {
 public:
  // Starts the broker; aborts the test binary with a message if it cannot.
  LocalBroker();
  ~LocalBroker();  // stops it and removes its data

  const std::string& bootstrap() const { return bootstrap_; }
  int port() const { return port_; }
  void CreateTopic(const std::string& topic, int partitions);
  // Stops / restarts the same broker (same port and data).
  void Stop();
  void Start();
  // Runs scripts/kafka-local with the given subcommand and this broker's options.
  ProcessResult Script(const std::vector<std::string>& args);

 private:
  TempDir dir_;
  bool running_ = false;  // so that the destructor stops only a running broker
  int port_;
  std::string bootstrap_;
};

// The path of scripts/kafka-local and of the built binary.
std::string KafkaLocalScript();
std::string ReprocessorBinary();

}  // namespace rp::testing

namespace rp::testing {
// One broker shared by every test in a binary, started on first use and
// stopped once every test has run (before exit: see local_broker.cc).
LocalBroker& SharedBroker();
}  // namespace rp::testing
