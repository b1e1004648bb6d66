#include "cli/config_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <variant>
#include <vector>

#include "common/toml_file.h"
#include "kafka/client_config.h"

namespace rp::cli {
namespace {

// How a flag takes its value, and so which TOML values fit it.
enum class Shape { kFlag, kList, kValue };

Shape ShapeOf(const CLI::Option& op) {
  if (op.get_expected_max() == 0) return Shape::kFlag;
  if (op.get_items_expected_max() > 1) return Shape::kList;
  return Shape::kValue;
}

// A string or a number as the text a flag takes; booleans are for flags
// only, and dates, arrays and tables fit no scalar flag.
std::optional<std::string> ScalarText(const toml::node& node) {
  if (auto s = node.value_exact<std::string>()) return *s;
  if (auto i = node.value_exact<int64_t>()) return std::to_string(*i);
  if (auto d = node.value_exact<double>()) return fmt::format("{}", *d);
  return std::nullopt;
}

// The key of an option in its command's section: its first long name, or a
// positional argument's name (reprocess's `range`). Short-only options
// (-X) have none: their settings have sections of their own ([kafka]).
std::string ConfigKey(const CLI::Option& op) {
  if (!op.get_lnames().empty()) return op.get_lnames().front();
  if (op.get_positional()) return op.get_single_name();
  return {};
}

// The option of `cmd` that `key` names (any of its long names), or null.
CLI::Option* FindOption(CLI::App* cmd, const std::string& key) {
  for (CLI::Option* op : cmd->get_options({})) {
    const auto& names = op->get_lnames();
    if (std::find(names.begin(), names.end(), key) != names.end()) return op;
    if (names.empty() && op->get_positional() && op->get_single_name() == key) return op;
  }
  return nullptr;
}

CLI::App* FindCommand(CLI::App* root, const std::string& name) {
  for (CLI::App* sub : root->get_subcommands({})) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// One key of a command section: its option and the inputs the TOML value
// stands for, as they would come from the command line. Throws on a key the
// command does not have or a value of the wrong kind.
struct Setting {
  CLI::Option* option;
  std::string key;
  std::vector<std::string> inputs;
};

Setting CheckSetting(CLI::App* cmd, const std::string& where, const std::string& key,
                     const toml::node& node) {
  CLI::Option* op = FindOption(cmd, key);
  if (op == nullptr) throw CLI::ConfigError(where + " unknown key '" + key + "'");
  if (!op->get_configurable())
    throw CLI::ConfigError(where + " '" + key + "' cannot be set in a config file");
  Setting setting{op, key, {}};
  switch (ShapeOf(*op)) {
    case Shape::kFlag: {
      auto b = node.value_exact<bool>();
      if (!b) throw CLI::ConfigError(where + " " + key + " must be true or false");
      setting.inputs.push_back(*b ? "true" : "false");
      break;
    }
    case Shape::kList: {
      if (const toml::array* array = node.as_array()) {
        for (const toml::node& element : *array) {
          auto text = ScalarText(element);
          if (!text) throw CLI::ConfigError(where + " " + key + " must be an array of strings or numbers");
          setting.inputs.push_back(std::move(*text));
        }
        break;
      }
      auto text = ScalarText(node);  // one value of a repeatable flag, as on the command line
      if (!text) throw CLI::ConfigError(where + " " + key + " must be an array of strings or numbers");
      setting.inputs.push_back(std::move(*text));
      break;
    }
    case Shape::kValue: {
      auto text = ScalarText(node);
      if (!text) throw CLI::ConfigError(where + " " + key + " must be a string or a number");
      setting.inputs.push_back(std::move(*text));
      break;
    }
  }
  return setting;
}

std::vector<Setting> CheckSection(CLI::App* cmd, const std::string& path, const toml::table& section) {
  const std::string where = "config " + path + ": [" + cmd->get_name() + "]";
  std::vector<Setting> settings;
  for (const auto& [key, node] : section)
    settings.push_back(CheckSetting(cmd, where, std::string(key.str()), node));
  return settings;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `text` as the TOML value a flag of type `type_name` (CLI11's INT, UINT,
// FLOAT, TEXT, …) reads back: numbers bare, anything else a string.
std::variant<int64_t, double, std::string> Typed(const std::string& type_name, const std::string& text) {
  if (type_name.rfind("INT", 0) == 0 || type_name.rfind("UINT", 0) == 0) {
    int64_t i = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (ec == std::errc() && end == text.data() + text.size()) return i;
  } else if (type_name.rfind("FLOAT", 0) == 0 && !text.empty()) {
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size()) return d;
  }
  return text;
}

}  // namespace

bool IsSecretName(std::string_view name) {
  const std::string lower = Lower(name);
  for (std::string_view word : {"password", "secret", "token"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return kafka::ClientConfig::IsSecret(lower);
}

std::string MaskSecrets(std::string_view name, const std::string& value) {
  if (IsSecretName(name)) return std::string(kMasked);
  const size_t eq = value.find('=');
  if (eq != std::string::npos && IsSecretName(std::string_view(value).substr(0, eq))) {
    return value.substr(0, eq + 1) + std::string(kMasked);
  }
  return value;
}

void ApplyConfigFile(CLI::App* cmd, const std::string& path) {
  auto doc = ParseTomlFile(path);
  if (!doc.ok()) throw CLI::ConfigError(doc.status().message());
  CLI::App* root = cmd->get_parent() != nullptr ? cmd->get_parent() : cmd;
  std::vector<Setting> mine;
  // Every section is checked, not only this command's: one file often serves
  // several jobs, and a typo in [stream] should not wait for stream's start.
  for (const auto& [name_key, node] : *doc) {
    const std::string name(name_key.str());
    if (name == "brokers") continue;  // kafka/client_config reads and checks it
    CLI::App* section_cmd = FindCommand(root, name);
    if (name == "kafka" || name == "storage" || section_cmd != nullptr) {
      const toml::table* section = node.as_table();
      if (section == nullptr) throw CLI::ConfigError("config " + path + ": [" + name + "] must be a table");
      if (section_cmd == nullptr) continue;  // [kafka], [storage]: checked where they are read
      std::vector<Setting> settings = CheckSection(section_cmd, path, *section);
      if (section_cmd == cmd) mine = std::move(settings);
      continue;
    }
    if (node.is_table()) throw CLI::ConfigError("config " + path + ": unknown section [" + name + "]");
    throw CLI::ConfigError("config " + path + ": unknown key '" + name + "'");
  }
  for (Setting& s : mine) {
    if (s.option->count() > 0) continue;  // given on the command line, which wins
    try {
      if (ShapeOf(*s.option) == Shape::kFlag) {
        // Through the flag's names, so `no-auto-compact = true` turns auto-compact off.
        s.option->add_result(s.option->get_flag_value(s.key, s.inputs.front()));
      } else {
        s.option->add_result(s.inputs);
      }
      s.option->run_callback();  // converts and validates, as for the command line
    } catch (const CLI::Error& e) {
      throw CLI::ConfigError("config " + path + ": [" + cmd->get_name() + "] " + s.key + ": " + e.what());
    }
  }
}

toml::table EffectiveFlags(CLI::App* cmd) {
  toml::table table;
  for (CLI::Option* op : cmd->get_options({})) {
    const std::string key = ConfigKey(*op);
    if (!op->get_configurable() || key.empty()) continue;
    switch (ShapeOf(*op)) {
      case Shape::kFlag: {
        // A flag that defaults to on says so with default_str("true").
        const std::string text = op->count() > 0 ? op->results().back() : op->get_default_str();
        table.insert_or_assign(key, text == "true" || text == "1");
        break;
      }
      case Shape::kList: {
        if (op->count() == 0) break;  // an empty list: nothing set
        toml::array array;
        for (const std::string& v : op->results()) {
          std::visit([&](auto&& value) { array.push_back(value); },
                     Typed(op->get_type_name(), MaskSecrets(key, v)));
        }
        table.insert_or_assign(key, std::move(array));
        break;
      }
      case Shape::kValue: {
        std::string text;
        if (op->count() > 0) {
          text = op->results().back();
        } else {
          // The bound variable's current value: the command's default.
          op->capture_default_str();
          text = op->get_default_str();
        }
        if (text.empty()) break;  // unset: the command picks (see --help)
        std::visit([&](auto&& value) { table.insert_or_assign(key, value); },
                   Typed(op->get_type_name(), MaskSecrets(key, text)));
        break;
      }
    }
  }
  return table;
}

}  // namespace rp::cli
