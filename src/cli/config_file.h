// The command sections of the --config file: `[sync]`, `[stream]`,
// `[reprocess]`, … one per command, beside `[kafka]` (librdkafka properties,
// kafka/client_config) and `[storage]` (cli/storage_options). A section sets
// its command's flags by their long names without dashes, with the flag's
// own checks: `max-batch-ms = 500`, `table-property = ["a=b"]` for a
// repeatable flag, `strict = true` for a boolean one; a positional argument
// by its name (reprocess's `range = [0, 99]`). A flag given on the command
// line wins over the file (a repeatable one replaces the file's list).
//
// Generic over CLI11's registered options, so a flag added to a command is
// configurable with no code here. Why not CLI11's own config support (2.1.2,
// Debian's): it reads the file of the top-level app only (our --config is a
// per-command flag that also feeds [kafka] and [storage]); its line-based
// TOML reader knows neither quoted dotted keys ("sasl.password") nor arrays
// over several lines; and its unknown-key error names neither the file nor
// the section. So toml++ reads the file, and the values go to CLI11's options
// as CLI11 itself would apply them (add_result, then the option's callback
// with its validators), from the --config option's callback: that runs after
// the command line is parsed and before required flags are checked, so a
// required flag may come from the file.
#pragma once

#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace rp::cli {

// Checks the whole file against `cmd`'s program: top-level `brokers`,
// [kafka], [storage] and one section per command (any command's section
// must hold only its flags, with values of the right kind), then fills the
// flags of `cmd` not given on the command line from its section. Throws
// CLI::ConfigError, one line naming the file, section and key ("config
// PATH: [sync] unknown key 'max-bach-ms'"): it runs inside CLI11's parse,
// whose caller reports parse errors with exit 2.
void ApplyConfigFile(CLI::App* cmd, const std::string& path);

// `cmd`'s flags as its config section would set them: the value each flag
// got (from the command line or the file), else its current default; flags
// without a value are left out. Secret values are masked.
toml::table EffectiveFlags(CLI::App* cmd);

// Names whose values are never printed: any name saying password, secret or
// token (any case), and librdkafka's other sensitive properties.
bool IsSecretName(std::string_view name);

// The mask that replaces a secret value; for "name=value" text (-X style,
// --storage-option), only the value is masked when the name is secret.
inline constexpr std::string_view kMasked = "<redacted>";
std::string MaskSecrets(std::string_view name, const std::string& value);

}  // namespace rp::cli
