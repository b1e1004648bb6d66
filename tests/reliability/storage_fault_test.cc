// `sync` against storage that fails: a read-only table, a full disk, and a
// second writer committing to the same table. The job fails with a clear
// error (or retries, for the second writer), and the table never becomes
// unreadable or holds a record twice.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "reliability.h"

namespace rp::reliability {
namespace {

using testing::BackgroundProcess;
using testing::SharedBroker;
using testing::TestRecord;

constexpr int kPartitions = 3;

std::vector<std::string> SyncArgs(const std::string& topic, const std::string& table) {
  return testing::JobArgs({"sync", "--topic", topic, "--table", table, "--timezone", "UTC", "--group",
                           "rel-" + topic, "--max-batch-records", "50", "--max-batch-ms", "100"});
}

void ProduceVisits(const std::string& topic, int from, int to, size_t padding = 0) {
  std::mt19937 rng(static_cast<uint32_t>(from));
  std::vector<TestRecord> records;
  for (int k = from; k < to; ++k) {
    std::string value = testing::VisitRecord(k);
    if (padding > 0) {
      // Random letters inside "page": Parquet cannot compress them away.
      std::string pad(padding, 'a');
      for (char& c : pad) c = static_cast<char>('a' + rng() % 26);
      value.insert(value.size() - 2, pad);
    }
    records.push_back({k % kPartitions, value, {}, {}});
  }
  testing::Produce(SharedBroker().bootstrap(), topic, records);
}

// Runs sync to its own end (it must fail by itself); returns its exit code.
int SyncUntilItFails(const std::string& topic, const std::string& table, const std::string& log) {
  BackgroundProcess sync(SyncArgs(topic, table), log);
  int code = sync.Wait(90000);
  if (code < 0) ADD_FAILURE() << "sync is still running after 90 s\n" << LogTail(log);
  return code;
}

struct FullDiskFailure {
  int64_t committed;      // rows the table holds after the failure
  std::string last_line;  // sync's last stderr line
};

// Runs sync over `records` until the full disk stops it: it must fail with
// one clear error line, and the table must hold exactly its committed rows,
// a gapless prefix of each partition, nothing twice, the same for delta-rs,
// read-table and the stats.
FullDiskFailure SyncFailsOnAFullDisk(const std::string& topic, const std::string& table,
                                     const std::string& log, int records) {
  EXPECT_EQ(SyncUntilItFails(topic, table, log), 1);
  FullDiskFailure failure{0, LastLine(log)};
  EXPECT_EQ(failure.last_line.rfind("reprocessor: ", 0), 0u) << LogTail(log);
  EXPECT_NE(failure.last_line.find("No space left on device"), std::string::npos) << LogTail(log);
  KeyCounts keys = DeltaRsKeys(table);
  Cover cover = CheckCover(keys, RoundRobinOffsets(records, kPartitions));
  failure.committed = cover.distinct;
  EXPECT_GT(failure.committed, 0) << "nothing was committed before the disk filled";
  EXPECT_LT(failure.committed, records) << "the disk never filled";
  EXPECT_EQ(cover.duplicates, 0);
  EXPECT_EQ(cover.foreign, 0);
  EXPECT_TRUE(GaplessFromZero(keys));
  std::string read_error;
  EXPECT_EQ(CliTableRows(table, &read_error), failure.committed) << read_error;
  EXPECT_EQ(testing::TableRows(table), failure.committed);
  return failure;
}

// With space again, a restarted sync stores the rest, once.
Cover SyncToTheEnd(const std::string& topic, const std::string& table, const std::string& log, int records) {
  BackgroundProcess sync(SyncArgs(topic, table), log);
  EXPECT_TRUE(testing::WaitFor([&] { return testing::TableRows(table) >= records; }, 120000))
      << LogTail(sync.log_path());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  sync.Signal(SIGTERM);
  EXPECT_EQ(sync.Wait(60000), 0) << LogTail(sync.log_path());
  Cover after = CheckCover(DeltaRsKeys(table), RoundRobinOffsets(records, kPartitions));
  EXPECT_EQ(after.losses, 0);
  EXPECT_EQ(after.duplicates, 0);
  return after;
}

// The table reads cleanly with delta-rs and with read-table, and holds the
// records of the topic's first `rows` offsets (round-robin) exactly once.
void ExpectTableHoldsExactly(const std::string& table, int64_t rows) {
  Cover cover = CheckCover(DeltaRsKeys(table), RoundRobinOffsets(rows, kPartitions));
  EXPECT_EQ(cover.losses, 0);
  EXPECT_EQ(cover.duplicates, 0);
  EXPECT_EQ(cover.foreign, 0);
  std::string error;
  EXPECT_EQ(CliTableRows(table, &error), rows) << error;
  EXPECT_EQ(testing::TableRows(table), rows);
}

TEST(StorageFaults, ReadOnlyTableFailsSyncWithAClearErrorAndLeavesTheTableIntact) {
  const std::string topic = "rel_readonly";
  SharedBroker().CreateTopic(topic, kPartitions);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  Stopwatch clock;
  ProduceVisits(topic, 0, 300);
  testing::SyncUntil(topic, table, 300, dir.path(), {"--group", "rel-" + topic});  // SyncArgs' job
  ProduceVisits(topic, 300, 600);
  int runs = 1;
  std::string errors;

  // The whole table read-only: data files cannot be written.
  // The log alone read-only: data files land, the commit cannot.
  for (const std::string& ro : {table, table + "/_delta_log"}) {
    SCOPED_TRACE("read-only " + ro);
    std::string error;
    auto mount = ScopedMount::ReadOnly(ro, &error);
    ASSERT_TRUE(mount) << error;
    const std::string log = dir.path() + "/sync-ro-" + std::to_string(runs) + ".log";
    EXPECT_EQ(SyncUntilItFails(topic, table, log), 1);
    ++runs;
    const std::string last = LastLine(log);
    EXPECT_EQ(last.rfind("reprocessor: ", 0), 0u) << LogTail(log);
    EXPECT_NE(last.find("Read-only file system"), std::string::npos) << last;
    errors += " | " + last;
    ExpectTableHoldsExactly(table, 300);
  }

  // A new table under a read-only directory: nothing is created.
  const std::string parent = dir.path() + "/ro-parent";
  std::filesystem::create_directory(parent);
  {
    std::string error;
    auto mount = ScopedMount::ReadOnly(parent, &error);
    ASSERT_TRUE(mount) << error;
    const std::string log = dir.path() + "/sync-ro-parent.log";
    EXPECT_EQ(SyncUntilItFails(topic, parent + "/table", log), 1);
    ++runs;
    const std::string last = LastLine(log);
    EXPECT_NE(last.find("Read-only file system"), std::string::npos) << LogTail(log);
    EXPECT_FALSE(std::filesystem::exists(parent + "/table"));
    errors += " | " + last;
  }

  // Writable again: a restart stores the rest, once.
  testing::SyncUntil(topic, table, 600, dir.path(), {"--group", "rel-" + topic});
  ++runs;
  ExpectTableHoldsExactly(table, 600);
  PrintFigures({"storage-read-only", runs, 0, 600, 0, 0, clock.Seconds(), "faults=3"});
  std::printf("RELIABILITY-ERRORS storage-read-only%s\n", errors.c_str());
}

TEST(StorageFaults, FullDiskFailsSyncCleanlyAndARestartAfterFreeingSpaceLosesNothing) {
  const std::string topic = "rel_fulldisk";
  SharedBroker().CreateTopic(topic, kPartitions);
  testing::TempDir dir;
  const std::string disk = dir.path() + "/disk";
  std::filesystem::create_directory(disk);
  std::string error;
  auto mount = ScopedMount::Tmpfs(disk, "32m", &error);
  if (!mount) GTEST_SKIP() << "cannot mount a tmpfs here (" << error << "); the full-disk test needs root";
  const std::string table = disk + "/table";
  Stopwatch clock;

  // 26 MB of the 32 MB disk are taken: 800 records of ~16 KB (13 MB) fit
  // only once the filler is gone.
  const std::string filler = disk + "/filler";
  {
    std::ofstream f(filler, std::ios::binary);
    std::string mb(1 << 20, 'x');
    for (int i = 0; i < 26; ++i) f << mb;
    ASSERT_TRUE(f.good());
  }
  constexpr int kRecords = 800;
  ProduceVisits(topic, 0, kRecords, 16 * 1024);

  const FullDiskFailure failure = SyncFailsOnAFullDisk(topic, table, dir.path() + "/sync-full.log", kRecords);

  // Free the space; a restart stores the rest, once.
  std::filesystem::remove(filler);
  Cover after = SyncToTheEnd(topic, table, dir.path() + "/sync-after.log", kRecords);
  PrintFigures({"storage-full-disk", 2, 0, after.rows, after.duplicates, after.losses, clock.Seconds(),
                "committed_before_full=" + std::to_string(failure.committed)});
  std::printf("RELIABILITY-ERRORS storage-full-disk | %s\n", failure.last_line.c_str());
}

TEST(StorageFaults, FullLogDiskFailsSyncCleanlyAndARestartAfterGrowingItLosesNothing) {
  const std::string topic = "rel_fulllog";
  SharedBroker().CreateTopic(topic, kPartitions);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  const std::string log_dir = table + "/_delta_log";
  std::filesystem::create_directories(log_dir);
  // The log alone on a tiny disk: data files always fit, and the disk fills
  // while a commit, a checksum or a checkpoint is being written (which one
  // depends on the size, drawn from the seed).
  std::mt19937 rng(Seed());
  const std::string size = std::to_string(std::uniform_int_distribution<int>(16, 40)(rng) * 4) + "k";
  std::string error;
  auto mount = ScopedMount::Tmpfs(log_dir, size, &error);
  if (!mount) GTEST_SKIP() << "cannot mount a tmpfs here (" << error << "); the full-disk test needs root";
  Stopwatch clock;
  constexpr int kRecords = 3000;
  ProduceVisits(topic, 0, kRecords);

  const FullDiskFailure failure = SyncFailsOnAFullDisk(topic, table, dir.path() + "/sync-full.log", kRecords);

  ASSERT_TRUE(mount->Resize("64m", &error)) << error;
  Cover after = SyncToTheEnd(topic, table, dir.path() + "/sync-after.log", kRecords);
  PrintFigures({"storage-full-log-disk", 2, 0, after.rows, after.duplicates, after.losses, clock.Seconds(),
                "committed_before_full=" + std::to_string(failure.committed) + " log_disk=" + size});
  std::printf("RELIABILITY-ERRORS storage-full-log-disk | %s\n", failure.last_line.c_str());
}

TEST(StorageFaults, AForeignWriterAppendingConcurrentlyLosesNoRowsOfEitherWriter) {
  const std::string topic = "rel_foreign";
  SharedBroker().CreateTopic(topic, kPartitions);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  const int64_t records = Scaled<int64_t>(6000, 60000);
  const int appends = Scaled(40, 200);
  constexpr int kRowsPerAppend = 5;
  constexpr int kForeignPartition = 1000;  // not a Kafka partition of the topic
  Stopwatch clock;

  // The seed layout: the foreign writer below appends rows of that shape.
  std::vector<std::string> sync_args = SyncArgs(topic, table);
  sync_args.insert(sync_args.end(), {"--layout", "seed"});
  BackgroundProcess sync(sync_args, dir.path() + "/sync.log");
  ASSERT_TRUE(testing::WaitFor([&] { return std::filesystem::exists(table + "/_delta_log"); }, 60000))
      << LogTail(sync.log_path());
  PacedProducer producer(topic, kPartitions, records, Scaled(15.0, 60.0));
  // Both writers at work: the second starts once sync has committed rows.
  ASSERT_TRUE(testing::WaitFor([&] { return testing::TableRows(table) > 0; }, 60000))
      << LogTail(sync.log_path());
  // The second writer: delta-rs appending rows of its own, a few a second
  // (alone it would be done within a second, before sync's commits pick up).
  BackgroundProcess writer(
      {std::string(RP_SOURCE_DIR) + "/.venv/bin/python", "-c",
       "import os, time, pyarrow as pa\n"
       "from deltalake import CommitProperties, write_deltalake\n"
       // sync commits up to 10 times a second: delta-rs's default of 15
       // attempts per append is not enough to get a word in.
       "retries = CommitProperties(max_commit_retries=10000)\n"
       "def col(v, t): return pa.array([v] * " +
           std::to_string(kRowsPerAppend) +
           ", t)\n"
           "for i in range(" +
           std::to_string(appends) +
           "):\n"
           "    t = pa.table({'value': col('foreign', pa.string()), 'partition': col(" +
           std::to_string(kForeignPartition) +
           ", pa.int32()),\n"
           "                  'offset': pa.array(range(i * " +
           std::to_string(kRowsPerAppend) + ", (i + 1) * " + std::to_string(kRowsPerAppend) +
           "), pa.int64()),\n"
           "                  'year': col(2025, pa.int32()), 'month': col(9, pa.int32()), 'day': col(4, "
           "pa.int32()),\n"
           "                  'hour': col(0, pa.int32())})\n"
           "    write_deltalake('" +
           table +
           "', t, mode='append', commit_properties=retries)\n"
           "    time.sleep(0.1)\n"
           "print('appended', i + 1, flush=True)\n"
           "os._exit(0)\n"},
      dir.path() + "/writer.log");
  EXPECT_EQ(writer.Wait(600000), 0) << LogTail(writer.log_path());
  producer.Join();
  const int64_t foreign_rows = int64_t{appends} * kRowsPerAppend;
  EXPECT_TRUE(testing::WaitFor([&] { return testing::TableRows(table) >= records + foreign_rows; }, 180000))
      << LogTail(sync.log_path());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  sync.Signal(SIGTERM);
  EXPECT_EQ(sync.Wait(60000), 0) << LogTail(sync.log_path());

  KeyCounts keys = DeltaRsKeys(table);
  Cover ours = CheckCover(keys, RoundRobinOffsets(records, kPartitions));
  Cover theirs = CheckCover(keys, {{kForeignPartition, {0, foreign_rows}}});
  EXPECT_EQ(ours.losses, 0);
  EXPECT_EQ(ours.duplicates, 0);
  EXPECT_EQ(ours.foreign, foreign_rows);
  EXPECT_EQ(theirs.losses, 0);
  EXPECT_EQ(theirs.duplicates, 0);
  std::string error;
  EXPECT_EQ(CliTableRows(table, &error), records + foreign_rows) << error;
  // The two writers really interleaved: the log alternates between them.
  auto switches = testing::RunPython(
      "import glob, json\n"
      "ops = []\n"
      "for f in sorted(glob.glob('" +
      table +
      "/_delta_log/*.json')):\n"
      "    for line in open(f):\n"
      "        a = json.loads(line)\n"
      "        if 'commitInfo' in a: ops.append(a['commitInfo'].get('operation'))\n"
      "print(sum(1 for a, b in zip(ops[1:], ops[2:]) if a != b))\n");
  ASSERT_EQ(switches.exit_code, 0) << switches.err;
  const int writer_switches = std::atoi(switches.out.c_str());
  EXPECT_GE(writer_switches, 2) << "the writers never overlapped; the test proves nothing";
  PrintFigures({"storage-foreign-writer", 1, 0, ours.rows + theirs.rows, ours.duplicates + theirs.duplicates,
                ours.losses + theirs.losses, clock.Seconds(),
                "foreign_appends=" + std::to_string(appends) +
                    " sync_commits=" + std::to_string(CountInFile(sync.log_path(), "INFO sync: version ")) +
                    " writer_switches=" + std::to_string(writer_switches)});
}

}  // namespace
}  // namespace rp::reliability
