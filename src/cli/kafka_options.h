// The options every Kafka command shares: -b/--brokers, -X prop=value
// (repeatable) and --config FILE (TOML; flags override the file; its
// [<command>] section is cli/config_file's). --print-config shows the
// resolved properties as [kafka].
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "kafka/client_config.h"

namespace rp::cli {

struct KafkaOptions {
  std::optional<std::string> brokers;
  std::vector<std::string> properties;  // "prop=value"
  std::optional<std::string> config_file;

  void AddTo(CLI::App* cmd);
  // Defaults, then the file, then REPROCESSOR_KAFKA_* variables
  // (kafka/environment_config.h), then -b, then each -X.
  Result<kafka::ClientConfig> Resolve() const;
};

}  // namespace rp::cli
