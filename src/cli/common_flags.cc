#include "cli/common_flags.h"

#include <iostream>
#include <memory>
#include <utility>
#include <vector>

#include "cli/command.h"
#include "cli/config_file.h"
#include "common/log.h"

namespace rp::cli {
namespace {

struct CommandState {
  std::optional<std::string> config_file;
  std::vector<std::pair<std::string, SectionSettings>> sections;
  std::string log_level;
  std::string log_format = "text";
  bool print_config = false;
};

CommandState& StateOf(const CLI::App* cmd) {
  static auto* states = new std::map<const CLI::App*, std::unique_ptr<CommandState>>();
  auto& state = (*states)[cmd];
  if (!state) state = std::make_unique<CommandState>();
  return *state;
}

int PrintConfig(CLI::App* cmd, const CommandState& state) {
  toml::table doc;
  doc.insert_or_assign(cmd->get_name(), EffectiveFlags(cmd));
  for (const auto& [name, resolve] : state.sections) {
    auto settings = resolve(state.config_file);
    if (!settings.ok()) return ReportError(settings.status());
    toml::table section;
    for (const auto& [key, value] : *settings) section.insert_or_assign(key, MaskSecrets(key, value));
    doc.insert_or_assign(name, std::move(section));
  }
  std::cout << "# reprocessor " << cmd->get_name() << ": the effective configuration (defaults, "
            << (state.config_file ? "then --config " + *state.config_file + ", " : std::string())
            << "then flags; secrets masked)\n"
            << doc << '\n';
  std::cout.flush();
  return std::cout ? kExitOk : kExitFailure;
}

}  // namespace

void AddConfigFlag(CLI::App* cmd, std::optional<std::string>* path, const std::string& help) {
  CLI::Option* opt = cmd->add_option_function<std::string>(
      "--config",
      [cmd, path](const std::string& file) {
        StateOf(cmd).config_file = file;
        if (path != nullptr) *path = file;
        ApplyConfigFile(cmd, file);
      },
      help);
  opt->type_name("FILE");
  opt->configurable(false);
}

void AddPrintedSection(CLI::App* cmd, std::string section, SectionSettings resolve) {
  StateOf(cmd).sections.emplace_back(std::move(section), std::move(resolve));
}

void AddCommonFlags(CLI::App& app, const std::set<std::string>& jobs) {
  for (CLI::App* cmd : app.get_subcommands({})) {
    CommandState& state = StateOf(cmd);
    if (cmd->get_option_no_throw("--config") == nullptr) {
      AddConfigFlag(cmd, nullptr,
                    "TOML config file: its [" + cmd->get_name() + "] section sets flags; flags override it");
    }
    cmd->add_flag("--print-config", state.print_config,
                  "Print the effective configuration (defaults, --config file and flags) as TOML, secrets "
                  "masked, and exit without contacting anything")
        ->configurable(false);
    state.log_level = jobs.count(cmd->get_name()) ? "info" : "error";
    cmd->add_option("--log-level", state.log_level, "Least severe log lines shown (librdkafka's included)")
        ->check(CLI::IsMember({"error", "warn", "info", "debug"}))
        ->capture_default_str();
    cmd->add_option("--log-format", state.log_format,
                    "text, or json: one object per line with time, level, component and message")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
  }
}

std::optional<int> ApplyCommonFlags(CLI::App& app) {
  for (CLI::App* cmd : app.get_subcommands()) {
    const CommandState& state = StateOf(cmd);
    // IsMember has checked the names.
    SetLogLevel(ParseLogLevel(state.log_level).value_or(LogLevel::kInfo));
    SetLogFormat(state.log_format == "json" ? LogFormat::kJson : LogFormat::kText);
    if (state.print_config) return PrintConfig(cmd, state);
  }
  return std::nullopt;
}

}  // namespace rp::cli
