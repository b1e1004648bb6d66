// The commands on the table Spark wrote with deletion vectors
// (tests/delta/fixtures/spark_dv_table): reprocess replays, and read-table and
// table-info show, only the rows Spark reads. No broker: reprocess --dry-run.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "support/local_broker.h"
#include "support/process.h"

namespace rp {
namespace {

using testing::ReprocessorBinary;
using testing::RunProcess;

const std::string kFixture = std::string(RP_SOURCE_DIR) + "/tests/delta/fixtures/spark_dv_table";

// (partition, offset) of every row Spark reads at the latest version.
std::set<std::pair<int64_t, int64_t>> SparkSources() {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.load(kFixture + ".expected.json").get(doc), simdjson::SUCCESS);
  std::set<std::pair<int64_t, int64_t>> out;
  const std::string latest = std::to_string(int64_t(doc["latest_version"]));
  for (auto row : doc["versions"][latest].get_array())
    out.emplace(int64_t(row["partition"]), int64_t(row["offset"]));
  return out;
}

TEST(DeletionVectorCommands, ReprocessReplaysOnlyTheRowsSparkDidNotDelete) {
  const auto want = SparkSources();
  ASSERT_EQ(want.size(), 61u);
  auto r = RunProcess({ReprocessorBinary(), "reprocess", "0", "2000", "--table", kFixture, "--output-topic",
                       "out", "--timezone", "UTC", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::pair<int64_t, int64_t>> got;
  std::istringstream lines(r.out);
  size_t count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    long long p = -1, o = -1;
    ASSERT_EQ(std::sscanf(line.c_str(), "partition %lld offset %lld ->", &p, &o), 2) << line;
    got.emplace(p, o);
  }
  EXPECT_EQ(count, want.size()) << r.out;
  EXPECT_EQ(got, want);
}

TEST(DeletionVectorCommands, ReadTableAndTableInfoCountTheRowsLeft) {
  auto rows = RunProcess({ReprocessorBinary(), "read-table", "--table", kFixture, "--format", "jsonl"});
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  std::set<std::pair<int64_t, int64_t>> got;
  simdjson::dom::parser parser;
  std::istringstream lines(rows.out);
  for (std::string line; std::getline(lines, line);) {
    simdjson::dom::element row;
    ASSERT_EQ(parser.parse(line).get(row), simdjson::SUCCESS) << line;
    got.emplace(int64_t(row["partition"]), int64_t(row["offset"]));
  }
  EXPECT_EQ(got, SparkSources());
  auto info = RunProcess({ReprocessorBinary(), "table-info", "--table", kFixture, "--format", "json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(info.out).get(doc), simdjson::SUCCESS) << info.out;
  EXPECT_EQ(int64_t(doc["rows"]), 61);
}

}  // namespace
}  // namespace rp
