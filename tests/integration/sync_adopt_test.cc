// `sync` on a table it did not write: a table delta-rs filled with some of a
// topic's records (seed layout, no txn ids of ours) is refused, and adopted
// with --adopt, resuming after the highest offset per partition, so that the
// table ends up holding every record exactly once. Also the warning a table
// without a zone gives, and a table of another topic.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/jobs.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::JobArgs;
using testing::LogOf;
using testing::SharedBroker;
using testing::TestRecord;
using testing::WaitFor;

constexpr int kPartitions = 3, kPerPartition = 100;

// Record k goes to partition k % 3, so partition p's offset o holds VisitRecord(3 * o + p).
void ProduceTopic(const std::string& topic) {
  SharedBroker().CreateTopic(topic, kPartitions);
  std::vector<TestRecord> records;
  for (int k = 0; k < kPartitions * kPerPartition; ++k)
    records.push_back({k % kPartitions, testing::VisitRecord(k), {}, {}});
  testing::Produce(SharedBroker().bootstrap(), topic, records);
}

// A seed-layout table written by delta-rs, one write per entry of `writes`
// (each a list of (partition, first offset, end offset) ranges), partitioned
// by the records' event hour as the seed's Spark job does. Its own commits
// carry no txn actions.
void WriteForeignTable(const std::string& table, const std::vector<std::vector<std::array<int, 3>>>& writes) {
  std::string py =
      "import json, datetime, pyarrow as pa\n"
      "from deltalake import write_deltalake\n"
      "schema = pa.schema([('value', pa.string()), ('partition', pa.int32()), ('offset', pa.int64()),\n"
      "                    ('year', pa.int32()), ('month', pa.int32()), ('day', pa.int32()), ('hour', "
      "pa.int32())])\n"
      "def write(rows):\n"
      "  cols = {n: [] for n in schema.names}\n"
      "  for p, o, v in rows:\n"
      "    t = datetime.datetime.fromisoformat(json.loads(v)['event_time'])\n"
      "    for n, x in zip(schema.names, [v, p, o, t.year, t.month, t.day, t.hour]): cols[n].append(x)\n"
      "  write_deltalake('" +
      table +
      "', pa.table(cols, schema=schema), mode='append',\n"
      "                  partition_by=['year', 'month', 'day', 'hour'])\n";
  for (const auto& ranges : writes) {
    py += "write([";
    for (const auto& [partition, first, end] : ranges) {
      for (int o = first; o < end; ++o) {
        const std::string value = testing::VisitRecord(kPartitions * o + partition);
        py += "(" + std::to_string(partition) + ", " + std::to_string(o) + ", '" + value + "'), ";
      }
    }
    py += "])\n";
  }
  auto r = testing::RunPython(py);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// Whether delta-rs reads exactly one row per record of the topic: every
// (partition, offset) once, none missing.
void ExpectEveryRecordOnce(const std::string& table) {
  auto r = testing::RunPython(
      "from deltalake import DeltaTable\n"
      "rows = DeltaTable('" +
      table +
      "').to_pyarrow_table(columns=['partition', 'offset']).to_pylist()\n"
      "keys = [(r['partition'], r['offset']) for r in rows]\n"
      "want = {(p, o) for p in range(" +
      std::to_string(kPartitions) + ") for o in range(" + std::to_string(kPerPartition) +
      ")}\n"
      "print(len(keys), len(set(keys)), sorted(want - set(keys))[:5], sorted(set(keys) - want)[:5])\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int n = kPartitions * kPerPartition;
  EXPECT_EQ(r.out, std::to_string(n) + " " + std::to_string(n) + " [] []\n")
      << "rows, distinct, missing, extra";
}

std::string TableInfo(const std::string& table) {
  return testing::RunProcess(
             {testing::ReprocessorBinary(), "table-info", "--table", table, "--format", "json"})
      .out;
}

int64_t TableVersion(const std::string& table) {
  const std::string info = TableInfo(table);
  const auto pos = info.find("\"version\":");
  return pos == std::string::npos ? -1 : std::atoll(info.c_str() + pos + 10);
}

int CountLines(const std::string& text, const std::string& needle) {
  int n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

std::vector<std::string> WithZone(const std::string& zone, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"env", "TZ=" + zone});
  return argv;
}

// Runs sync with `args` until `table` holds every record of the topic, stops
// it (SIGTERM, exit 0) and returns its log.
std::string SyncUntilComplete(const std::vector<std::string>& args, const std::string& table,
                              const std::string& log_path) {
  BackgroundProcess sync(args, log_path);
  EXPECT_TRUE(WaitFor([&] { return testing::TableRows(table) >= kPartitions * kPerPartition; }, 60000))
      << LogOf(sync);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  sync.Signal(SIGTERM);
  EXPECT_EQ(sync.Wait(30000), 0) << LogOf(sync);
  return LogOf(sync);
}

// Runs a job that should refuse to start; one that starts anyway is killed
// after 30 s rather than left to run forever.
ProcessResult Refused(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"timeout", "-s", "KILL", "30"});
  return testing::RunProcess(argv);
}

constexpr const char* kNoZone = "has no reprocessor.timeZone";

TEST(SyncAdopt, RefusesAForeignTableAndAdoptsItExactlyAfterTheHighestOffsetPerPartition) {
  const std::string topic = "adopt_seed";
  ProduceTopic(topic);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  // Write 1: partitions 0 and 1 in the same hours, so its files hold both and
  // their statistics say nothing per partition (their columns are read).
  // Write 2: partition 0 alone in a later hour (its statistics suffice).
  // Partition 2 has no rows.
  WriteForeignTable(table, {{{0, 0, 40}, {1, 0, 30}}, {{0, 40, 60}}});
  const int64_t foreign_version = TableVersion(table);
  ASSERT_EQ(foreign_version, 1);

  // Refused: one line, exit 2, the table untouched.
  auto refused = Refused(JobArgs({"sync", "--topic", topic, "--table", table}));
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_EQ(CountLines(refused.err, ""), 1) << refused.err;
  EXPECT_EQ(refused.err.rfind("reprocessor: table " + table + " holds 90 rows in 3 files", 0), 0u)
      << refused.err;
  EXPECT_NE(refused.err.find("--adopt"), std::string::npos) << refused.err;
  EXPECT_EQ(TableVersion(table), foreign_version);

  // Adopted: the machine's zone (TZ here) partitions, with one warning line.
  const std::string log = SyncUntilComplete(
      WithZone("Asia/Tokyo",
               JobArgs({"sync", "--topic", topic, "--table", table, "--adopt", "--max-batch-ms", "50"})),
      table, dir.path() + "/sync.log");
  EXPECT_EQ(CountLines(log, "adopted " + table + " in version 2: " + topic + "[0] after 59, " + topic +
                                "[1] after 29 (1 files by their statistics, 2 read)"),
            1)
      << log;
  EXPECT_GE(CountLines(log, topic + "[2] resumes at the earliest offset"), 1) << log;
  EXPECT_EQ(CountLines(log, kNoZone), 1) << log;
  EXPECT_EQ(CountLines(log, kNoZone + std::string("; partitioning in Asia/Tokyo")), 1) << log;
  ExpectEveryRecordOnce(table);

  // Now the table is this job's: another job id is refused and named.
  auto other = Refused(JobArgs({"sync", "--topic", topic, "--table", table, "--job-id", "other"}));
  EXPECT_EQ(other.exit_code, 2) << other.err;
  EXPECT_EQ(CountLines(other.err, ""), 1) << other.err;
  EXPECT_NE(other.err.find("it holds those of job reprocessor-sync"), std::string::npos) << other.err;
  EXPECT_NE(other.err.find("--job-id"), std::string::npos) << other.err;

  // reprocess reads a table without a zone in the machine's, and says so once;
  // not when --timezone names one.
  const std::vector<std::string> dry = {testing::ReprocessorBinary(),
                                        "reprocess",
                                        "0",
                                        "99",
                                        "--table",
                                        table,
                                        "--output-topic",
                                        "adopt_unused",
                                        "--dry-run"};
  auto warned = testing::RunProcess(WithZone("Asia/Tokyo", dry));
  ASSERT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_EQ(CountLines(warned.err, kNoZone), 1) << warned.err;
  EXPECT_EQ(CountLines(warned.err, "reading it in Asia/Tokyo, the machine's zone"), 1) << warned.err;
  auto given = dry;
  given.insert(given.end(), {"--timezone", "UTC"});
  auto quiet = testing::RunProcess(WithZone("Asia/Tokyo", given));
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(CountLines(quiet.err, kNoZone), 0) << quiet.err;
}

// SIGKILL after the adoption commit and before any data commit: the restart
// (without --adopt) resumes from the adopted positions.
TEST(SyncAdopt, AKillRightAfterAdoptingNeitherLosesNorDuplicates) {
  const std::string topic = "adopt_kill";
  ProduceTopic(topic);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  WriteForeignTable(table, {{{0, 0, 50}, {1, 0, 10}, {2, 0, 99}}});
  const int64_t foreign_version = TableVersion(table);

  // Batches that never fill before the kill: the adoption is the only commit.
  BackgroundProcess adopting(JobArgs({"sync", "--topic", topic, "--table", table, "--timezone", "UTC",
                                      "--adopt", "--max-batch-ms", "600000", "--no-auto-compact",
                                      // the killed member's partitions move after 6 s, not 45 s
                                      "-X", "session.timeout.ms=6000"}),
                             dir.path() + "/adopt.log");
  const std::string txn = "\"reprocessor-sync-" + topic + "-2\":98";
  ASSERT_TRUE(WaitFor([&] { return TableInfo(table).find(txn) != std::string::npos; }, 60000))
      << LogOf(adopting) << TableInfo(table);
  adopting.Signal(SIGKILL);
  adopting.Wait(10000);
  ASSERT_EQ(TableVersion(table), foreign_version + 1) << "only the adoption was committed\n"
                                                      << LogOf(adopting);
  EXPECT_EQ(CountLines(LogOf(adopting), kNoZone), 0) << "--timezone was given";

  const std::string log =
      SyncUntilComplete(JobArgs({"sync", "--topic", topic, "--table", table, "--max-batch-ms", "50"}), table,
                        dir.path() + "/sync.log");
  // (Once per assignment: a rebalance may assign it twice.)
  EXPECT_GE(CountLines(log, topic + "[1] resumes at 10"), 1) << log;
  ExpectEveryRecordOnce(table);
}

TEST(SyncAdopt, ATableOfAnotherTopicIsRefusedAndATableWithAZoneGivesNoWarning) {
  SharedBroker().CreateTopic("adopt_topic_a", 1);
  SharedBroker().CreateTopic("adopt_topic_b", 1);
  testing::Produce(SharedBroker().bootstrap(), "adopt_topic_a", {{0, testing::VisitRecord(0), {}, {}}});
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  testing::SyncUntil("adopt_topic_a", table, 1, dir.path());
  EXPECT_EQ(CountLines(testing::ReadFile(dir.path() + "/sync-adopt_topic_a.log"), kNoZone), 0);

  for (const bool adopt : {false, true}) {
    std::vector<std::string> args = {"sync", "--topic", "adopt_topic_b", "--table", table};
    if (adopt) args.push_back("--adopt");
    auto r = Refused(JobArgs(args));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(CountLines(r.err, ""), 1) << r.err;
    EXPECT_NE(r.err.find("holds topic adopt_topic_a"), std::string::npos) << r.err;
  }
  auto dry =
      testing::RunProcess(WithZone("Asia/Tokyo", {testing::ReprocessorBinary(), "reprocess", "--table", table,
                                                  "--output-topic", "adopt_unused", "--dry-run", "0", "99"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(CountLines(dry.err, kNoZone), 0) << dry.err;
}

}  // namespace
}  // namespace rp
