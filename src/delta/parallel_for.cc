#include "delta/parallel_for.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

namespace rp::delta {

Status ParallelFor(size_t n, int threads, const std::atomic<bool>* cancel,
                   const std::function<Status(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first;
  auto work = [&] {
    size_t i;
    while (!failed.load() && !(cancel && cancel->load()) && (i = next.fetch_add(1)) < n) {
      Status s = fn(i);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first.ok()) first = s;
        failed.store(true);
      }
    }
  };
  size_t count =
      threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
  count = std::min(count, n);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < count; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return first;
}

}  // namespace rp::delta
