// `reprocessor read-table --version N` of a version whose data files vacuum
// deleted: one line saying so and which versions can be read, exit 1; the
// same for files lost from the latest version.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "delta/data_file_path.h"
#include "delta/data_file_writer.h"
#include "delta/table.h"
#include "support/local_broker.h"
#include "support/process.h"

namespace rp {
namespace {

using testing::ReprocessorBinary;
using testing::RunProcess;

std::shared_ptr<arrow::RecordBatch> Rows(int first, int count) {
  arrow::Int32Builder n;
  for (int i = first; i < first + count; ++i) EXPECT_TRUE(n.Append(i).ok());
  std::shared_ptr<arrow::Array> a;
  EXPECT_TRUE(n.Finish(&a).ok());
  return arrow::RecordBatch::Make(arrow::schema({arrow::field("n", arrow::int32())}), count, {a});
}

// Versions: 1 adds A; 2 replaces A by B (as a compaction does); 3 adds C.
class ReadVacuumedVersion : public ::testing::Test {
 protected:
  void SetUp() override {
    auto table = delta::Table::Create(dir_.path(), *Rows(0, 0)->schema(), {}, {});
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    auto& t = **table;
    a_ = Write(t, 0, 2);
    ASSERT_TRUE(t.NewTransaction().AddFile(a_).Commit("WRITE").ok());
    b_ = Write(t, 0, 2);
    ASSERT_TRUE(t.NewTransaction().RemoveFiles({a_}, false).AddFile(b_).Commit("OPTIMIZE").ok());
    c_ = Write(t, 2, 1);
    ASSERT_TRUE(t.NewTransaction().AddFile(c_).Commit("WRITE").ok());
  }

  delta::AddFile Write(const delta::Table& table, int first, int count) {
    auto adds = delta::WriteDataFiles(*table.storage(), {}, *Rows(first, count));
    EXPECT_TRUE(adds.ok() && adds->size() == 1u);
    return adds.ok() && !adds->empty() ? adds->front() : delta::AddFile{};
  }

  std::string PathOf(const delta::AddFile& add) const {
    return dir_.path() + "/" + delta::DecodeLogPath(add.path).value();
  }

  ProcessResult ReadTable(std::vector<std::string> args) {
    std::vector<std::string> argv = {ReprocessorBinary(), "read-table", "--table",
                                     dir_.path(),         "--format",   "jsonl"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }

  // A real vacuum: with A's file made 30 days old, a zero retention deletes it.
  void Vacuum() {
    struct timespec times[2];
    times[0].tv_sec = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(24 * 30))
                          .count();
    times[0].tv_nsec = 0;
    times[1] = times[0];
    ASSERT_EQ(::utimensat(AT_FDCWD, PathOf(a_).c_str(), times, 0), 0);
    auto r =
        RunProcess({ReprocessorBinary(), "vacuum", "--table", dir_.path(), "--retain-hours", "0", "--force"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_FALSE(std::filesystem::exists(PathOf(a_))) << r.out;
  }

  testing::TempDir dir_;
  delta::AddFile a_, b_, c_;
};

TEST_F(ReadVacuumedVersion, SaysInOneLineThatVacuumDeletedItsFilesAndWhichVersionsAreComplete) {
  ASSERT_EQ(ReadTable({"--version", "1"}).exit_code, 0);
  Vacuum();

  auto r = ReadTable({"--version", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("reprocessor: version 1 of ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("deleted by vacuum (1 of its 1 data files missing, first " + PathOf(a_) +
                       "); read version 2 or later"),
            std::string::npos)
      << r.err;

  auto v2 = ReadTable({"--version", "2"});
  EXPECT_EQ(v2.exit_code, 0) << v2.err;
  EXPECT_EQ(v2.out, "{\"n\":0}\n{\"n\":1}\n");
  EXPECT_EQ(ReadTable({}).exit_code, 0);
}

TEST_F(ReadVacuumedVersion, AFileTheLatestVersionStillListsWasLostNotVacuumed) {
  ASSERT_TRUE(std::filesystem::remove(PathOf(c_)));
  for (const std::vector<std::string>& args : {std::vector<std::string>{}, {"--version", "3"}}) {
    auto r = ReadTable(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("version 3 of "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("first " + PathOf(c_) + "), and the latest version lacks files too"),
              std::string::npos)
        << r.err;
  }
  // Version 2 never listed C.
  EXPECT_EQ(ReadTable({"--version", "2"}).exit_code, 0);
}

}  // namespace
}  // namespace rp
