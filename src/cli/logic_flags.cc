#include "cli/logic_flags.h"

namespace rp::cli {

void LogicFlags::AddTo(CLI::App* cmd) {
  cmd->add_option("--logic", logic,
                  "Business logic: visits (built in), lua:PATH (a Lua script) or plugin:PATH (a C plugin, "
                  "include/reprocessor/logic_plugin.h; it gets the --logic-option pairs only)")
      ->capture_default_str();
  cmd->add_option("--logic-option", options, "name=value handed to the logic at start (repeatable)");
  cmd->add_option("--logic-timeout-ms", timeout_ms,
                  "Lua: a record running longer is stopped and dead-lettered (reason timeout)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

Result<logic::LogicSpec> LogicFlags::Resolve() const {
  logic::LogicSpec spec;
  spec.logic = logic;
  spec.timeout_ms = timeout_ms;
  for (const auto& o : options) RP_RETURN_IF_ERROR(logic::AddLogicOption(o, &spec));
  return spec;
}

}  // namespace rp::cli
