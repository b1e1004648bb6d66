// Graceful stop on SIGINT/SIGTERM: the handler only sets a flag; each job
// polls it between batches, then flushes, commits and exits 0.
#pragma once

#include <atomic>

namespace rp::jobs {

// Installs the handlers (idempotent) and returns the flag they set.
const std::atomic<bool>& InstallShutdownHandlers();

}  // namespace rp::jobs
