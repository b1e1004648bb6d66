#include "cli/storage_options.h"

#include <toml++/toml.h>

#include "cli/common_flags.h"
#include "common/toml_file.h"

namespace rp::cli {

void StorageFlags::AddTo(CLI::App* cmd, bool with_config) {
  cmd->add_option("--storage-option", assignments,
                  "Table storage setting name=value (repeatable; s3:// tables: aws_access_key_id, "
                  "aws_secret_access_key, aws_session_token, aws_region, aws_endpoint_url, aws_allow_http, "
                  "max_retries); overrides the AWS_* environment")
      ->allow_extra_args(false);
  if (with_config) {
    AddConfigFlag(cmd, &config_file,
                  "TOML config file: [storage] and a [" + cmd->get_name() +
                      "] section of this command's flags by long name; flags override it");
  }
  AddPrintedSection(cmd, "storage",
                    [this](const std::optional<std::string>& config) { return Merge(config); });
}

Result<delta::StorageOptions> ReadStorageConfig(const std::string& path) {
  RP_ASSIGN_OR_RETURN(toml::table doc, ParseTomlFile(path));
  delta::StorageOptions options;
  const toml::node* section = doc.get("storage");
  if (section == nullptr) return options;
  const toml::table* storage = section->as_table();
  if (storage == nullptr) return Status::InvalidArgument("config " + path + ": [storage] must be a table");
  for (const auto& [name, value] : *storage) {
    std::optional<std::string> text = TomlScalarText(value);
    if (!text) {
      return Status::InvalidArgument("config " + path + ": storage." + std::string(name.str()) +
                                     " must be a string, integer or boolean");
    }
    options[std::string(name.str())] = std::move(*text);
  }
  return options;
}

Result<delta::StorageOptions> StorageFlags::Merge(const std::optional<std::string>& config) const {
  delta::StorageOptions options;
  if (config) {
    RP_ASSIGN_OR_RETURN(options, ReadStorageConfig(*config));
  }
  for (const std::string& a : assignments) {
    const size_t eq = a.find('=');
    // Never echo the text: without a name it may be a bare secret.
    if (eq == std::string::npos || eq == 0)
      return Status::InvalidArgument("--storage-option expects name=value");
    options[a.substr(0, eq)] = a.substr(eq + 1);
  }
  return options;
}

Result<delta::StorageOptions> StorageFlags::Resolve(const std::string& table,
                                                    const std::optional<std::string>& config) const {
  RP_ASSIGN_OR_RETURN(delta::StorageOptions options, Merge(config));
  // Opening contacts nothing; it checks the location, the names and values
  // against the table's kind of storage (refusing any for a local table),
  // and that S3 has its credentials, before the command starts any work.
  auto storage = delta::OpenStorage(table, options);
  if (!storage.ok()) return storage.status();
  return options;
}

}  // namespace rp::cli
