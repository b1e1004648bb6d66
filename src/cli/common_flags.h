// The flags every command has, whatever it does: --config FILE (its section
// fills the command's flags, cli/config_file), --print-config (the effective
// configuration as TOML, secrets masked; nothing is contacted), --log-level
// error|warn|info|debug and --log-format text|json (common/log). The flag
// groups that own a config section ([kafka]: kafka_options, [storage]:
// storage_options) register it here, so --print-config shows it resolved as
// the command would use it.
//
// CLI11 apps carry no user data, so each command's state lives in a table
// keyed by its CLI::App, for the life of the process (one parse per run).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/result.h"

namespace rp::cli {

// Adds --config FILE to `cmd`: when given, the file is checked and its
// [<command>] section applied (cli/config_file.h), and the path is stored in
// *path (may be null) for the sections its flag groups read.
void AddConfigFlag(CLI::App* cmd, std::optional<std::string>* path, const std::string& help);

// A section --print-config shows beside the command's flags: the settings
// `resolve` computes from the --config path (nullopt without one), as the
// command would use them. An error is reported like the command's own.
using SectionSettings =
    std::function<Result<std::map<std::string, std::string>>(const std::optional<std::string>& config_file)>;
void AddPrintedSection(CLI::App* cmd, std::string section, SectionSettings resolve);

// Adds --config (where a command has none), --print-config, --log-level and
// --log-format to every command of `app`. --log-level defaults to info for
// the commands in `jobs` (retries and progress stay visible) and to error
// for the others (tools print one-line errors; warnings would be noise).
void AddCommonFlags(CLI::App& app, const std::set<std::string>& jobs);

// After a successful parse: sets the log level and format of the chosen
// command; with --print-config prints the configuration and returns the
// exit code. nullopt: run the command.
std::optional<int> ApplyCommonFlags(CLI::App& app);

}  // namespace rp::cli
