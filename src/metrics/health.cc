#include "metrics/health.h"

#include <fmt/format.h>

namespace rp::metrics {
namespace {

double Seconds(HealthClock::duration d) { return std::chrono::duration<double>(d).count(); }

HealthClock::time_point FromNs(int64_t ns) {
  return HealthClock::time_point(
      std::chrono::duration_cast<HealthClock::duration>(std::chrono::nanoseconds(ns)));
}

std::optional<HealthVerdict> LoopStalled(const HealthSnapshot& s, const HealthPolicy& policy) {
  const auto stalled = s.now - s.last_loop_turn;
  if (s.phase != JobPhase::kRunning || stalled <= policy.max_loop_stall) return std::nullopt;
  return HealthVerdict{false, fmt::format("main loop has not turned for {:.1f} s (limit {:.0f} s)",
                                          Seconds(stalled), Seconds(policy.max_loop_stall))};
}

}  // namespace

HealthVerdict CheckLiveness(const HealthSnapshot& s, const HealthPolicy& policy) {
  if (auto stalled = LoopStalled(s, policy)) return *stalled;
  switch (s.phase) {
    case JobPhase::kStarting:
      return {true, "alive: starting"};
    case JobPhase::kStopping:
      return {true, "alive: stopping"};
    case JobPhase::kRunning:
      break;
  }
  return {true, fmt::format("alive: main loop turned {:.1f} s ago", Seconds(s.now - s.last_loop_turn))};
}

HealthVerdict CheckReadiness(const HealthSnapshot& s, const HealthPolicy& policy) {
  if (s.phase == JobPhase::kStarting) return {false, "starting"};
  if (s.phase == JobPhase::kStopping) return {false, "stopping"};
  if (auto stalled = LoopStalled(s, policy)) return *stalled;
  // The broker first: without one, losing the partitions is a consequence.
  if (s.brokers_down_since) {
    return {false,
            fmt::format("no Kafka broker reachable for {:.1f} s", Seconds(s.now - *s.brokers_down_since))};
  }
  if (s.assigned_partitions && *s.assigned_partitions == 0) return {false, "no partitions assigned"};
  const auto commit_age = s.now - s.last_commit;
  const char* since = s.committed ? "last commit" : "no commit since the start";
  if (s.lag_records > 0 && commit_age > policy.max_commit_age) {
    return {false, fmt::format("{} {:.1f} s ago with a lag of {} records (limit {:.0f} s)", since,
                               Seconds(commit_age), s.lag_records, Seconds(policy.max_commit_age))};
  }
  std::string partitions =
      s.assigned_partitions ? fmt::format("{} partitions assigned, ", *s.assigned_partitions) : std::string();
  return {true, fmt::format("ready: {}lag {} records, {} {:.1f} s ago", partitions, s.lag_records, since,
                            Seconds(commit_age))};
}

void Health::SetPhase(JobPhase phase) {
  if (phase_.load() == static_cast<int>(JobPhase::kStopping)) return;  // stopping is final
  if (phase == JobPhase::kRunning && phase_.load() != static_cast<int>(JobPhase::kRunning)) {
    const int64_t now = NowNs();
    running_since_ns_.store(now);
    last_loop_ns_.store(now);
  }
  phase_.store(static_cast<int>(phase));
  if (phase == JobPhase::kRunning && on_running_ && !ran_on_running_.exchange(true)) on_running_();
}

void Health::SetBrokersDownSince(std::optional<HealthClock::time_point> since) {
  down_since_ns_.store(
      since ? std::chrono::duration_cast<std::chrono::nanoseconds>(since->time_since_epoch()).count() : -1,
      std::memory_order_relaxed);
}

void Health::Committed() { last_commit_ns_.store(NowNs(), std::memory_order_relaxed); }

HealthSnapshot Health::Snapshot() const {
  HealthSnapshot s;
  s.now = HealthClock::now();
  s.phase = static_cast<JobPhase>(phase_.load());
  s.last_loop_turn = FromNs(last_loop_ns_.load(std::memory_order_relaxed));
  const int assigned = assigned_.load(std::memory_order_relaxed);
  if (assigned >= 0) s.assigned_partitions = assigned;
  const int64_t down = down_since_ns_.load(std::memory_order_relaxed);
  if (down >= 0) s.brokers_down_since = FromNs(down);
  s.lag_records = lag_.load(std::memory_order_relaxed);
  const int64_t commit = last_commit_ns_.load(std::memory_order_relaxed);
  s.committed = commit >= 0;
  s.last_commit = FromNs(s.committed ? commit : running_since_ns_.load());
  return s;
}

}  // namespace rp::metrics
