// `reprocessor sync`: the input topic's raw records into the Delta table.
#include <memory>

#include "cli/command.h"
#include "cli/kafka_options.h"
#include "common/log.h"
#include "jobs/shutdown.h"
#include "jobs/sync_job.h"

namespace rp::cli {
namespace {

struct SyncFlags {
  KafkaOptions kafka;
  jobs::SyncJobOptions job;
  int64_t max_batch_ms = 200;
  int64_t broker_timeout_s = 300;
};

int RunSync(SyncFlags flags) {
  auto config = flags.kafka.Resolve();
  if (!config.ok()) return ReportError(config.status());
  flags.job.kafka = *config;
  flags.job.max_batch_wait = std::chrono::milliseconds(flags.max_batch_ms);
  flags.job.broker_timeout = std::chrono::seconds(flags.broker_timeout_s);
  SetLogLevel(LogLevel::kInfo);
  const auto& stop = jobs::InstallShutdownHandlers();
  Status s = jobs::RunSyncJob(flags.job, stop, nullptr);
  if (!s.ok()) return ReportError(s.IsNotFound() ? Status::InvalidArgument(s.message()) : s);
  return kExitOk;
}

}  // namespace

void AddSyncCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<SyncFlags>();
  auto& job = flags->job;
  CLI::App* cmd = app.add_subcommand("sync", "Append every raw record of a topic to a Delta table, exactly once");
  cmd->add_option("--topic", job.topic, "Topic to copy")->capture_default_str();
  cmd->add_option("--table", job.table_path, "Delta table path (created on first start)")->required();
  cmd->add_option("--group", job.group_id, "Consumer group id (for lag monitoring)")->capture_default_str();
  cmd->add_option("--job-id", job.job_id, "Prefix of the table's txn app ids (default: the group id)");
  cmd->add_option("--timezone", job.timezone,
                  "Zone of the event-time partitions (default: the table's, else the machine's)");
  cmd->add_option("--max-batch-records", job.max_batch_records, "Commit after this many records")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-batch-ms", flags->max_batch_ms, "Commit this long after a batch's first record")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--dlq-table", job.dlq_table_path, "Table for values that are not UTF-8 (default <table>_dlq)");
  cmd->add_option("--broker-timeout", flags->broker_timeout_s,
                  "Seconds without any reachable broker before the job fails (nothing partial is committed)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  flags->kafka.AddTo(cmd);
  cmd->callback([flags, action] { *action = [flags] { return RunSync(*flags); }; });
}

}  // namespace rp::cli
