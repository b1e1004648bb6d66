// Table upkeep held to the jobs' rule: `optimize` and `vacuum` SIGKILLed at
// random moments while `sync` appends to (and compacts) the same table lose and
// double nothing, and the table stays readable by delta-rs and by our reader
// throughout.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <vector>

#include "reliability.h"

namespace rp::reliability {
namespace {

using testing::BackgroundProcess;
using testing::SharedBroker;

constexpr int kPartitions = 3;

// Sets the modification time of every data file under `table` to `age` ago;
// returns how many.
// Makes every data file `age` old; returns their paths.
std::vector<std::filesystem::path> AgeDataFiles(const std::string& table, std::chrono::hours age) {
  const auto when = std::filesystem::file_time_type::clock::now() - age;
  std::vector<std::filesystem::path> aged;
  for (const auto& e : std::filesystem::recursive_directory_iterator(table)) {
    if (!e.is_regular_file() || e.path().extension() != ".parquet") continue;
    if (e.path().string().find("/_delta_log/") != std::string::npos) continue;
    std::error_code ec;
    std::filesystem::last_write_time(e.path(), when, ec);  // the file may be gone (vacuum, a killed writer)
    if (!ec) aged.push_back(e.path());
  }
  return aged;
}

TEST(UpkeepKills, OptimizeAndVacuumKilledBesideARunningSyncLoseAndDoubleNothing) {
  const std::string topic = "rel_upkeep_optimize";
  SharedBroker().CreateTopic(topic, kPartitions);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  const int64_t records = Scaled<int64_t>(20000, 200000);
  const int rounds = Scaled(12, 40);
  std::mt19937 rng(Seed());
  Stopwatch clock;

  // Small, frequent sync commits: many small files to compact, and appends
  // landing between an optimize's plan and its commit.
  BackgroundProcess sync(testing::JobArgs({"sync", "--topic", topic, "--table", table, "--timezone", "UTC",
                                           "--max-batch-records", "500", "--max-batch-ms", "100"}),
                         dir.path() + "/sync.log");
  PacedProducer producer(topic, kPartitions, records, rounds * 1.0);
  ASSERT_TRUE(testing::WaitFor([&] { return testing::TableRows(table) > 0; }, 60000))
      << LogTail(sync.log_path());

  int kills = 0, completed = 0, commits = 0;
  // Kills land within a run: the window follows how long the last complete
  // run took (runs get faster or slower with the machine and the code).
  int kill_window_ms = 120;
  for (int round = 0; round < rounds; ++round) {
    Stopwatch run_clock;
    BackgroundProcess optimize({testing::ReprocessorBinary(), "optimize", "--table", table},
                               dir.path() + "/optimize-" + std::to_string(round) + ".log");
    // Every third run finishes; the others die somewhere between reading
    // files, writing new ones and committing (a run takes 50-200 ms here).
    if (round % 3 != 2) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(0, kill_window_ms)(rng)));
      if (optimize.Running()) {
        optimize.Signal(SIGKILL);
        ++kills;
      }
    }
    const int rc = optimize.Wait(120000);
    if (rc == 0) {
      ++completed;
      if (round % 3 == 2) kill_window_ms = std::max(10, static_cast<int>(run_clock.Seconds() * 800));
      if (CountInFile(optimize.log_path(), "optimize: version") > 0) ++commits;
    } else {
      EXPECT_EQ(rc, 128 + SIGKILL) << LogTail(optimize.log_path());
    }
    // Readable after every run, killed or not.
    std::string error;
    EXPECT_GE(CliTableRows(table, &error), 0) << error;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // Vacuum beside the writers, with no retention at all: it may delete what
  // optimize removed and what killed runs left, never a file the table uses.
  // Every file on disk so far is made two hours old, past the in-flight guard.
  const std::vector<std::filesystem::path> aged_files = AgeDataFiles(table, std::chrono::hours(2));
  const auto aged = static_cast<int64_t>(aged_files.size());
  int vacuum_kills = 0, vacuum_deleted = 0;
  for (int round = 0; round < 4; ++round) {
    BackgroundProcess vacuum(
        {testing::ReprocessorBinary(), "vacuum", "--table", table, "--retain-hours", "0", "--force"},
        dir.path() + "/vacuum-" + std::to_string(round) + ".log");
    if (round < 3) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 60)(rng)));
      if (vacuum.Running()) {
        vacuum.Signal(SIGKILL);
        ++vacuum_kills;
      }
    }
    const int rc = vacuum.Wait(120000);
    if (rc == 0) {
      const std::string out = LastLine(vacuum.log_path());
      if (out.rfind("deleted ", 0) == 0) vacuum_deleted += std::atoi(out.c_str() + 8);
    } else {
      EXPECT_EQ(rc, 128 + SIGKILL) << LogTail(vacuum.log_path());
    }
    std::string error;
    EXPECT_GE(CliTableRows(table, &error), 0) << error;
  }
  // Counted on disk: a killed run may be the one that deleted them.
  const auto gone = std::count_if(aged_files.begin(), aged_files.end(),
                                  [](const std::filesystem::path& p) { return !std::filesystem::exists(p); });
  if (commits > 0) {
    EXPECT_GT(gone, 0) << "optimize's removed files were old enough to go";
  }
  producer.Join();
  const bool caught_up = testing::WaitFor([&] { return testing::TableRows(table) >= records; }, 240000);
  sync.Signal(SIGTERM);
  EXPECT_EQ(sync.Wait(60000), 0) << LogTail(sync.log_path());
  ASSERT_TRUE(caught_up) << testing::TableRows(table) << " of " << records << " rows";

  // A last, complete optimize, then the checks.
  auto last = testing::RunProcess({testing::ReprocessorBinary(), "optimize", "--table", table});
  EXPECT_EQ(last.exit_code, 0) << last.err;
  Cover cover = CheckCover(DeltaRsKeys(table), RoundRobinOffsets(records, kPartitions));
  EXPECT_EQ(CliTableRows(table), records);
  PrintFigures({"upkeep-optimize-vacuum-kill", rounds + 4, kills + vacuum_kills, cover.rows, cover.duplicates,
                cover.losses, clock.Seconds(),
                "completed=" + std::to_string(completed) + " optimize_commits=" + std::to_string(commits) +
                    " aged_files=" + std::to_string(aged) + " vacuumed_files=" +
                    std::to_string(vacuum_deleted) + " aged_files_gone=" + std::to_string(gone) +
                    " orphan_files=" + std::to_string(OrphanDataFiles(table))});
  EXPECT_GE(kills, rounds / 3);
  EXPECT_GE(commits, 1) << "some optimize must have compacted something";
  EXPECT_EQ(cover.duplicates, 0);
  EXPECT_EQ(cover.losses, 0);
  EXPECT_EQ(cover.foreign, 0);
}

}  // namespace
}  // namespace rp::reliability
