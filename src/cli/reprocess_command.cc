// `reprocessor reprocess`: re-run the logic over a slice of the raw table.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/kafka_options.h"
#include "cli/logic_flags.h"
#include "cli/metrics_flags.h"
#include "cli/storage_options.h"
#include "jobs/reprocess_job.h"
#include "jobs/shutdown.h"

namespace rp::cli {
namespace {

struct ReprocessFlags {
  KafkaOptions kafka;
  StorageFlags storage;
  LogicFlags logic;
  MetricsFlags metrics;
  jobs::ReprocessJobOptions job;
  std::vector<int64_t> range;
  std::string partitioning = "preserve";
};

int RunReprocess(ReprocessFlags flags) {
  auto config = flags.kafka.Resolve();
  if (!config.ok()) return ReportError(config.status());
  flags.job.kafka = *config;
  auto storage = flags.storage.Resolve(flags.job.table_path, flags.kafka.config_file);
  if (!storage.ok()) return ReportError(storage.status());
  flags.job.storage = *storage;
  auto spec = flags.logic.Resolve();
  if (!spec.ok()) return ReportError(spec.status());
  flags.job.logic = *spec;
  if (flags.range.size() == 2) {
    flags.job.slice.start = flags.range[0];
    flags.job.slice.end = flags.range[1];
  } else if (!flags.range.empty()) {
    return ReportError(Status::InvalidArgument("START and END go together"));
  }
  auto partitioning = jobs::ParsePartitioning(flags.partitioning);
  if (!partitioning.ok()) return ReportError(partitioning.status());
  flags.job.output.partitioning = *partitioning;
  flags.job.dry_run_out = &std::cout;
  flags.job.show_progress = !flags.job.dry_run && isatty(STDERR_FILENO);
  auto metrics = flags.metrics.Start("reprocess");
  if (!metrics.ok()) return ReportError(metrics.status());
  // Outputs are counted by the router; the job reports its progress.
  flags.job.output.metrics = flags.job.metrics = metrics->metrics();
  // The producer's retries reach the metrics through its statistics.
  if (metrics->metrics() && !flags.job.kafka.Get("statistics.interval.ms"))
    flags.job.kafka.Set("statistics.interval.ms", "1000");
  const auto& stop = jobs::InstallShutdownHandlers();
  auto summary = jobs::RunReprocessJob(flags.job, stop);
  if (!summary.ok()) return ReportError(summary.status());
  std::cerr << summary->ToString() << (flags.job.dry_run ? " (dry run: nothing produced)" : "") << '\n';
  // A run stopped by a signal did not replay its whole slice: not a success.
  return summary->interrupted ? kExitFailure : kExitOk;
}

}  // namespace

void AddReprocessCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<ReprocessFlags>();
  auto& job = flags->job;
  CLI::App* cmd =
      app.add_subcommand("reprocess", "Re-run the logic over a slice of the raw table into a topic");
  cmd->add_option("range", flags->range, "START END: inclusive offsets on every partition")->expected(0, 2);
  cmd->add_option("--table", job.table_path, "The raw Delta table written by sync")->required();
  cmd->add_option("--output-topic", job.output.output_topic, "Topic to write")->required();
  cmd->add_option("--dlq-topic", job.output.dlq_topic, "Dead-letter topic (default <output-topic>-dlq)");
  cmd->add_option("--starting-offsets", job.slice.starting_offsets,
                  R"(Spark-style JSON, e.g. {"visits":{"0":23,"1":-2}}; inclusive, -2 = earliest)");
  cmd->add_option("--ending-offsets", job.slice.ending_offsets,
                  R"(Spark-style JSON, e.g. {"visits":{"0":50,"1":-1}}; exclusive, -1 = latest)");
  cmd->add_option("--since", job.slice.since, "Event time from (inclusive, ISO-8601; no zone = the table's)");
  cmd->add_option("--until", job.slice.until, "Event time until (exclusive)");
  cmd->add_flag("--dry-run", job.dry_run, "Print what would be produced; produce nothing");
  cmd->add_option("--max-rate", job.max_rate, "Records per second at most")->check(CLI::PositiveNumber);
  cmd->add_option("--timezone", job.timezone,
                  "Zone for the logic (default: the table's); also the table's when it records none");
  cmd->add_option("--partitioning", flags->partitioning,
                  "Output partition: preserve (the input partition), key (murmur2 of the output key, as Java "
                  "clients; the input partition for a null key) or random")
      ->check(CLI::IsMember({"preserve", "key", "random"}))
      ->capture_default_str();
  cmd->add_flag("--strict", job.strict, "Dead-letter records with a missing, null or mistyped field");
  flags->logic.AddTo(cmd);
  flags->metrics.AddTo(cmd);
  flags->kafka.AddTo(cmd);
  flags->storage.AddTo(cmd, /*with_config=*/false);
  cmd->callback([flags, action] { *action = [flags] { return RunReprocess(*flags); }; });
}

}  // namespace rp::cli
