#include "jobs/compactor.h"

#include <sys/resource.h>
#include <unistd.h>

#include "common/log.h"
#include "delta/table.h"

namespace rp::jobs {

Result<std::unique_ptr<Compactor>> Compactor::Start(CompactorOptions options) {
  std::unique_ptr<Compactor> c(new Compactor(std::move(options)));
  c->thread_ = std::thread([raw = c.get()] { raw->Loop(); });
  return c;
}

Compactor::Compactor(CompactorOptions options) : options_(std::move(options)) {}

Compactor::~Compactor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Compactor::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = true;
  }
  cv_.notify_all();
}

CompactorStats Compactor::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void Compactor::Loop() {
  // Linux applies a nice value set with the thread id to that thread alone:
  // under contention ingestion gets the CPU first.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
  std::unique_ptr<delta::Table> table;
  auto next_run = std::chrono::steady_clock::now() + options_.min_interval;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, next_run, [&] { return stop_; });
      if (stop_) return;
      if (!pending_) {
        next_run = std::chrono::steady_clock::now() + options_.min_interval;
        continue;
      }
      pending_ = false;
    }
    if (!table) {
      delta::TableOptions table_options;
      table_options.storage = options_.storage;
      auto opened = delta::Table::Open(options_.table_path, table_options);
      if (!opened.ok()) {
        Log(LogLevel::kWarn, "compact", "cannot open {}: {}", options_.table_path, opened.status().message());
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.failures;
        next_run = std::chrono::steady_clock::now() + options_.min_interval;
        continue;
      }
      table = std::move(*opened);
    }
    auto metrics = delta::Optimize(table.get(), options_.optimize);
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.runs;
    if (!metrics.ok()) {
      ++stats_.failures;
      Log(LogLevel::kWarn, "compact", "will retry: {}", metrics.status().message());
      table.reset();  // start again from a fresh handle
    } else if (metrics->version) {
      ++stats_.commits;
      if (options_.metrics) options_.metrics->Compaction(*metrics->version);
      stats_.files_removed += metrics->files_removed;
      stats_.files_added += metrics->files_added;
      Log(LogLevel::kInfo, "compact", "{}", metrics->ToString());
    }
    next_run = std::chrono::steady_clock::now() + options_.min_interval;
  }
}

}  // namespace rp::jobs
