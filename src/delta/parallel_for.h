// ParallelFor: fn(0..n-1) on a few threads, the calling one included. Scans
// read files and row groups this way (Scan, OrderedScan's key pass and
// windows); one loop, so first-error and cancel rules are the same for all.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>

#include "common/status.h"

namespace rp::delta {

// Runs fn(i) for i in [0, n) on up to `threads` threads (0: one per core,
// never more than n); the first error wins and stops the rest, as does
// `cancel` (nullptr: none). Returns that error, or OK.
Status ParallelFor(size_t n, int threads, const std::atomic<bool>* cancel,
                   const std::function<Status(size_t)>& fn);

}  // namespace rp::delta
