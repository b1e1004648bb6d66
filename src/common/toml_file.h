// Reading a TOML config file (toml++), with the errors every command reports
// the same way: "config PATH: no such file", "config PATH: <what> (line N)".
// Shared by the [kafka] section (kafka/client_config) and the [storage]
// section (cli/storage_options).
#pragma once

#include <toml++/toml.h>

#include <string>

#include "common/result.h"

namespace rp {

// The parsed document. InvalidArgument naming the file (and the line of a
// syntax error) when it is missing, not a regular file, or not valid TOML.
Result<toml::table> ParseTomlFile(const std::string& path);

}  // namespace rp
