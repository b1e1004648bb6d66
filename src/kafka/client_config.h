// ClientConfig: the librdkafka properties a command connects with.
// Precedence, lowest first: built-in defaults, the TOML --config file,
// -b/--brokers, then each -X prop=value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

struct rd_kafka_conf_s;

namespace rp::kafka {

class ClientConfig {
 public:
  ClientConfig();  // bootstrap.servers=localhost:9092

  // Reads a TOML file. Top-level `brokers = "h:p"`; a `[kafka]` table holds
  // librdkafka properties (`"security.protocol" = "SASL_SSL"`). Values may be
  // strings, integers or booleans. Unknown top-level tables are left for the
  // jobs (returned by the caller's own parse); unknown top-level keys are errors.
  static Result<ClientConfig> FromTomlFile(const std::string& path);

  void Set(std::string key, std::string value) { props_[std::move(key)] = std::move(value); }
  // Parses "prop=value" (the -X flag).
  Status SetFromAssignment(std::string_view assignment);
  std::optional<std::string> Get(const std::string& key) const;
  const std::map<std::string, std::string>& properties() const { return props_; }

  // A librdkafka configuration with every property applied; the caller owns it.
  // An unknown property or bad value is an InvalidArgument naming the property
  // (but never echoing a secret value).
  Result<rd_kafka_conf_s*> BuildRdKafkaConf() const;

  // True for properties whose values must never be logged (passwords, keys).
  static bool IsSecret(std::string_view key);

 private:
  std::map<std::string, std::string> props_;
};

}  // namespace rp::kafka
