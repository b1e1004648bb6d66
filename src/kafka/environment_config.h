// librdkafka properties from the environment: REPROCESSOR_KAFKA_<NAME>=value
// sets property <name> (lower case, '_' read as '.'), e.g.
// REPROCESSOR_KAFKA_SASL_PASSWORD=… sets sasl.password. Why: secrets belong
// in the environment a service manager fills from a protected file (systemd's
// EnvironmentFile=, a Kubernetes Secret as env), not in a config file that is
// shared or in a -X flag that every local user sees in the process list.
// (librdkafka property names have no '_', so the mapping is unambiguous.)
#pragma once

#include "common/status.h"
#include "kafka/client_config.h"

namespace rp::kafka {

inline constexpr const char* kKafkaEnvPrefix = "REPROCESSOR_KAFKA_";

// Sets every REPROCESSOR_KAFKA_* variable of the process environment on
// `config`, overriding what it holds. Values are checked when the config is
// built (ClientConfig::BuildRdKafkaConf), never echoed if secret.
Status ApplyEnvironment(ClientConfig* config);

}  // namespace rp::kafka
