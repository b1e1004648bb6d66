// `reprocessor vacuum`: its output and exit codes through the real binary
// (what it deletes is specified in tests/delta/vacuum_test.cc).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "delta/table.h"
#include "support/local_broker.h"
#include "support/process.h"

namespace rp {
namespace {

using testing::ReprocessorBinary;
using testing::RunProcess;

constexpr int64_t kMinute = 60LL * 1000, kHour = 60 * kMinute, kDay = 24 * kHour;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A table whose only commit after creation adds "live.parquet" (30 days
// old), plus orphans 8 days, 3 days and 10 minutes old.
class VacuumCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schema = arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("n", arrow::int32())});
    auto table = delta::Table::Create(table_path(), *schema, {}, {});
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    Put("live.parquet", NowMs() - 30 * kDay);
    delta::AddFile add;
    add.path = "live.parquet";
    add.size = 11;
    ASSERT_TRUE((*table)->NewTransaction().AddFile(add).Commit("WRITE").ok());
    Put("orphan-8-days.parquet", NowMs() - 8 * kDay);
    Put("orphan-3-days.parquet", NowMs() - 3 * kDay);
    Put("orphan-10-minutes.parquet", NowMs() - 10 * kMinute);
  }

  void Put(const std::string& name, int64_t mtime_ms) {
    const std::string path = table_path() + "/" + name;
    std::ofstream(path) << "not parquet";  // 11 bytes
    struct timespec times[2];
    times[0].tv_sec = mtime_ms / 1000;
    times[0].tv_nsec = 0;
    times[1] = times[0];
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }

  bool Exists(const std::string& name) const { return std::filesystem::exists(table_path() + "/" + name); }

  ProcessResult Vacuum(std::vector<std::string> args) {
    std::vector<std::string> argv = {ReprocessorBinary(), "vacuum", "--table", table_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }

  std::string table_path() const { return dir_.path(); }

  testing::TempDir dir_;
};

TEST_F(VacuumCommand, ADryRunPrintsThePathsAndASummaryAndDeletesNothing) {
  auto r = Vacuum({"--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, table_path() + "/orphan-8-days.parquet\n" + "would delete 1 files (11 bytes) from " +
                       table_path() + " at version 1 (retention 168 hours)\n");
  EXPECT_TRUE(Exists("orphan-8-days.parquet"));
}

TEST_F(VacuumCommand, ARunPrintsOneSummaryLineAndDeletes) {
  auto r = Vacuum({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "deleted 1 files (11 bytes) from " + table_path() + " at version 1 (retention 168 hours)\n");
  EXPECT_FALSE(Exists("orphan-8-days.parquet"));
  EXPECT_TRUE(Exists("orphan-3-days.parquet"));
  EXPECT_TRUE(Exists("live.parquet"));
}

TEST_F(VacuumCommand, JsonGivesTheSameFactsAndThePathsOfADryRun) {
  auto dry = Vacuum({"--dry-run", "--format", "json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(dry.out, "{\"table\":\"" + table_path() +
                         "\",\"version\":1,\"dryRun\":true,\"retentionHours\":168,\"files\":1,\"bytes\":11,"
                         "\"paths\":[\"" +
                         table_path() + "/orphan-8-days.parquet\"]}\n");
  auto real = Vacuum({"--format", "json"});
  ASSERT_EQ(real.exit_code, 0) << real.err;
  EXPECT_EQ(real.out,
            "{\"table\":\"" + table_path() +
                "\",\"version\":1,\"dryRun\":false,\"retentionHours\":168,\"files\":1,\"bytes\":11}\n");
}

TEST_F(VacuumCommand, ARetentionBelowTheTablesIsAUsageErrorUnlessForced) {
  auto r = Vacuum({"--retain-hours", "24"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_TRUE(Exists("orphan-8-days.parquet"));

  auto forced = Vacuum({"--retain-hours", "24", "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(forced.out,
            "deleted 2 files (22 bytes) from " + table_path() + " at version 1 (retention 24 hours)\n");
  EXPECT_FALSE(Exists("orphan-3-days.parquet"));
  EXPECT_TRUE(Exists("orphan-10-minutes.parquet"));  // the in-flight guard
}

TEST_F(VacuumCommand, ZeroHoursForcedStillKeepsFilesFromTheLastHour) {
  auto r = Vacuum({"--retain-hours", "0", "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists("orphan-10-minutes.parquet"));
  EXPECT_TRUE(Exists("live.parquet"));
  EXPECT_FALSE(Exists("orphan-3-days.parquet"));
}

TEST_F(VacuumCommand, UsageErrorsAreOneLineAndExitTwo) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"vacuum"},
                                               {"vacuum", "--table", table_path() + "/nothing-here"},
                                               {"vacuum", "--table", table_path(), "--retain-hours", "-1"},
                                               {"vacuum", "--table", table_path(), "--format", "xml"}}) {
    std::vector<std::string> argv = {ReprocessorBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunProcess(argv);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST_F(VacuumCommand, HelpExplainsTheInFlightGuard) {
  auto r = RunProcess({ReprocessorBinary(), "vacuum", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("last hour"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--dry-run"), std::string::npos);
  EXPECT_NE(r.out.find("--force"), std::string::npos);
}

}  // namespace
}  // namespace rp
