// Reading a TOML config file (toml++), with the errors every command reports
// the same way: "config PATH: no such file", "config PATH: <what> (line N)".
// Shared by the [kafka] section (kafka/client_config) and the [storage]
// section (cli/storage_options).
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string>

#include "common/result.h"

namespace rp {

// The parsed document. InvalidArgument naming the file (and the line of a
// syntax error) when it is missing, not a regular file, or not valid TOML.
Result<toml::table> ParseTomlFile(const std::string& path);

// A string, integer or boolean value as the text a property takes ("1",
// "true"); nullopt for any other kind of node (tables, arrays, floats, dates).
std::optional<std::string> TomlScalarText(const toml::node& value);

}  // namespace rp
