// `reprocessor sync`: the input topic's raw records into the Delta table.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/kafka_options.h"
#include "cli/metrics_flags.h"
#include "cli/storage_options.h"
#include "common/log.h"
#include "jobs/raw_table.h"
#include "jobs/shutdown.h"
#include "jobs/sync_job.h"
#include "logic/event_time.h"

namespace rp::cli {
namespace {

struct SyncFlags {
  KafkaOptions kafka;
  StorageFlags storage;
  MetricsFlags metrics;
  jobs::SyncJobOptions job;
  int64_t max_batch_ms = 500;
  int64_t broker_timeout_s = 300;
  int64_t compact_interval_ms = 10000;
  std::vector<std::string> table_properties;  // "key=value"
};

int RunSync(SyncFlags flags) {
  if (flags.job.event_time) {
    // Checked before any broker is contacted: a typo is a usage error.
    auto spec = logic::EventTimeSpec::Parse(*flags.job.event_time);
    if (!spec.ok()) return ReportError(spec.status());
  }
  auto config = flags.kafka.Resolve();
  if (!config.ok()) return ReportError(config.status());
  flags.job.kafka = *config;
  auto storage = flags.storage.Resolve(flags.job.table_path, flags.kafka.config_file);
  if (!storage.ok()) return ReportError(storage.status());
  flags.job.storage = *storage;
  flags.job.max_batch_wait = std::chrono::milliseconds(flags.max_batch_ms);
  flags.job.broker_timeout = std::chrono::seconds(flags.broker_timeout_s);
  flags.job.compact_interval = std::chrono::milliseconds(flags.compact_interval_ms);
  for (const auto& p : flags.table_properties) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportError(Status::InvalidArgument("--table-property takes key=value, not '" + p + "'"));
    }
    flags.job.table_properties[p.substr(0, eq)] = p.substr(eq + 1);
  }
  {
    // Checked before any broker is contacted: a typo is a usage error.
    std::map<std::string, std::string> probe;
    Status merged = jobs::MergeTableProperties(flags.job.table_properties, &probe);
    if (!merged.ok()) return ReportError(merged);
  }
  auto metrics = flags.metrics.Start("sync");
  if (!metrics.ok()) return ReportError(metrics.status());
  flags.job.metrics = metrics->metrics();
  const auto& stop = jobs::InstallShutdownHandlers();
  Status s = jobs::RunSyncJob(flags.job, stop, nullptr);
  if (!s.ok()) return ReportError(s.IsNotFound() ? Status::InvalidArgument(s.message()) : s);
  return kExitOk;
}

}  // namespace

void AddSyncCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<SyncFlags>();
  auto& job = flags->job;
  CLI::App* cmd =
      app.add_subcommand("sync", "Append every raw record of a topic to a Delta table, exactly once");
  cmd->add_option("--topic", job.topic, "Topic to copy")->capture_default_str();
  cmd->add_option("--table", job.table_path, "Delta table path (created on first start)")->required();
  cmd->add_option("--group", job.group_id, "Consumer group id (for lag monitoring)")->capture_default_str();
  cmd->add_option("--job-id", job.job_id, "Prefix of the table's txn app ids (default: the group id)");
  cmd->add_option("--timezone", job.timezone,
                  "Zone of the event-time partitions (default: the table's, else the machine's)");
  cmd->add_flag(
      "--adopt", job.adopt,
      "Take over a table another writer filled (rows but no txn ids of this job, e.g. the seed's Spark "
      "job's): resume after the highest offset of each partition found in it. Without it such a table "
      "is refused");
  cmd->add_option(
         "--layout", job.layout,
         "Columns of a new table: kafka (Spark's Kafka source columns: key, value, topic, partition, offset, "
         "timestamp, timestampType, headers, plus event_time; the default) or seed (value STRING, partition, "
         "offset, as the seed's Spark job). An existing table keeps its own")
      ->check(CLI::IsMember({"kafka", "seed"}));
  cmd->add_option(
      "--event-time", job.event_time,
      "Where a record's event time comes from: json:/POINTER (a JSON pointer into the value, read with "
      "Spark's timestamp rules in the table's zone; default json:/event_time) or kafka (the record "
      "timestamp). Records without one are stored with null partition columns");
  cmd->add_option("--event-time-fallback", job.event_time_fallback,
                  "kafka: use the record timestamp when the value gives no event time (default none)")
      ->check(CLI::IsMember({"kafka", "none"}));
  cmd->add_option("--max-batch-records", job.max_batch_records, "Commit after this many records")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-batch-bytes", job.max_batch_bytes,
                  "Commit once the batch holds this many key, value and header bytes (bounds memory)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-batch-ms", flags->max_batch_ms, "Commit this long after a batch's first record")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--table-property", flags->table_properties,
                  "key=value: a Delta property for a new table, over the raw table's defaults "
                  "(delta.checkpointInterval=100, delta.deletedFileRetentionDuration and "
                  "delta.logRetentionDuration 'interval 30 minutes'; README, \"Table upkeep\"). Repeatable");
  cmd->add_option("--dlq-table", job.dlq_table_path,
                  "Table for records the layout cannot store, e.g. non-UTF-8 values in the seed layout "
                  "(default <table>_dlq)");
  cmd->add_option("--broker-timeout", flags->broker_timeout_s,
                  "Seconds without any reachable broker before the job fails (nothing partial is committed)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--auto-compact,!--no-auto-compact", job.auto_compact,
                "Compact small files in the background (default on; jobs/compactor.h)")
      ->default_str("true");  // for --print-config: a flag's default is off unless it says so
  cmd->add_option("--compact-min-files", job.compact_min_files,
                  "Compact a partition once it holds this many small files")
      ->check(CLI::Range(2, 1000000))
      ->capture_default_str();
  cmd->add_option("--compact-target-file-size", job.compact_target_file_size,
                  "Size compacted files aim for (bytes, or with a unit: 16MiB); also bounds a run's memory")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--compact-interval-ms", flags->compact_interval_ms,
                  "At most one compaction run this often")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  flags->metrics.AddTo(cmd);
  flags->kafka.AddTo(cmd);
  flags->storage.AddTo(cmd, /*with_config=*/false);
  cmd->callback([flags, action] { *action = [flags] { return RunSync(*flags); }; });
}

}  // namespace rp::cli
