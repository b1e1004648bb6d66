#include "cli/kafka_options.h"

#include <librdkafka/rdkafka.h>

namespace rp::cli {

void KafkaOptions::AddTo(CLI::App* cmd) {
  cmd->add_option("-b,--brokers", brokers, "Kafka bootstrap servers (default localhost:9092)");
  cmd->add_option("-X", properties, "librdkafka property prop=value (repeatable)")->allow_extra_args(false);
  cmd->add_option("--config", config_file, "TOML config file; flags override it");
}

Result<kafka::ClientConfig> KafkaOptions::Resolve() const {
  kafka::ClientConfig config;
  if (config_file) {
    RP_ASSIGN_OR_RETURN(config, kafka::ClientConfig::FromTomlFile(*config_file));
  }
  if (brokers) config.Set("bootstrap.servers", *brokers);
  for (const std::string& p : properties) RP_RETURN_IF_ERROR(config.SetFromAssignment(p));
  // Validate every property now, so a typo is a usage error before any work starts.
  RP_ASSIGN_OR_RETURN(rd_kafka_conf_s * conf, config.BuildRdKafkaConf());
  rd_kafka_conf_destroy(conf);
  return config;
}

}  // namespace rp::cli
