#include "logic/logic.h"

#include "logic/lua/lua_logic.h"
#include "logic/plugin/plugin_logic.h"
#include "logic/visits_logic.h"

namespace rp::logic {

Status AddLogicOption(std::string_view assignment, LogicSpec* spec) {
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::InvalidArgument("--logic-option expects name=value, got '" + std::string(assignment) + "'");
  }
  spec->options[std::string(assignment.substr(0, eq))] = std::string(assignment.substr(eq + 1));
  return Status::OK();
}

Result<std::unique_ptr<Logic>> OpenLogic(const LogicSpec& spec) {
  if (spec.logic == "visits") {
    if (!spec.options.empty()) {
      return Status::InvalidArgument("the visits logic takes no --logic-option (it has --timezone and --strict), got '" +
                                     spec.options.begin()->first + "'");
    }
    return NewVisitsLogic(spec.visits);
  }
  if (spec.logic.rfind("lua:", 0) == 0 && spec.logic.size() > 4) return OpenLuaLogic(spec.logic.substr(4), spec);
  if (spec.logic.rfind("plugin:", 0) == 0 && spec.logic.size() > 7) {
    return OpenPluginLogic(spec.logic.substr(7), spec);
  }
  return Status::InvalidArgument("unknown --logic '" + spec.logic + "' (visits, lua:PATH or plugin:PATH)");
}

}  // namespace rp::logic
