// Several processes writing one table: racing commits and writers killed at
// random moments (SIGKILL) must leave a contiguous, readable log.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "delta/action_json.h"
#include "delta/checkpoint.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "log_test_util.h"

extern char** environ;

namespace rp::delta {
namespace {

using testing::ReadFile;
using testing::TempDir;

// The demo table of delta_log_tool: partitioned by "partition".
std::shared_ptr<arrow::Schema> ToolSchema() {
  return arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("offset", arrow::int64()),
                        arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                        arrow::field("partition", arrow::int32())});
}

pid_t SpawnTool(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string tool = RP_DELTA_LOG_TOOL;
  argv.push_back(tool.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, tool.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0) << "cannot start " << tool;
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return status;
}

// Every entry of _delta_log is a commit, checksum, classic checkpoint, the
// hint, _staged_commits, or a dot-prefixed temp file; commits are contiguous
// from 0 and every one parses.
void ExpectWellFormedLog(const std::string& table) {
  LogStore store = testing::LogStoreAt(table);
  for (const auto& e : std::filesystem::directory_iterator(store.log_dir())) {
    const std::string name = e.path().filename().string();
    const bool known = ParseCommitFileName(name) || ParseCheckpointFileName(name) || name == "_last_checkpoint" ||
                       name == "_staged_commits" || name[0] == '.' ||
                       (name.size() == 24 && name.substr(20) == ".crc");
    EXPECT_TRUE(known) << "unexpected file in the log: " << name;
  }
  EXPECT_TRUE(std::filesystem::is_empty(store.log_dir() + "/_staged_commits"));
  auto listing = store.List();
  ASSERT_TRUE(listing.ok());
  for (size_t i = 0; i < listing->commits.size(); ++i) {
    ASSERT_EQ(listing->commits[i], static_cast<int64_t>(i)) << "versions are not contiguous";
    const std::string path = store.PathOf(CommitFileName(listing->commits[i]));
    auto parsed = ParseCommitFile(ReadFile(path), path);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  }
  for (int64_t cp : listing->checkpoints) {
    auto actions = ReadCheckpoint(store, cp);
    EXPECT_TRUE(actions.ok()) << actions.status().ToString();
  }
}

TEST(ConcurrentWriters, TwoProcessesRacingBlindAppendsBothLandCompletely) {
  TempDir dir;
  const std::string table = dir.path() + "/t";
  ASSERT_TRUE(Table::Create(table, *ToolSchema(), {"partition"}, {}).ok());
  const std::string go = dir.path() + "/go";
  constexpr int kCommits = 30;
  pid_t a = SpawnTool({"append", table, "--app-id", "writer-a", "--commits", std::to_string(kCommits), "--files", "2",
                       "--wait-for", go});
  pid_t b = SpawnTool({"append", table, "--app-id", "writer-b", "--commits", std::to_string(kCommits), "--files", "2",
                       "--wait-for", go});
  testing::WriteFile(go, "");
  int sa = Wait(a), sb = Wait(b);
  ASSERT_TRUE(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
  ASSERT_TRUE(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);

  ExpectWellFormedLog(table);
  auto snap = LoadSnapshot(testing::LogStoreAt(table));
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->version(), 2 * kCommits);
  EXPECT_EQ((*snap)->num_files(), 2 * 2 * kCommits);
  EXPECT_EQ((*snap)->TxnVersion("writer-a"), kCommits);
  EXPECT_EQ((*snap)->TxnVersion("writer-b"), kCommits);
  // How often a writer lost a race and retried (informational: timing-dependent).
  int retried = 0;
  for (int64_t v = 1; v <= (*snap)->version(); ++v) {
    auto c = ParseCommitFile(ReadFile(testing::LogStoreAt(table).PathOf(CommitFileName(v))), "c");
    ASSERT_TRUE(c.ok());
    if (c->commit_info->read_version != v - 1) ++retried;
  }
  RecordProperty("commits_retried_after_a_lost_race", retried);
}

TEST(ConcurrentWriters, AWriterKilledAtRandomMomentsNeverLeavesAPartialCommit) {
  TempDir dir;
  const std::string table = dir.path() + "/t";
  ASSERT_TRUE(Table::Create(table, *ToolSchema(), {"partition"}, {{"delta.checkpointInterval", "4"}}).ok());
  std::mt19937 rng(std::random_device{}());
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    const std::string app = "killed-" + std::to_string(round);
    pid_t pid = SpawnTool({"append", table, "--app-id", app, "--commits", "100000", "--files", "3"});
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(30, 250)(rng)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = Wait(pid);
    EXPECT_TRUE(WIFSIGNALED(status)) << "the writer finished before being killed";

    ExpectWellFormedLog(table);
    auto snap = LoadSnapshot(testing::LogStoreAt(table));
    ASSERT_TRUE(snap.ok()) << "round " << round << ": " << snap.status().ToString();
    // Each commit carries its files and its txn together: never one without the other.
    for (int r = 0; r <= round; ++r) {
      const std::string id = "killed-" + std::to_string(r);
      int64_t files = 0;
      for (const auto& [path, add] : (*snap)->files()) files += path.find("/" + id + "-") != std::string::npos;
      EXPECT_EQ(files, 3 * (*snap)->TxnVersion(id).value_or(0)) << id;
    }
  }
  auto reopened = Table::Open(table);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_GT((*reopened)->snapshot()->version(), 0);
  // The table is still writable after all that.
  auto v = (*reopened)->NewTransaction().SetTxn("after", 1).Commit("WRITE");
  EXPECT_TRUE(v.ok()) << v.status().ToString();
}

TEST(ConcurrentWriters, AKilledDataWriterNeverCommitsAMissingOrPartialFile) {
  TempDir dir;
  const std::string table = dir.path() + "/t";
  ASSERT_TRUE(Table::Create(table, *ToolSchema(), {"partition"}, {{"delta.checkpointInterval", "3"}}).ok());
  std::mt19937 rng(std::random_device{}());
  constexpr int kRounds = 4, kFiles = 4;
  int64_t committed = 0;  // commits that landed, over all rounds
  for (int round = 0; round < kRounds; ++round) {
    const std::string app = "data-" + std::to_string(round);
    pid_t pid = SpawnTool({"append", table, "--app-id", app, "--commits", "100000", "--files",
                           std::to_string(kFiles), "--data"});
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 400)(rng)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    EXPECT_TRUE(WIFSIGNALED(Wait(pid))) << "the writer finished before being killed";

    ExpectWellFormedLog(table);
    auto snap = LoadSnapshot(testing::LogStoreAt(table));
    ASSERT_TRUE(snap.ok()) << "round " << round << ": " << snap.status().ToString();
    committed += (*snap)->TxnVersion(app).value_or(0);
    // Every committed file is complete: the scan reads each one whole, and
    // the commits' files hold exactly their rows (3 per file).
    EXPECT_EQ((*snap)->num_files(), kFiles * committed);
    std::vector<AddFile> files;
    for (const auto& [path, add] : (*snap)->files()) files.push_back(add);
    ScanSpec spec;
    spec.storage = testing::LogStoreAt(table).storage();
    spec.schema = (*snap)->schema();
    spec.partition_columns = (*snap)->partition_columns();
    auto rows = Scan(files, spec);
    ASSERT_TRUE(rows.ok()) << "round " << round << ": " << rows.status().ToString();
    EXPECT_EQ(rows->metrics.rows_matched, 3 * kFiles * committed);
  }
  EXPECT_GT(committed, 0) << "no commit landed before the kills; nothing was tested";
}

}  // namespace
}  // namespace rp::delta
