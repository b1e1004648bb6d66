// C plugins as business logic (`--logic plugin:PATH`): a shared library
// speaking the ABI of include/reprocessor/logic_plugin.h, loaded with dlopen.
#pragma once

#include <memory>
#include <string>

#include "logic/logic.h"

namespace rp::logic {

// Loads the library, checks its entry symbol and ABI version, and creates an
// instance with spec.options (the --logic-option pairs; nothing else of the
// spec reaches a plugin). A file that does not load, a missing entry symbol,
// another ABI version or options the plugin refuses are InvalidArgument: one
// line naming the path. A path without a slash is relative to the current
// directory (the dynamic linker's search path is never used).
Result<std::unique_ptr<Logic>> OpenPluginLogic(const std::string& path, const LogicSpec& spec);

}  // namespace rp::logic
