// `reprocessor vacuum`: delete the data files a Delta table no longer needs.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "cli/storage_options.h"
#include "common/json_string.h"
#include "delta/log_store.h"
#include "delta/snapshot.h"
#include "delta/vacuum.h"

namespace rp::cli {
namespace {

struct VacuumFlags {
  std::string table;
  StorageFlags storage;
  std::optional<int64_t> retain_hours;
  bool dry_run = false;
  bool force = false;
  std::string format = "text";
};

int RunVacuum(const VacuumFlags& flags) {
  auto storage = flags.storage.Resolve(flags.table);
  if (!storage.ok()) return ReportError(storage.status());
  auto store = delta::LogStore::Open(flags.table, *storage);
  if (!store.ok()) return ReportError(store.status());
  auto snapshot = delta::LoadSnapshot(*store);
  if (!snapshot.ok()) {
    // No table there is the caller's mistake (exit 2), as for read-table.
    if (snapshot.status().IsNotFound()) {
      return ReportError(Status::InvalidArgument(snapshot.status().message()));
    }
    return ReportError(snapshot.status());
  }
  delta::VacuumOptions options;
  options.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (flags.retain_hours) options.retention_ms = *flags.retain_hours * 3600 * 1000;
  options.force = flags.force;
  options.dry_run = flags.dry_run;
  auto result = delta::Vacuum(*store->storage(), **snapshot, options);
  if (!result.ok()) return ReportError(result.status());

  std::string root = flags.table;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  const double retention_hours = static_cast<double>(result->retention_ms) / (3600.0 * 1000.0);
  std::string out;
  if (flags.format == "json") {
    out = "{\"table\":";
    AppendJsonString(root, &out);
    out += fmt::format(",\"version\":{},\"dryRun\":{},\"retentionHours\":{},\"files\":{},\"bytes\":{}",
                       result->version, flags.dry_run ? "true" : "false", retention_hours,
                       result->files.size(), result->bytes);
    if (flags.dry_run) {
      out += ",\"paths\":[";
      for (size_t i = 0; i < result->files.size(); ++i) {
        if (i) out += ',';
        AppendJsonString(root + "/" + result->files[i].path, &out);
      }
      out += ']';
    }
    out += "}\n";
  } else {
    if (flags.dry_run) {
      for (const auto& f : result->files) out += root + "/" + f.path + "\n";
    }
    out += fmt::format("{} {} files ({} bytes) from {} at version {} (retention {} hours)\n",
                       flags.dry_run ? "would delete" : "deleted", result->files.size(), result->bytes, root,
                       result->version, retention_hours);
  }
  std::cout << out;
  std::cout.flush();
  return kExitOk;
}

}  // namespace

void AddVacuumCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<VacuumFlags>();
  CLI::App* cmd = app.add_subcommand(
      "vacuum", "Delete data files a Delta table no longer needs, older than the retention");
  cmd->footer(
      "A file goes when the table's current version does not reference it, no removal younger than the "
      "retention names it, and it is older than the retention (delta.deletedFileRetentionDuration, default 7 "
      "days). Files modified in the last hour are always kept, whatever the retention: a running sync or "
      "optimize writes its files shortly before committing them. Hidden files and directories ('.' or '_' "
      "names, so _delta_log) are never touched; empty directories are left in place.");
  cmd->add_option("--table", flags->table, "Table path")->required();
  cmd->add_option("--retain-hours", flags->retain_hours,
                  "Keep unreferenced and removed files this many hours (default: the table's retention)")
      ->check(CLI::Range(int64_t{0}, int64_t{1000000000}));
  cmd->add_flag("--dry-run", flags->dry_run, "List the files that would be deleted; delete nothing");
  cmd->add_flag("--force", flags->force, "Allow --retain-hours below the table's retention");
  cmd->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  flags->storage.AddTo(cmd, /*with_config=*/true);
  cmd->callback([flags, action] { *action = [flags] { return RunVacuum(*flags); }; });
}

}  // namespace rp::cli
