// Test support for the security tests: one broker per test binary with a
// SASL_SSL listener (SCRAM-SHA-512 over TLS, a local CA) and an OAUTHBEARER
// one (unsecured tokens over TLS), started through `scripts/kafka-local start
// --sasl-ssl-port --sasl-oauth-port`, plus produce/read helpers that go
// through those listeners with our own Kafka layer.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "kafka/client_config.h"
#include "kafka/producer.h"
#include "kafka/topic_snapshot.h"
#include "support/kafka_io.h"
#include "support/local_broker.h"
#include "support/process.h"

namespace rp::testing {

class SecureBroker {
 public:
  // Starts the broker; aborts the test binary with the script's output if it cannot.
  SecureBroker() : port_(FreePort()), sasl_port_(FreePort()), oauth_port_(FreePort()) {
    while (sasl_port_ == port_) sasl_port_ = FreePort();
    while (oauth_port_ == port_ || oauth_port_ == sasl_port_) oauth_port_ = FreePort();
    data_dir_ = dir_.path() + "/kafka";
    auto t0 = std::chrono::steady_clock::now();
    ProcessResult r = RunProcess({KafkaLocalScript(), "start", "--port", std::to_string(port_),
                                  "--sasl-ssl-port", std::to_string(sasl_port_), "--sasl-oauth-port",
                                  std::to_string(oauth_port_), "--data-dir", data_dir_});
    start_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.exit_code != 0) {
      std::fprintf(stderr, "cannot start the SASL test broker (exit %d):\n%s%s\n", r.exit_code, r.out.c_str(),
                   r.err.c_str());
      std::abort();
    }
    password_ = ReadFile(data_dir_ + "/sasl/password");
    while (!password_.empty() && password_.back() == '\n') password_.pop_back();
    if (password_.size() < 16) {
      std::fprintf(stderr, "the SASL_SSL test broker has no usable password in %s/sasl/password\n",
                   data_dir_.c_str());
      std::abort();
    }
    std::fprintf(stderr,
                 "SASL test broker (Kafka %s): PLAINTEXT %d, SASL_SSL %d, OAUTHBEARER %d, started in %.1f s\n",
                 KafkaVersion().c_str(), port_, sasl_port_, oauth_port_, start_seconds_);
  }
  ~SecureBroker() { RunProcess({KafkaLocalScript(), "stop", "--data-dir", data_dir_}); }
  SecureBroker(const SecureBroker&) = delete;
  SecureBroker& operator=(const SecureBroker&) = delete;

  std::string plaintext_bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string sasl_bootstrap() const { return "127.0.0.1:" + std::to_string(sasl_port_); }
  std::string oauth_bootstrap() const { return "127.0.0.1:" + std::to_string(oauth_port_); }
  // The --config files kafka-local wrote for the SASL_SSL and OAUTHBEARER listeners.
  std::string client_config_path() const { return data_dir_ + "/client-sasl.toml"; }
  std::string oauth_config_path() const { return data_dir_ + "/client-oauth.toml"; }
  // The Kafka version the broker runs (kafka-local's record of it).
  std::string KafkaVersion() const {
    std::string v = ReadFile(data_dir_ + "/kafka.version");
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }
  std::string ca_path() const { return data_dir_ + "/tls/ca.pem"; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& password() const { return password_; }

  // Topics are created through the PLAINTEXT (administration) listener.
  void CreateTopic(const std::string& topic, int partitions) {
    ProcessResult r = RunProcess({KafkaLocalScript(), "create-topic", "--port", std::to_string(port_), "--topic",
                                  topic, "--partitions", std::to_string(partitions)});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  // The client settings of client-sasl.toml / client-oauth.toml, as our Kafka layer reads them.
  kafka::ClientConfig SaslConfig() const { return ConfigFrom(client_config_path()); }
  kafka::ClientConfig OAuthConfig() const { return ConfigFrom(oauth_config_path()); }

  // The same settings as -b/-X flags, for a command line without --config.
  std::vector<std::string> SaslFlags(const std::string& password) const {
    return {"-b", sasl_bootstrap(), "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=SCRAM-SHA-512",
            "-X", "sasl.username=reprocessor", "-X", "sasl.password=" + password, "-X",
            "ssl.ca.location=" + ca_path()};
  }

 private:
  static kafka::ClientConfig ConfigFrom(const std::string& path) {
    auto config = kafka::ClientConfig::FromTomlFile(path);
    if (!config.ok()) {
      ADD_FAILURE() << config.status().ToString();
      return kafka::ClientConfig();
    }
    return *config;
  }

  TempDir dir_;
  int port_;
  int sasl_port_;
  int oauth_port_;
  std::string data_dir_;
  std::string password_;
  double start_seconds_ = 0;
};

// The broker shared by every test in the binary, started on first use.
inline SecureBroker& SharedSecureBroker() {
  static SecureBroker broker;
  return broker;
}

// Produces over the broker's SASL_SSL listener and waits for every acknowledgement.
inline void ProduceSecurely(const std::string& topic, const std::vector<TestRecord>& records) {
  Produce(SharedSecureBroker().SaslConfig(), topic, records);
}

// Every record of the topic now, read over SASL_SSL; empty on failure.
inline std::vector<kafka::Record> ReadAllSecurely(const std::string& topic, bool read_committed = false) {
  return ReadAll(SharedSecureBroker().SaslConfig(), topic, read_committed);
}

// The same two over the OAUTHBEARER listener.
inline void ProduceWithOAuth(const std::string& topic, const std::vector<TestRecord>& records) {
  Produce(SharedSecureBroker().OAuthConfig(), topic, records);
}
inline std::vector<kafka::Record> ReadAllWithOAuth(const std::string& topic, bool read_committed = false) {
  return ReadAll(SharedSecureBroker().OAuthConfig(), topic, read_committed);
}

// What the shared logic makes of `values`, by the `transform` command (no Kafka).
inline std::multiset<std::string> Transformed(const std::vector<std::string>& values) {
  std::string in;
  for (const auto& v : values) in += v + "\n";
  auto r = RunProcess({ReprocessorBinary(), "transform", "--timezone", "UTC"}, in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::multiset<std::string> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) out.insert(line);
  return out;
}

inline std::multiset<std::string> Values(const std::vector<kafka::Record>& records) {
  std::multiset<std::string> out;
  for (const auto& r : records) out.insert(r.value.value_or("<null>"));
  return out;
}

}  // namespace rp::testing
