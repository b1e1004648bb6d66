// The /healthz and /readyz decisions, from snapshots at chosen moments.
#include "metrics/health.h"

#include <gtest/gtest.h>

namespace rp::metrics {
namespace {

using std::chrono::seconds;

// A running job with one partition, no lag, a commit 1 s ago, its loop
// turned 0.1 s ago.
HealthSnapshot Running() {
  HealthSnapshot s;
  s.now = HealthClock::time_point(std::chrono::hours(1000));
  s.phase = JobPhase::kRunning;
  s.last_loop_turn = s.now - std::chrono::milliseconds(100);
  s.assigned_partitions = 1;
  s.last_commit = s.now - seconds(1);
  s.committed = true;
  return s;
}

const HealthPolicy kPolicy{seconds(60), seconds(30)};

TEST(Health, ARunningJobIsAliveAndReady) {
  EXPECT_TRUE(CheckLiveness(Running(), kPolicy).ok);
  const HealthVerdict ready = CheckReadiness(Running(), kPolicy);
  EXPECT_TRUE(ready.ok) << ready.reason;
  EXPECT_EQ(ready.reason, "ready: 1 partitions assigned, lag 0 records, last commit 1.0 s ago");
}

TEST(Health, AStalledLoopIsNeitherAliveNorReady) {
  HealthSnapshot s = Running();
  s.last_loop_turn = s.now - seconds(61);
  EXPECT_FALSE(CheckLiveness(s, kPolicy).ok);
  EXPECT_EQ(CheckLiveness(s, kPolicy).reason, "main loop has not turned for 61.0 s (limit 60 s)");
  EXPECT_EQ(CheckReadiness(s, kPolicy).reason, "main loop has not turned for 61.0 s (limit 60 s)");
  s.last_loop_turn = s.now - seconds(59);
  EXPECT_TRUE(CheckLiveness(s, kPolicy).ok);
}

TEST(Health, StartingAndStoppingAreAliveButNotReady) {
  for (JobPhase phase : {JobPhase::kStarting, JobPhase::kStopping}) {
    HealthSnapshot s = Running();
    s.phase = phase;
    s.last_loop_turn = s.now - seconds(600);  // startup and shutdown have their own limits
    EXPECT_TRUE(CheckLiveness(s, kPolicy).ok);
    const HealthVerdict ready = CheckReadiness(s, kPolicy);
    EXPECT_FALSE(ready.ok);
    EXPECT_EQ(ready.reason, phase == JobPhase::kStarting ? "starting" : "stopping");
  }
}

TEST(Health, NoBrokerMeansNotReadyButAlive) {
  HealthSnapshot s = Running();
  s.brokers_down_since = s.now - seconds(12);
  s.assigned_partitions = 0;  // the broker's absence explains this: it is named first
  EXPECT_TRUE(CheckLiveness(s, kPolicy).ok);
  EXPECT_EQ(CheckReadiness(s, kPolicy).reason, "no Kafka broker reachable for 12.0 s");
}

TEST(Health, NoPartitionsMeansNotReady) {
  HealthSnapshot s = Running();
  s.assigned_partitions = 0;
  EXPECT_EQ(CheckReadiness(s, kPolicy).reason, "no partitions assigned");
  s.assigned_partitions.reset();  // a job outside any group (reprocess)
  EXPECT_TRUE(CheckReadiness(s, kPolicy).ok);
}

TEST(Health, AnOldCommitMattersOnlyWhileThereIsLag) {
  HealthSnapshot s = Running();
  s.last_commit = s.now - seconds(31);
  EXPECT_TRUE(CheckReadiness(s, kPolicy).ok);  // idle: nothing to commit
  s.lag_records = 500;
  EXPECT_EQ(CheckReadiness(s, kPolicy).reason,
            "last commit 31.0 s ago with a lag of 500 records (limit 30 s)");
  s.last_commit = s.now - seconds(29);
  EXPECT_TRUE(CheckReadiness(s, kPolicy).ok);
}

TEST(Health, BeforeTheFirstCommitTheStartCounts) {
  HealthSnapshot s = Running();
  s.committed = false;
  s.last_commit = s.now - seconds(45);  // started running 45 s ago
  s.lag_records = 1;
  EXPECT_EQ(CheckReadiness(s, kPolicy).reason,
            "no commit since the start 45.0 s ago with a lag of 1 records (limit 30 s)");
}

TEST(Health, TheRunningCallbackRunsOnceWhenTheJobFirstRuns) {
  Health h(kPolicy);
  int calls = 0;
  h.OnRunning([&] { ++calls; });
  h.SetPhase(JobPhase::kStarting);
  EXPECT_EQ(calls, 0);
  h.SetPhase(JobPhase::kRunning);
  h.SetPhase(JobPhase::kRunning);
  EXPECT_EQ(calls, 1);
}

TEST(Health, TheRecorderSnapshotsWhatTheJobSaid) {
  Health h(kPolicy);
  EXPECT_EQ(h.Readiness().reason, "starting");
  EXPECT_TRUE(h.Liveness().ok);
  h.SetPhase(JobPhase::kRunning);
  h.SetAssignedPartitions(3);
  h.SetLag(7);
  HealthSnapshot s = h.Snapshot();
  EXPECT_EQ(s.assigned_partitions, 3);
  EXPECT_EQ(s.lag_records, 7);
  EXPECT_FALSE(s.committed);
  EXPECT_TRUE(h.Readiness().ok) << h.Readiness().reason;
  h.SetBrokersDownSince(HealthClock::now() - seconds(2));
  EXPECT_FALSE(h.Readiness().ok);
  h.SetBrokersDownSince(std::nullopt);
  h.Committed();
  EXPECT_TRUE(h.Snapshot().committed);
  EXPECT_TRUE(h.Readiness().ok);
  h.SetPhase(JobPhase::kStopping);
  h.SetPhase(JobPhase::kRunning);  // stopping is final
  EXPECT_EQ(h.Readiness().reason, "stopping");
}

}  // namespace
}  // namespace rp::metrics
