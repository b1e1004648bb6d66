// Health: what /healthz and /readyz answer, for Kubernetes probes and load
// balancers. A job records facts as it runs (its main loop turned, partitions
// assigned, brokers unreachable since, lag, progress committed); the endpoint
// thread takes a Snapshot and the pure Check* functions decide, so the
// decisions are unit-testable without a broker or a clock.
//
// Liveness: the process is alive and its main loop turned within
// `max_loop_stall` (a wedged loop is what a restart fixes). Startup and
// shutdown have their own time limits (broker timeout, flush timeout), so
// they count as alive.
//
// Readiness: running, the loop turning, a broker reachable, partitions
// assigned (jobs in a consumer group), and, while there is lag, progress
// committed within `max_commit_age` (a Delta commit for sync, an offset commit
// or a transaction for stream); before the first commit, the time since the
// job started running counts.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace rp::metrics {

using HealthClock = std::chrono::steady_clock;

struct HealthPolicy {
  std::chrono::milliseconds max_loop_stall{std::chrono::seconds(60)};
  std::chrono::milliseconds max_commit_age{std::chrono::seconds(60)};
};

enum class JobPhase { kStarting, kRunning, kStopping };

// The facts at one moment.
struct HealthSnapshot {
  HealthClock::time_point now;
  JobPhase phase = JobPhase::kStarting;
  HealthClock::time_point last_loop_turn;  // or when the job started running
  std::optional<int> assigned_partitions;  // nullopt: the job joins no consumer group
  std::optional<HealthClock::time_point> brokers_down_since;
  int64_t lag_records = 0;              // over the assigned partitions
  HealthClock::time_point last_commit;  // or when the job started running
  bool committed = false;               // false: last_commit is the start
};

struct HealthVerdict {
  bool ok = false;
  std::string reason;  // one line, no newline
};

HealthVerdict CheckLiveness(const HealthSnapshot& s, const HealthPolicy& policy);
HealthVerdict CheckReadiness(const HealthSnapshot& s, const HealthPolicy& policy);

// The recorder: written by the job's threads, read by the endpoint's.
class Health {
 public:
  // Until the job runs, its start is the time of construction.
  explicit Health(HealthPolicy policy = {})
      : policy_(policy), last_loop_ns_(NowNs()), running_since_ns_(NowNs()) {}

  void SetPhase(JobPhase phase);
  // Called once, on the job's thread, when it first starts running (set
  // before the job starts): what should wait until every refusal is past.
  void OnRunning(std::function<void()> callback) { on_running_ = std::move(callback); }
  void LoopTurned() { last_loop_ns_.store(NowNs(), std::memory_order_relaxed); }
  void SetAssignedPartitions(int n) { assigned_.store(n, std::memory_order_relaxed); }
  // nullopt: a broker answers.
  void SetBrokersDownSince(std::optional<HealthClock::time_point> since);
  void SetLag(int64_t records) { lag_.store(records, std::memory_order_relaxed); }
  void Committed();

  HealthSnapshot Snapshot() const;
  HealthVerdict Liveness() const { return CheckLiveness(Snapshot(), policy_); }
  HealthVerdict Readiness() const { return CheckReadiness(Snapshot(), policy_); }
  const HealthPolicy& policy() const { return policy_; }

 private:
  static int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(HealthClock::now().time_since_epoch())
        .count();
  }

  const HealthPolicy policy_;
  std::atomic<int> phase_{static_cast<int>(JobPhase::kStarting)};
  std::atomic<int64_t> last_loop_ns_;
  std::atomic<int64_t> running_since_ns_;
  std::atomic<int> assigned_{-1};  // -1: no consumer group
  std::atomic<int64_t> down_since_ns_{-1};
  std::atomic<int64_t> lag_{0};
  std::function<void()> on_running_;
  std::atomic<bool> ran_on_running_{false};
  std::atomic<int64_t> last_commit_ns_{-1};  // -1: none yet
};

}  // namespace rp::metrics
