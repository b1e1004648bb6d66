// Metadata cleanup: which log files go at which cutoff, and what stays
// readable afterwards.
//
// The table of most tests: commits 0..35, one add each after 0, checkpoints
// at 10, 20 and 30 (the default interval). Commit v (and its .crc and
// checkpoint) was last modified at midnight UTC on day v after kT0, so with
// the default 30-day retention "now = kT0 + (k + 30) days" puts the cutoff
// exactly on commit k.
#include "delta/log_cleanup.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "delta/action_json.h"
#include "delta/checkpoint.h"
#include "delta/log_paths.h"
#include "log_test_util.h"
#include "support/jobs.h"

namespace rp::delta {
namespace {

using testing::KafkaSchema;
using testing::MakeAdd;
using testing::TempDir;
using testing::WriteFile;

constexpr int64_t kHour = 3600LL * 1000, kDay = 24 * kHour;
constexpr int64_t kT0 = 1704067200000;  // 2024-01-01T00:00:00Z
constexpr int64_t kDefaultRetention = 30 * kDay;

// The clock at which the default retention's cutoff is midnight of day k.
int64_t NowForCutoffOnDay(int64_t k) { return kT0 + k * kDay + kDefaultRetention; }

void SetMtime(const std::string& path, int64_t ms) {
  struct timespec times[2];
  times[0].tv_sec = ms / 1000;
  times[0].tv_nsec = (ms % 1000) * 1000000;
  times[1] = times[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

// A file in _delta_log named like the version-`v` ones, aged like them.
void WriteLogFile(const LogStore& store, const std::string& name, int64_t mtime) {
  WriteFile(store.PathOf(name), "x");
  SetMtime(store.PathOf(name), mtime);
}

class LogCleanup : public ::testing::Test {
 protected:
  // Commits 0..last_version; cleanup during the build is off so that the
  // tests decide when it runs.
  void Build(std::map<std::string, std::string> configuration = {}, int64_t last_version = 35) {
    TableOptions options;
    options.clean_up_expired_logs = false;
    options.clock = [] { return kT0; };
    auto table = Table::Create(path(), *KafkaSchema(), {"year"}, std::move(configuration), options);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = std::move(*table);
    for (int64_t v = 1; v <= last_version; ++v) {
      auto committed =
          table_->NewTransaction().AddFile(MakeAdd("f" + std::to_string(v), "2024", v)).Commit("WRITE");
      ASSERT_TRUE(committed.ok()) << committed.status().ToString();
    }
    AgeLogFiles();
  }

  // Every versioned file in _delta_log to midnight of its version's day.
  void AgeLogFiles() {
    for (const auto& e : std::filesystem::directory_iterator(store().log_dir())) {
      const std::string name = e.path().filename().string();
      if (name.size() < 20 ||
          !std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) {
        continue;
      }
      SetMtime(e.path().string(), kT0 + std::stoll(name.substr(0, 20)) * kDay);
    }
  }

  std::string path() const { return dir_.path() + "/t"; }
  const LogStore& store() const { return table_->log_store(); }

  std::set<std::string> LogNames() const {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(store().log_dir())) {
      names.insert(e.path().filename().string());
    }
    return names;
  }

  static std::vector<std::string> VersionFiles(int64_t from, int64_t to_exclusive, bool with_checkpoints) {
    std::vector<std::pair<int64_t, std::string>> files;
    for (int64_t v = from; v < to_exclusive; ++v) {
      files.emplace_back(v, CommitFileName(v));
      files.emplace_back(v, ChecksumFileName(v));
      if (with_checkpoints && v > 0 && v % 10 == 0) files.emplace_back(v, CheckpointFileName(v));
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> names;
    for (auto& [v, name] : files) names.push_back(name);
    return names;
  }

  LogCleanupPlan Plan(int64_t now, int64_t retention = kDefaultRetention) {
    auto plan = PlanLogCleanup(store(), retention, now);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return plan.ok() ? *plan : LogCleanupPlan{};
  }

  LogCleanupResult CleanUp(int64_t now) {
    auto result = CleanUpExpiredLogs(store(), *table_->snapshot(), now);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : LogCleanupResult{};
  }

  TempDir dir_;
  std::unique_ptr<Table> table_;
};

TEST_F(LogCleanup, NothingGoesWhileNoCheckpointIsAtOrBeforeTheCutoffCommit) {
  Build();
  LogCleanupPlan plan = Plan(NowForCutoffOnDay(9));
  EXPECT_EQ(plan.cutoff_ms, kT0 + 9 * kDay);
  EXPECT_EQ(plan.cutoff_commit, 9);
  EXPECT_EQ(plan.cutoff_checkpoint, std::nullopt);
  EXPECT_TRUE(plan.files.empty());
}

TEST_F(LogCleanup, EverythingBelowTheNewestCheckpointAtOrBeforeTheCutoffCommitGoes) {
  Build();
  const std::set<std::string> before = LogNames();
  LogCleanupResult result = CleanUp(NowForCutoffOnDay(25));
  EXPECT_EQ(result.plan.cutoff_commit, 25);
  EXPECT_EQ(result.plan.cutoff_checkpoint, 20);
  // Oldest version first; the checkpoint of 10 goes, that of 20 stays.
  EXPECT_EQ(result.plan.files, VersionFiles(0, 20, true));
  EXPECT_EQ(result.files_deleted, 40 + 1);

  std::set<std::string> expected = before;
  for (const auto& name : VersionFiles(0, 20, true)) expected.erase(name);
  EXPECT_EQ(LogNames(), expected);
  EXPECT_TRUE(LogNames().count(CheckpointFileName(20)));
  EXPECT_TRUE(LogNames().count(CommitFileName(20)));
  EXPECT_TRUE(LogNames().count(ChecksumFileName(20)));
}

TEST_F(LogCleanup, ACommitExactlyAtTheCutoffCountsAndSoDoesItsCheckpoint) {
  Build();
  LogCleanupPlan at = Plan(NowForCutoffOnDay(20));
  EXPECT_EQ(at.cutoff_commit, 20);
  EXPECT_EQ(at.cutoff_checkpoint, 20);
  LogCleanupPlan just_before = Plan(NowForCutoffOnDay(20) - 1);
  EXPECT_EQ(just_before.cutoff_commit, 19);
  EXPECT_EQ(just_before.cutoff_checkpoint, 10);
  EXPECT_EQ(just_before.files, VersionFiles(0, 10, true));
}

TEST_F(LogCleanup, TheCutoffIsMidnightUtcAtOrBeforeNowMinusTheRetention) {
  Build();
  // Almost a whole day past midnight of day 20 still cuts at day 20.
  LogCleanupPlan plan = Plan(NowForCutoffOnDay(20) + 23 * kHour + 59 * 60 * 1000);
  EXPECT_EQ(plan.cutoff_ms, kT0 + 20 * kDay);
  EXPECT_EQ(plan.cutoff_commit, 20);
}

TEST_F(LogCleanup, ExactLogRetentionCutsAtNowMinusTheRetentionItself) {
  // Raw tables (reprocessor.exactLogRetention=true) commit around the clock:
  // here commit v is v hours after kT0, the retention one hour, and the
  // clock 31 h after kT0. The exact cutoff (30 h) reaches commit 30 and its
  // checkpoint; the protocol's midnight (24 h) stops at commit 24, whose
  // newest checkpoint is 20.
  Build({{"reprocessor.exactLogRetention", "true"}, {"delta.logRetentionDuration", "interval 1 hours"}});
  for (const auto& e : std::filesystem::directory_iterator(store().log_dir())) {
    const std::string name = e.path().filename().string();
    if (name.size() >= 20 && std::isdigit(static_cast<unsigned char>(name[0]))) {
      SetMtime(e.path().string(), kT0 + std::stoll(name.substr(0, 20)) * kHour);
    }
  }
  const int64_t now = kT0 + 31 * kHour;
  auto protocol = PlanLogCleanup(store(), kHour, now, /*exact=*/false);
  ASSERT_TRUE(protocol.ok()) << protocol.status().ToString();
  EXPECT_EQ(protocol->cutoff_ms, kT0 + kDay);
  EXPECT_EQ(protocol->cutoff_commit, 24);
  EXPECT_EQ(protocol->cutoff_checkpoint, 20);

  LogCleanupResult result = CleanUp(now);  // the table's property: exact
  EXPECT_EQ(result.plan.cutoff_ms, now - kHour);
  EXPECT_EQ(result.plan.cutoff_commit, 30);
  EXPECT_EQ(result.plan.cutoff_checkpoint, 30);
  EXPECT_EQ(result.plan.files, VersionFiles(0, 30, true));
  EXPECT_FALSE(LogNames().count(CommitFileName(29)));
  EXPECT_TRUE(LogNames().count(CommitFileName(30)));
  EXPECT_TRUE(LogNames().count(CheckpointFileName(30)));
}

TEST_F(LogCleanup, TheNewestCheckpointAndEverythingAfterItStayWhenAllIsExpired) {
  Build();
  LogCleanupResult result = CleanUp(NowForCutoffOnDay(1000));
  EXPECT_EQ(result.plan.cutoff_commit, 35);
  EXPECT_EQ(result.plan.cutoff_checkpoint, 30);
  EXPECT_EQ(result.plan.files, VersionFiles(0, 30, true));
  for (int64_t v = 30; v <= 35; ++v) EXPECT_TRUE(LogNames().count(CommitFileName(v))) << v;
  EXPECT_TRUE(LogNames().count(std::string(kLastCheckpointFileName)));
}

TEST_F(LogCleanup, TimeTravelWorksFromTheCutoffCheckpointOnAndBelowItIsAClearNotFound) {
  Build();
  CleanUp(NowForCutoffOnDay(25));

  auto reopened = Table::Open(path());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->snapshot()->version(), 35);
  EXPECT_EQ((*reopened)->snapshot()->num_files(), 35);
  for (int64_t v = 20; v <= 35; ++v) {
    auto snap = (*reopened)->GetSnapshot(v);
    ASSERT_TRUE(snap.ok()) << v << ": " << snap.status().ToString();
    EXPECT_EQ((*snap)->version(), v);
    EXPECT_EQ((*snap)->num_files(), v);  // one add per commit after 0
  }
  for (int64_t v : {0, 5, 10, 19}) {
    auto snap = (*reopened)->GetSnapshot(v);
    ASSERT_FALSE(snap.ok()) << v;
    EXPECT_TRUE(snap.status().IsNotFound()) << snap.status().ToString();
    EXPECT_NE(snap.status().message().find("cannot be reconstructed"), std::string::npos)
        << snap.status().ToString();
  }
}

TEST_F(LogCleanup, DeltaRsOpensTheTableAndItsRetainedVersionsAfterCleanup) {
  Build();
  CleanUp(NowForCutoffOnDay(25));
  auto r = ::rp::testing::RunPython(
      "from deltalake import DeltaTable\n"
      "p = '" +
      path() +
      "'\n"
      "t = DeltaTable(p)\n"
      "print(t.version(), len(t.file_uris()))\n"
      "old = DeltaTable(p, version=20)\n"
      "print(old.version(), len(old.file_uris()))\n"
      "try:\n"
      "    DeltaTable(p, version=19)\n"
      "    print('19 loaded')\n"
      "except Exception:\n"
      "    print('19 gone')\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "35 35\n20 20\n19 gone\n");
}

TEST_F(LogCleanup, ACommitWhoseClockWentBackwardsCannotPullNewerCommitsUnderTheCutoff) {
  Build();
  // Commit 31 claims to be older than everything: taken literally, the
  // newest commit not newer than the cutoff would be 31 and checkpoint 30
  // the boundary, deleting commits 26..29 that are inside the retention.
  SetMtime(store().PathOf(CommitFileName(31)), kT0);
  LogCleanupPlan plan = Plan(NowForCutoffOnDay(25));
  EXPECT_EQ(plan.cutoff_commit, 25);
  EXPECT_EQ(plan.cutoff_checkpoint, 20);
}

TEST_F(LogCleanup, WithoutLastCheckpointNothingGoes) {
  Build();
  std::filesystem::remove(store().PathOf(kLastCheckpointFileName));
  LogCleanupPlan plan = Plan(NowForCutoffOnDay(1000));
  EXPECT_EQ(plan.cutoff_checkpoint, std::nullopt);
  EXPECT_TRUE(plan.files.empty());
}

TEST_F(LogCleanup, NeverBeyondTheCheckpointLastCheckpointNames) {
  Build();
  LastCheckpoint hint;
  hint.version = 10;
  hint.size = 1;
  ASSERT_TRUE(store().PutReplace(kLastCheckpointFileName, SerializeLastCheckpoint(hint)).ok());
  LogCleanupPlan plan = Plan(NowForCutoffOnDay(1000));
  EXPECT_EQ(plan.cutoff_checkpoint, 10);
  EXPECT_EQ(plan.files, VersionFiles(0, 10, true));
}

TEST_F(LogCleanup, AnEmptyCheckpointFileIsNoBoundary) {
  Build();
  WriteFile(store().PathOf(CheckpointFileName(20)), "");
  SetMtime(store().PathOf(CheckpointFileName(20)), kT0 + 20 * kDay);
  LogCleanupPlan plan = Plan(NowForCutoffOnDay(25));
  EXPECT_EQ(plan.cutoff_checkpoint, 10);
}

TEST_F(LogCleanup, StagedCommitsDotFilesAndUnknownNamesStay) {
  Build();
  const int64_t old = kT0;
  WriteLogFile(store(), "_staged_commits/00000000000000000003.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json",
               old);
  WriteLogFile(store(), "00000000000000000003.json.tmp", old);
  WriteLogFile(store(), ".00000000000000000003.json.5d3f.tmp", old);
  WriteLogFile(store(), "00000000000000000003.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json", old);
  WriteLogFile(store(), "notes.txt", old);
  CleanUp(NowForCutoffOnDay(25));
  EXPECT_TRUE(std::filesystem::exists(
      store().PathOf("_staged_commits/00000000000000000003.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json")));
  for (const char* name :
       {"00000000000000000003.json.tmp", ".00000000000000000003.json.5d3f.tmp",
        "00000000000000000003.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json", "notes.txt"}) {
    EXPECT_TRUE(LogNames().count(name)) << name;
  }
  EXPECT_FALSE(LogNames().count(CommitFileName(3)));
}

TEST_F(LogCleanup, MultiPartCheckpointsAndCompactionsBelowTheBoundaryGoToo) {
  Build();
  const std::string part1 = "00000000000000000005.checkpoint.0000000001.0000000002.parquet";
  const std::string part2 = "00000000000000000005.checkpoint.0000000002.0000000002.parquet";
  const std::string early_compaction = "00000000000000000003.00000000000000000008.compacted.json";
  const std::string compaction_at_boundary = "00000000000000000020.00000000000000000024.compacted.json";
  const std::string later_compaction = "00000000000000000021.00000000000000000024.compacted.json";
  for (const auto& name : {part1, part2, early_compaction, compaction_at_boundary, later_compaction}) {
    WriteLogFile(store(), name, kT0);
  }
  CleanUp(NowForCutoffOnDay(25));
  const auto names = LogNames();
  EXPECT_FALSE(names.count(part1));
  EXPECT_FALSE(names.count(part2));
  EXPECT_FALSE(names.count(early_compaction));
  EXPECT_FALSE(names.count(compaction_at_boundary));  // PROTOCOL.md: startVersion <= the checkpoint's
  EXPECT_TRUE(names.count(later_compaction));
}

TEST_F(LogCleanup, HadoopChecksumSidecarsGoWithTheirFiles) {
  Build();
  WriteLogFile(store(), ".00000000000000000003.json.crc", kT0);
  WriteLogFile(store(), ".00000000000000000025.json.crc", kT0);
  CleanUp(NowForCutoffOnDay(25));
  EXPECT_FALSE(LogNames().count(".00000000000000000003.json.crc"));
  EXPECT_TRUE(LogNames().count(".00000000000000000025.json.crc"));
}

TEST_F(LogCleanup, TheRetentionIsDeltaLogRetentionDuration) {
  Build({{"delta.logRetentionDuration", "interval 2 days"}});
  LogCleanupResult result = CleanUp(kT0 + 27 * kDay);
  EXPECT_EQ(result.plan.cutoff_commit, 25);
  EXPECT_EQ(result.plan.cutoff_checkpoint, 20);
  EXPECT_FALSE(LogNames().count(CommitFileName(19)));
}

TEST_F(LogCleanup, EnableExpiredLogCleanupFalseKeepsEverything) {
  Build({{"delta.enableExpiredLogCleanup", "false"}});
  const auto before = LogNames();
  LogCleanupResult result = CleanUp(NowForCutoffOnDay(1000));
  EXPECT_FALSE(result.enabled);
  EXPECT_EQ(result.files_deleted, 0);
  EXPECT_EQ(LogNames(), before);
}

TEST_F(LogCleanup, AnUnparsableRetentionIsAnErrorNamingThePropertyAndDeletesNothing) {
  Build({{"delta.logRetentionDuration", "interval 1 month"}});
  const auto before = LogNames();
  auto result = CleanUpExpiredLogs(store(), *table_->snapshot(), NowForCutoffOnDay(1000));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().IsInvalidArgument());
  EXPECT_NE(result.status().message().find("delta.logRetentionDuration"), std::string::npos);
  EXPECT_EQ(LogNames(), before);
}

// --- Through Table: cleanup follows each checkpoint. ---

class TableLogCleanup : public LogCleanup {
 protected:
  // Commits 1..29 aged by day, then commit 30 (a checkpoint version) at
  // `now`, with `options` (clock and error sink filled in here).
  void CommitCheckpointVersionAt(int64_t now, TableOptions options,
                                 std::map<std::string, std::string> configuration = {}) {
    Build(std::move(configuration), 29);
    options.clock = [now] { return now; };
    options.on_maintenance_error = [this](const Status& st) { errors_.push_back(st.ToString()); };
    auto table = Table::Open(path(), options);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    auto committed = (*table)->NewTransaction().AddFile(MakeAdd("f30", "2024", 30)).Commit("WRITE");
    ASSERT_TRUE(committed.ok()) << committed.status().ToString();
    ASSERT_EQ(*committed, 30);
    ASSERT_TRUE(LogNames().count(CheckpointFileName(30)));
  }

  std::vector<std::string> errors_;
};

TEST_F(TableLogCleanup, ACheckpointIsFollowedByCleanup) {
  // Commit 30 itself is new (written now, by the real clock), so the cutoff
  // commit is 25 and the boundary checkpoint 20.
  CommitCheckpointVersionAt(NowForCutoffOnDay(25), TableOptions{});
  EXPECT_TRUE(errors_.empty());
  EXPECT_FALSE(LogNames().count(CommitFileName(19)));
  EXPECT_FALSE(LogNames().count(CheckpointFileName(10)));
  EXPECT_TRUE(LogNames().count(CommitFileName(20)));
  EXPECT_TRUE(LogNames().count(CheckpointFileName(20)));
}

TEST_F(TableLogCleanup, TheTableOptionTurnsItOff) {
  TableOptions options;
  options.clean_up_expired_logs = false;
  CommitCheckpointVersionAt(NowForCutoffOnDay(25), options);
  EXPECT_TRUE(errors_.empty());
  EXPECT_TRUE(LogNames().count(CommitFileName(0)));
  EXPECT_TRUE(LogNames().count(CheckpointFileName(10)));
}

TEST_F(TableLogCleanup, TheTablePropertyTurnsItOff) {
  CommitCheckpointVersionAt(NowForCutoffOnDay(25), TableOptions{},
                            {{"delta.enableExpiredLogCleanup", "false"}});
  EXPECT_TRUE(errors_.empty());
  EXPECT_TRUE(LogNames().count(CommitFileName(0)));
}

TEST_F(TableLogCleanup, AFailureIsReportedAndTheCommitStands) {
  CommitCheckpointVersionAt(NowForCutoffOnDay(25), TableOptions{},
                            {{"delta.logRetentionDuration", "forever"}});
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].find("expired log cleanup"), std::string::npos) << errors_[0];
  EXPECT_NE(errors_[0].find("delta.logRetentionDuration"), std::string::npos) << errors_[0];
  EXPECT_TRUE(LogNames().count(CommitFileName(0)));
}

}  // namespace
}  // namespace rp::delta
