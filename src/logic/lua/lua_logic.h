// Lua scripts as business logic (`--logic lua:PATH`); see lua_logic.cc for
// the sandbox, the helpers scripts get, and why Lua 5.4 rather than LuaJIT.
#pragma once

#include <memory>
#include <string>

#include "logic/logic.h"

namespace rp::logic {

// Loads and runs the script once (defining its functions); InvalidArgument
// with the script's own error when it does not load or defines no transform.
Result<std::unique_ptr<Logic>> OpenLuaLogic(const std::string& path, const LogicSpec& spec);

}  // namespace rp::logic
