// JobMetrics: every Prometheus metric of the sync, stream and reprocess jobs,
// in one registry, so that names, labels and help texts are defined in one
// place (README, "Metrics and health", lists them). Names follow Prometheus
// conventions: the reprocessor_ prefix, base units (seconds, bytes), _total on
// counters and only on counters.
//
// Jobs update it from their own threads: counters and gauges are atomics, and
// label sets that come and go (lag per assigned partition, dead-letter
// reasons) are guarded by a mutex. Values that depend on the moment of the
// scrape (seconds since the last commit; a producer's queue, through
// OnScrape) are computed in Render(), on the endpoint's thread, rather than by
// a timer. A job given no JobMetrics (no --metrics-address) skips all of it.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/build_info.h"
#include "metrics/health.h"

namespace rp::metrics {

class JobMetrics;

// A hook run before each scrape; unregistered when this is destroyed, so an
// owner destroys it before what the hook reads.
class ScrapeHook {
 public:
  ScrapeHook() = default;
  ScrapeHook(JobMetrics* metrics, uint64_t id) : metrics_(metrics), id_(id) {}
  ScrapeHook(ScrapeHook&& other) noexcept { *this = std::move(other); }
  ScrapeHook& operator=(ScrapeHook&& other) noexcept;
  ~ScrapeHook() { Reset(); }
  void Reset();

 private:
  JobMetrics* metrics_ = nullptr;
  uint64_t id_ = 0;
};

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  std::optional<int64_t> records;  // nullopt: not known yet (no fetch answered)
};

// Dead-letter reasons come from the logic (a Lua script or plugin may invent
// them): past this many distinct ones, further reasons are counted as "other".
inline constexpr size_t kMaxDeadLetterReasons = 32;

class JobMetrics {
 public:
  explicit JobMetrics(const BuildInfo& build, HealthPolicy health = {});
  ~JobMetrics();
  JobMetrics(const JobMetrics&) = delete;
  JobMetrics& operator=(const JobMetrics&) = delete;

  // The Prometheus text exposition (format 0.0.4) of every metric now.
  std::string Render();
  Health& health() { return health_; }

  // Records taken in: consumed by sync and stream, read from the table by reprocess.
  void RecordsIn(int64_t records, int64_t bytes);
  // Records written out: to the output topic (stream, reprocess) or the table (sync).
  void RecordsOut(int64_t records, int64_t bytes);
  void RecordFiltered() { filtered_.Increment(); }
  void RecordsDeadLettered(std::string_view reason, int64_t records = 1);

  // A commit to the data table: its version, the files it added and their
  // bytes, and how long writing them and committing took.
  void DataTableCommit(int64_t version, int64_t files, int64_t bytes, double seconds);
  void DeadLetterTableCommit() { dead_letter_commits_.Increment(); }
  void Compaction(int64_t version);
  // The table's version, as last seen (only ever raised).
  void SetTableVersion(int64_t version);
  // The job's progress is durable now (a Delta commit, committed offsets, a
  // committed transaction): freshness and readiness count from here.
  void Committed();

  // The assigned partitions and their lag; partitions no longer listed are dropped.
  void SetPartitions(const std::vector<PartitionLag>& partitions);
  // A producer's queue now, and its running totals of delivery errors and
  // request retries (counters follow the totals; a smaller total is a new producer).
  void SetProducerState(int64_t queued, int64_t delivery_errors, int64_t retries);

  // reprocess: rows replayed so far, of `total` selected (-1: not known yet).
  // Each call is a turn of its loop; `final` once the rows are all handed
  // to the producer (what remains is the final flush).
  void SetReprocessProgress(int64_t done, int64_t total, bool final = false);

  ScrapeHook OnScrape(std::function<void()> hook);

 private:
  friend class ScrapeHook;
  void RemoveHook(uint64_t id);

  std::shared_ptr<prometheus::Registry> registry_;
  Health health_;
  prometheus::Counter& input_records_;
  prometheus::Counter& input_bytes_;
  prometheus::Counter& output_records_;
  prometheus::Counter& output_bytes_;
  prometheus::Counter& filtered_;
  prometheus::Family<prometheus::Counter>& dead_lettered_;
  prometheus::Family<prometheus::Counter>& commits_;
  prometheus::Counter& data_commits_;
  prometheus::Counter& dead_letter_commits_;
  prometheus::Histogram& commit_duration_;
  prometheus::Counter& files_written_;
  prometheus::Counter& bytes_written_;
  prometheus::Counter& compactions_;
  prometheus::Gauge& table_version_;
  prometheus::Gauge& last_commit_timestamp_;
  prometheus::Gauge& last_commit_age_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Gauge& assigned_;
  prometheus::Gauge& producer_queue_;
  prometheus::Counter& delivery_errors_;
  prometheus::Counter& retries_;
  prometheus::Gauge& reprocess_rows_;
  prometheus::Counter& reprocess_done_;

  std::mutex mu_;  // the maps and last totals below
  std::map<std::string, prometheus::Counter*, std::less<>> reasons_;
  std::map<std::pair<std::string, int32_t>, prometheus::Gauge*> partitions_;
  int64_t table_version_seen_ = -1;
  int64_t last_delivery_errors_ = 0, last_retries_ = 0, last_reprocess_done_ = 0;

  std::mutex render_mu_;  // one scrape at a time
  std::mutex hooks_mu_;
  std::map<uint64_t, std::function<void()>> hooks_;
  uint64_t next_hook_ = 1;
};

}  // namespace rp::metrics
