// The storage settings every command that opens a table shares:
// --storage-option name=value (repeatable) and the [storage] section of the
// --config file (TOML; flags override the file), both overriding the AWS_*
// environment. They are the options of delta::OpenStorage (for s3:// tables:
// aws_access_key_id, aws_secret_access_key, aws_region, aws_endpoint_url,
// max_retries, …; delta/s3_storage.h), resolved and checked in one place so
// every command refuses the same mistakes the same way: an unknown name, a
// malformed assignment, or any option for a table on the local disk is a
// usage error (exit 2), before any work starts. Values may be secrets: no
// message ever repeats one.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/storage.h"

namespace rp::cli {

struct StorageFlags {
  std::vector<std::string> assignments;    // "name=value", in flag order
  std::optional<std::string> config_file;  // --config, on commands without Kafka options

  // Adds --storage-option; and --config when `with_config` (commands whose
  // KafkaOptions add no --config of their own).
  void AddTo(CLI::App* cmd, bool with_config);

  // The file's [storage] section, then each --storage-option, checked by
  // opening (not contacting) the storage of `table`. `config_file` is the
  // command's --config (this struct's own, or its KafkaOptions').
  Result<delta::StorageOptions> Resolve(const std::string& table,
                                        const std::optional<std::string>& config_file) const;
  Result<delta::StorageOptions> Resolve(const std::string& table) const {
    return Resolve(table, config_file);
  }
  // The same without the check against a table (what --print-config shows).
  Result<delta::StorageOptions> Merge(const std::optional<std::string>& config) const;
};

// The [storage] section of a TOML config file (empty if it has none):
// strings, integers and booleans, as text.
Result<delta::StorageOptions> ReadStorageConfig(const std::string& path);

}  // namespace rp::cli
