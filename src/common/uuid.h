// Random (version 4) UUIDs, for table ids, data file names and run ids.
#pragma once

#include <string>

namespace rp {

// e.g. "3b241101-e2bb-4255-8caf-4136c566a962". Thread-safe.
std::string NewUuid();

}  // namespace rp
