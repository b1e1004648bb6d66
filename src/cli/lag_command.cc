// `reprocessor lag`: how far a sync job's table is behind its topic, per
// partition (jobs/sync_lag.h), as a table or as JSON. For a look by hand or a
// cron check; a running job exports the same lag as metrics.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/kafka_options.h"
#include "cli/show_table.h"
#include "cli/storage_options.h"
#include "common/json_string.h"
#include "jobs/sync_job.h"
#include "jobs/sync_lag.h"

namespace rp::cli {
namespace {

struct LagFlags {
  KafkaOptions kafka;
  StorageFlags storage;
  std::string table;
  std::string topic;
  std::string group = jobs::SyncJobOptions{}.group_id;  // sync's defaults
  std::string job_id;
  std::string format = "text";
};

// Seconds from `then_ms` to `now_ms`, never negative (clocks of two machines).
std::optional<double> AgeSeconds(const std::optional<int64_t>& then_ms, int64_t now_ms) {
  if (!then_ms) return std::nullopt;
  return std::max<int64_t>(0, now_ms - *then_ms) / 1000.0;
}

std::string Optional(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "null"; }

void PrintJson(const std::string& table, const jobs::SyncLag& lag, int64_t now_ms) {
  std::string j = "{\"table\":";
  AppendJsonString(table, &j);
  j += ",\"topic\":";
  AppendJsonString(lag.topic, &j);
  j += ",\"job_id\":";
  AppendJsonString(lag.job_id, &j);
  j += fmt::format(",\"table_version\":{},\"total_lag\":{},\"partitions\":[", lag.table_version,
                   lag.total_lag);
  for (size_t i = 0; i < lag.partitions.size(); ++i) {
    const jobs::PartitionLag& p = lag.partitions[i];
    const std::optional<double> age = AgeSeconds(p.last_commit_ms, now_ms);
    j += fmt::format(
        "{}{{\"partition\":{},\"end_offset\":{},\"committed_offset\":{},\"lag\":{},"
        "\"last_commit_age_seconds\":{}}}",
        i ? "," : "", p.partition, p.end_offset, Optional(p.committed_offset), p.lag,
        age ? fmt::format("{:.3f}", *age) : "null");
  }
  j += "]}\n";
  std::cout << j;
}

void PrintText(const jobs::SyncLag& lag, int64_t now_ms) {
  std::vector<std::vector<Cell>> rows;
  for (const jobs::PartitionLag& p : lag.partitions) {
    const std::optional<double> age = AgeSeconds(p.last_commit_ms, now_ms);
    rows.push_back({lag.topic, std::to_string(p.partition), std::to_string(p.end_offset),
                    p.committed_offset ? Cell(std::to_string(*p.committed_offset)) : Cell(),
                    std::to_string(p.lag), age ? Cell(fmt::format("{:.1f}", *age)) : Cell()});
  }
  ShowTable({"topic", "partition", "end_offset", "committed_offset", "lag", "last_commit_age_s"}, rows,
            std::cout);
  std::cout << "total lag " << lag.total_lag << " records (job " << lag.job_id << ", table version "
            << lag.table_version << ")\n";
}

int RunLag(const LagFlags& flags) {
  auto config = flags.kafka.Resolve();
  if (!config.ok()) return ReportError(config.status());
  auto storage = flags.storage.Resolve(flags.table, flags.kafka.config_file);
  if (!storage.ok()) return ReportError(storage.status());
  jobs::SyncLagOptions options;
  options.kafka = *config;
  options.table_path = flags.table;
  options.storage = *storage;
  options.topic = flags.topic;
  options.job_id = flags.job_id.empty() ? flags.group : flags.job_id;
  auto lag = jobs::MeasureSyncLag(options);
  // A topic that does not exist is the caller's mistake, like a bad flag.
  if (!lag.ok())
    return ReportError(lag.status().IsNotFound() ? Status::InvalidArgument(lag.status().message())
                                                 : lag.status());
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  if (flags.format == "json")
    PrintJson(flags.table, *lag, now_ms);
  else
    PrintText(*lag, now_ms);
  std::cout.flush();
  return kExitOk;
}

}  // namespace

void AddLagCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<LagFlags>();
  CLI::App* cmd = app.add_subcommand(
      "lag",
      "Show how far a sync job's table is behind its topic: per partition the end offset, the last offset in "
      "the table (the job's txn version), the lag in records and the age of its last commit");
  cmd->add_option("--table", flags->table, "Delta table the sync job writes")->required();
  cmd->add_option("--topic", flags->topic, "Topic the job copies (default: the table's, else visits)");
  cmd->add_option("--group", flags->group, "The sync job's --group")->capture_default_str();
  cmd->add_option("--job-id", flags->job_id, "The sync job's --job-id (default: the group id)");
  cmd->add_option("--format", flags->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  flags->kafka.AddTo(cmd);
  flags->storage.AddTo(cmd, /*with_config=*/false);
  cmd->callback([flags, action] { *action = [flags] { return RunLag(*flags); }; });
}

}  // namespace rp::cli
