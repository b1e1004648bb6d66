#include "common/toml_file.h"

#include <filesystem>
#include <system_error>

namespace rp {

Result<toml::table> ParseTomlFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidArgument(
        "config " + path + ": " +
        (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  }
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    // toml++ reports I/O failures as parse errors too; both are the user's input.
    const auto& where = e.source().begin;
    std::string msg = "config " + path + ": " + std::string(e.description());
    if (where.line > 0) msg += " (line " + std::to_string(where.line) + ")";
    return Status::InvalidArgument(msg);
  }
}

std::optional<std::string> TomlScalarText(const toml::node& value) {
  if (auto s = value.value_exact<std::string>()) return *s;
  if (auto i = value.value_exact<int64_t>()) return std::to_string(*i);
  if (auto b = value.value_exact<bool>()) return std::string(*b ? "true" : "false");
  return std::nullopt;
}

}  // namespace rp
