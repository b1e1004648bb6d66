// `reprocessor stream`: the continuous job, input topic -> logic -> output topic.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/kafka_options.h"
#include "cli/logic_flags.h"
#include "cli/metrics_flags.h"
#include "common/log.h"
#include "jobs/shutdown.h"
#include "jobs/stream_job.h"

namespace rp::cli {
namespace {

struct StreamFlags {
  KafkaOptions kafka;
  LogicFlags logic;
  MetricsFlags metrics;
  std::string input_topic = "visits";
  std::string output_topic = "visits_transformed";
  std::string group = "reprocessor-stream";
  std::string instance_id;
  std::string dlq_topic;
  std::string delivery = "at-least-once";
  std::optional<std::string> timezone;
  std::string partitioning = "preserve";
  bool strict = false;
  size_t max_batch_records = 10000;
  int64_t broker_timeout_s = 300;
};

int RunStream(const StreamFlags& flags) {
  jobs::StreamJobOptions options;
  auto config = flags.kafka.Resolve();
  if (!config.ok()) return ReportError(config.status());
  options.kafka = *config;
  options.input_topic = flags.input_topic;
  options.group_id = flags.group;
  options.instance_id = flags.instance_id;
  options.output.output_topic = flags.output_topic;
  options.output.dlq_topic = flags.dlq_topic;
  auto delivery = jobs::ParseDelivery(flags.delivery);
  if (!delivery.ok()) return ReportError(delivery.status());
  options.delivery = *delivery;
  auto partitioning = jobs::ParsePartitioning(flags.partitioning);
  if (!partitioning.ok()) return ReportError(partitioning.status());
  options.output.partitioning = *partitioning;
  auto spec = flags.logic.Resolve();
  if (!spec.ok()) return ReportError(spec.status());
  options.logic = *spec;
  if (flags.timezone) {
    auto zone = logic::TimeZone::Find(*flags.timezone);
    if (!zone.ok()) return ReportError(zone.status());
    options.logic.visits.zone = *zone;
  }
  options.logic.visits.strict = flags.strict;
  options.max_batch_records = flags.max_batch_records;
  options.broker_timeout = std::chrono::seconds(flags.broker_timeout_s);

  auto metrics = flags.metrics.Start("stream");
  if (!metrics.ok()) return ReportError(metrics.status());
  options.metrics = metrics->metrics();
  const auto& stop = jobs::InstallShutdownHandlers();
  Status s = jobs::RunStreamJob(options, stop, nullptr);
  if (!s.ok()) return ReportError(s.IsNotFound() ? Status::InvalidArgument(s.message()) : s);
  return kExitOk;
}

}  // namespace

void AddStreamCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<StreamFlags>();
  CLI::App* cmd = app.add_subcommand("stream", "Continuously transform the input topic into the output topic");
  cmd->add_option("--input-topic", flags->input_topic, "Topic to read")->capture_default_str();
  cmd->add_option("--output-topic", flags->output_topic, "Topic to write")->capture_default_str();
  cmd->add_option("--group", flags->group, "Consumer group id")->capture_default_str();
  cmd->add_option("--instance-id", flags->instance_id,
                  "Exactly-once: this instance's stable name, unique in the group (default: the host name)");
  cmd->add_option("--dlq-topic", flags->dlq_topic, "Dead-letter topic (default <output-topic>-dlq)");
  cmd->add_option("--delivery", flags->delivery, "at-least-once or exactly-once (Kafka transactions)")
      ->check(CLI::IsMember({"at-least-once", "exactly-once"}))
      ->capture_default_str();
  cmd->add_option("--timezone", flags->timezone, "Zone for timestamps without one (default: the machine's)");
  cmd->add_option("--partitioning", flags->partitioning, "Output partition: preserve (the input partition), key (murmur2 of the output key, as Java clients; the input partition for a null key) or random")
      ->check(CLI::IsMember({"preserve", "key", "random"}))
      ->capture_default_str();
  cmd->add_flag("--strict", flags->strict, "Dead-letter records with a missing, null or mistyped field");
  cmd->add_option("--max-batch-records", flags->max_batch_records, "Records per batch at most")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--broker-timeout", flags->broker_timeout_s,
                  "Seconds without any reachable broker before the job fails")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  flags->logic.AddTo(cmd);
  flags->metrics.AddTo(cmd);
  flags->kafka.AddTo(cmd);
  cmd->callback([flags, action] { *action = [flags] { return RunStream(*flags); }; });
}

}  // namespace rp::cli
