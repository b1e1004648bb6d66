// The README's main command: the seed scenario end to end.
#include <gtest/gtest.h>

#include "support/jobs.h"
#include "support/seed.h"

namespace rp {
namespace {

using testing::ReadFile;
using testing::SeedPath;

TEST(Demo, ReproducesTheSeedsThreeTablesByteForByte) {
  testing::TempDir dir;
  const std::string work = dir.path() + "/demo";
  auto r = testing::RunProcess({testing::ReprocessorBinary(), "demo", "--work-dir", work});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* name : {"read_table", "read_topic_before_reprocessing", "read_topic_after_reprocessing"}) {
    std::string expected = ReadFile(SeedPath(std::string(name) + ".txt"));
    EXPECT_EQ(ReadFile(work + "/" + name + ".txt"), expected) << name;
    EXPECT_NE(r.out.find(expected), std::string::npos) << name << " is not in the demo's output";
  }
  // The _delta_log listing after the third batch, as the seed shows it.
  EXPECT_NE(r.out.find("00000000000000000003.crc\n00000000000000000003.json\n_staged_commits\n"), std::string::npos);
  // Everything it started is stopped.
  auto status = testing::RunProcess({std::string(RP_SOURCE_DIR) + "/scripts/kafka-local", "status", "--data-dir",
                                     work + "/kafka"});
  EXPECT_EQ(status.exit_code, 3) << status.out;
}

TEST(Demo, TheTableItWritesIsReadableByDeltaRs) {
  testing::TempDir dir;
  const std::string work = dir.path() + "/demo";
  auto r = testing::RunProcess({testing::ReprocessorBinary(), "demo", "--work-dir", work});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto py = testing::RunPython(
      "from deltalake import DeltaTable\n"
      "t = DeltaTable('" + work + "/visits_table')\n"
      "rows = sorted(t.to_pyarrow_table().to_pylist(), key=lambda r: r['offset'])\n"
      "print(t.version(), len(rows), rows[0]['year'], rows[0]['month'], rows[0]['day'], rows[0]['hour'],\n"
      "      t.transaction_version('reprocessor-sync-visits-0'))\n");
  ASSERT_EQ(py.exit_code, 0) << py.err;
  EXPECT_EQ(py.out, "3 9 2025 9 4 7 8\n");
}

}  // namespace
}  // namespace rp
