// The built-in `visits` logic behind the Logic seam: VisitTransformer (Spark
// from_json/to_json, exact) applied to the record's value. The output keeps
// the input's key and carries no headers of its own (the jobs add their
// source headers), exactly as the jobs behaved before logics were pluggable.
#pragma once

#include <memory>

#include "logic/logic.h"

namespace rp::logic {

std::unique_ptr<Logic> NewVisitsLogic(TransformOptions options);

}  // namespace rp::logic
