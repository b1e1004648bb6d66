#include "cli/kafka_options.h"

#include <librdkafka/rdkafka.h>

#include "cli/common_flags.h"
#include "kafka/environment_config.h"

namespace rp::cli {

void KafkaOptions::AddTo(CLI::App* cmd) {
  cmd->add_option("-b,--brokers", brokers, "Kafka bootstrap servers (default localhost:9092)");
  cmd->add_option("-X", properties, "librdkafka property prop=value (repeatable)")->allow_extra_args(false);
  AddConfigFlag(cmd, &config_file,
                "TOML config file: brokers, [kafka] (librdkafka properties), [storage] and a section per "
                "command ([" +
                    cmd->get_name() + "]: its flags by long name); flags override it");
  AddPrintedSection(cmd, "kafka",
                    [this](const std::optional<std::string>&) -> Result<std::map<std::string, std::string>> {
                      RP_ASSIGN_OR_RETURN(kafka::ClientConfig config, Resolve());
                      return config.properties();
                    });
}

Result<kafka::ClientConfig> KafkaOptions::Resolve() const {
  kafka::ClientConfig config;
  if (config_file) {
    RP_ASSIGN_OR_RETURN(config, kafka::ClientConfig::FromTomlFile(*config_file));
  }
  RP_RETURN_IF_ERROR(kafka::ApplyEnvironment(&config));  // REPROCESSOR_KAFKA_*: secrets
  if (brokers) config.Set("bootstrap.servers", *brokers);
  for (const std::string& p : properties) RP_RETURN_IF_ERROR(config.SetFromAssignment(p));
  // Validate every property now, so a typo is a usage error before any work starts.
  RP_ASSIGN_OR_RETURN(rd_kafka_conf_s * conf, config.BuildRdKafkaConf());
  rd_kafka_conf_destroy(conf);
  return config;
}

}  // namespace rp::cli
