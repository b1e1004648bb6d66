// `sync` appending to a table Spark wrote with deletion vectors (a copy of
// tests/delta/fixtures/spark_dv_table): the appended records join the rows
// Spark left, the deleted rows stay deleted, and delta-rs reads the same.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "support/jobs.h"

namespace rp {
namespace {

using testing::JobArgs;
using testing::SharedBroker;
using testing::TestRecord;

const std::string kFixture = std::string(RP_SOURCE_DIR) + "/tests/delta/fixtures/spark_dv_table";

// The values of every row: ours (read-table) or delta-rs's (QueryBuilder,
// its reader that honours deletion vectors).
std::multiset<std::string> Values(const std::string& table, bool delta_rs) {
  std::multiset<std::string> out;
  std::string text;
  if (delta_rs) {
    auto r = testing::RunPython(
        "import json, pyarrow as pa\n"
        "from deltalake import DeltaTable, QueryBuilder\n"
        "t = pa.table(QueryBuilder().register('t', DeltaTable('" +
        table +
        "')).execute('select value from t').read_all())\n"
        "for v in t.column('value').to_pylist(): print(json.dumps({'value': v}))\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    text = r.out;
  } else {
    auto r = testing::RunProcess(
        {testing::ReprocessorBinary(), "read-table", "--table", table, "--format", "jsonl"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    text = r.out;
  }
  simdjson::dom::parser parser;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    simdjson::dom::element row;
    std::string_view value;
    EXPECT_EQ(parser.parse(line).get(row), simdjson::SUCCESS) << line;
    if (row["value"].get_string().get(value) == simdjson::SUCCESS) out.emplace(value);
  }
  return out;
}

TEST(DeletionVectorSync, AppendsToASparkTableWithDeletionVectors) {
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  std::filesystem::copy(kFixture, table, std::filesystem::copy_options::recursive);
  const auto spark_left = Values(table, false);
  ASSERT_EQ(spark_left.size(), 61u);
  ASSERT_EQ(Values(table, true), spark_left);

  // Spark's rows claim Kafka partitions 0 and 1 up to offsets 1028 and 1029
  // (the highest left after the DELETEs; the rows after them went with a
  // whole file). sync --adopt resumes after those; the records beyond go in.
  constexpr int kPerPartition = 1040;
  const int64_t highest[2] = {1028, 1029};
  SharedBroker().CreateTopic("dv_sync", 2);
  std::vector<TestRecord> records;
  std::multiset<std::string> want = spark_left;
  for (int p = 0; p < 2; ++p) {
    for (int offset = 0; offset < kPerPartition; ++offset) {
      records.push_back({p, testing::VisitRecord(p * 10000 + offset), {}, {}});
      if (offset > highest[p]) want.insert(*records.back().value);
    }
  }
  testing::Produce(SharedBroker().bootstrap(), "dv_sync", records);
  // The table has no reprocessor.* settings: sync takes it as the seed
  // layout. table-info's row count leaves out the rows DVs delete.
  testing::SyncUntil("dv_sync", table, static_cast<int64_t>(want.size()), dir.path(), {"--adopt"});

  const auto ours = Values(table, false);
  EXPECT_EQ(ours.size(), want.size());
  EXPECT_EQ(ours, want);
  EXPECT_EQ(Values(table, true), want);
}

}  // namespace
}  // namespace rp
