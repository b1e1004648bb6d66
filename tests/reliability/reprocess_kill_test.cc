// `reprocess` SIGKILLed midway and re-run with the same arguments: every
// selected record arrives under the complete run's id, and a consumer can
// drop the killed runs' records by their headers (RELIABILITY.md).
#include <gtest/gtest.h>

#include <csignal>
#include <set>

#include "reliability.h"

namespace rp::reliability {
namespace {

using testing::BackgroundProcess;
using testing::SharedBroker;

constexpr int kPartitions = 3;

// The run id from the job's summary line: "reprocess run <id>: files …".
std::string RunIdOf(const std::string& stderr_text) {
  const std::string marker = "reprocess run ";
  auto pos = stderr_text.rfind(marker);
  if (pos == std::string::npos) return "";
  pos += marker.size();
  return stderr_text.substr(pos, stderr_text.find(':', pos) - pos);
}

TEST(ReprocessUnderSigkill, ARerunWithTheSameArgumentsDeliversEverySelectedRecordUnderItsRunId) {
  const std::string in = "rel_rp_in", out = "rel_rp_out";
  SharedBroker().CreateTopic(in, kPartitions);
  SharedBroker().CreateTopic(out, kPartitions);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  const int64_t records = Scaled<int64_t>(20000, 200000);
  const int kills = Scaled(2, 5);
  const int rate = Scaled(5000, 20000);  // records/s: ~4 s a run (short), ~10 s (long)
  std::mt19937 rng(Seed());
  Stopwatch clock;
  {
    PacedProducer producer(in, kPartitions, records, 0);
  }
  {
    BackgroundProcess sync(testing::JobArgs({"sync", "--topic", in, "--table", table, "--timezone", "UTC"}),
                           dir.path() + "/sync.log");
    ASSERT_TRUE(testing::WaitFor([&] { return testing::TableRows(table) >= records; }, Scaled(120000, 600000)))
        << LogTail(sync.log_path());
    sync.Signal(SIGTERM);
    ASSERT_EQ(sync.Wait(60000), 0) << LogTail(sync.log_path());
  }

  // The slice: offsets 10 .. n-11 of every partition (START END are inclusive).
  const int64_t per_partition = records / kPartitions;
  const int64_t first = 10, last = per_partition - 11;
  OffsetRanges selected;
  for (int p = 0; p < kPartitions; ++p) selected[p] = {first, last + 1};
  const int64_t selected_rows = kPartitions * (last - first + 1);
  const auto args = testing::JobArgs({"reprocess", std::to_string(first), std::to_string(last), "--table", table,
                                      "--output-topic", out, "--max-rate", std::to_string(rate)});
  const double run_seconds = static_cast<double>(selected_rows) / rate;

  for (int k = 0; k < kills; ++k) {
    BackgroundProcess run(args, dir.path() + "/reprocess-killed-" + std::to_string(k) + ".log");
    // Midway: between a fifth and four fifths of a run.
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution<int>(static_cast<int>(run_seconds * 200), static_cast<int>(run_seconds * 800))(
            rng)));
    ASSERT_TRUE(run.Running()) << "the run ended before its kill\n" << LogTail(run.log_path());
    run.Signal(SIGKILL);
    ASSERT_EQ(run.Wait(10000), 128 + SIGKILL);
  }
  auto complete = testing::RunProcess(args);
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  const std::string run_id = RunIdOf(complete.err);
  ASSERT_FALSE(run_id.empty()) << complete.err;

  const auto output = ReadTopic(out, false);
  // 1. The complete run delivered every selected record, once.
  Cover last_run = CheckCover(SourceKeys(output, &run_id), selected);
  EXPECT_EQ(last_run.losses, 0);
  EXPECT_EQ(last_run.duplicates, 0);
  EXPECT_EQ(last_run.foreign, 0);
  // 2. All runs together: nothing outside the slice; the killed runs' records
  //    are what a consumer sees twice.
  Cover all_runs = CheckCover(SourceKeys(output), selected);
  EXPECT_EQ(all_runs.losses, 0);
  EXPECT_EQ(all_runs.foreign, 0);
  std::set<std::string> killed_runs;
  for (const auto& r : output) {
    auto id = testing::HeaderValue(r, "reprocess-run");
    ASSERT_TRUE(id.has_value());
    if (*id != run_id) killed_runs.insert(*id);
  }
  EXPECT_LE(killed_runs.size(), static_cast<size_t>(kills));
  // What a killed run delivered is, per source partition, a gapless prefix
  // of the slice: it reads in (partition, offset) order and its producer is
  // idempotent.
  for (const std::string& id : killed_runs) {
    std::map<int32_t, int64_t> next;
    for (const auto& [key, n] : SourceKeys(output, &id)) {
      auto it = next.try_emplace(key.first, first).first;
      EXPECT_EQ(key.second, it->second) << "run " << id << " skipped a record of partition " << key.first;
      EXPECT_EQ(n, 1) << "run " << id << " delivered " << key.first << "/" << key.second << " twice";
      it->second = key.second + 1;
    }
  }
  // 3. The consumer's rule: per (source-partition, source-offset), keep the
  //    last record in its output partition. A source record always lands in
  //    the same output partition, and runs write one after another, so what
  //    is kept is exactly the complete run's output.
  std::map<std::pair<std::string, std::string>, std::string> kept;
  for (const auto& r : output) {
    kept[{*testing::HeaderValue(r, "source-partition"), *testing::HeaderValue(r, "source-offset")}] =
        *testing::HeaderValue(r, "reprocess-run");
  }
  EXPECT_EQ(static_cast<int64_t>(kept.size()), selected_rows);
  int64_t kept_from_killed_runs = 0;
  for (const auto& [key, id] : kept) kept_from_killed_runs += id != run_id;
  EXPECT_EQ(kept_from_killed_runs, 0);

  PrintFigures({"reprocess-kill", kills + 1, kills, static_cast<int64_t>(output.size()), all_runs.duplicates,
                all_runs.losses, clock.Seconds(),
                "selected=" + std::to_string(selected_rows) + " killed_runs_seen=" +
                    std::to_string(killed_runs.size()) + " last_run_losses=" + std::to_string(last_run.losses) +
                    " after_dedup=" + std::to_string(kept.size())});
}

}  // namespace
}  // namespace rp::reliability
