// `reprocessor lag` against a real broker and a table a real `sync` wrote:
// records produced after the job stopped show up as lag, per partition, in
// the text table and in JSON alike; the usual mistakes are one line, exit 2.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>

#include "support/jobs.h"

namespace rp {
namespace {

using testing::JobArgs;
using testing::ProcessResult;
using testing::RunProcess;
using testing::SharedBroker;
using testing::TestRecord;

constexpr const char* kTopic = "lag_visits";

std::vector<TestRecord> Records(int32_t partition, int count, int first) {
  std::vector<TestRecord> records;
  for (int i = 0; i < count; ++i) records.push_back({partition, testing::VisitRecord(first + i), {}, {}});
  return records;
}

struct Row {
  int64_t end = -1, lag = -1;
  std::optional<int64_t> committed;
  std::optional<double> age;
};

// The text table's rows by partition: |topic|partition|end_offset|committed_offset|lag|last_commit_age_s|.
std::map<int32_t, Row> ParseText(const std::string& out) {
  std::map<int32_t, Row> rows;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(std::string("|") + kTopic, 0) != 0) continue;
    std::vector<std::string> cells;
    std::istringstream parts(line.substr(1));
    for (std::string cell; std::getline(parts, cell, '|');) cells.push_back(cell.substr(0, cell.find(' ')));
    if (cells.size() != 6) {
      ADD_FAILURE() << "a row of 6 cells: " << line;
      continue;
    }
    Row r;
    r.end = std::stoll(cells[2]);
    if (cells[3] != "NULL") r.committed = std::stoll(cells[3]);
    r.lag = std::stoll(cells[4]);
    if (cells[5] != "NULL") r.age = std::stod(cells[5]);
    rows[std::stoi(cells[1])] = r;
  }
  return rows;
}

std::map<int32_t, Row> ParseJson(const std::string& out, int64_t* total_lag, std::string* topic) {
  std::map<int32_t, Row> rows;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  std::string_view t;
  EXPECT_EQ(doc["topic"].get_string().get(t), simdjson::SUCCESS) << out;
  *topic = std::string(t);
  EXPECT_EQ(doc["total_lag"].get_int64().get(*total_lag), simdjson::SUCCESS) << out;
  simdjson::dom::array partitions;
  EXPECT_EQ(doc["partitions"].get_array().get(partitions), simdjson::SUCCESS) << out;
  for (simdjson::dom::element p : partitions) {
    Row r;
    int64_t partition = -1, committed = 0;
    double age = 0;
    EXPECT_EQ(p["partition"].get_int64().get(partition), simdjson::SUCCESS) << out;
    EXPECT_EQ(p["end_offset"].get_int64().get(r.end), simdjson::SUCCESS) << out;
    EXPECT_EQ(p["lag"].get_int64().get(r.lag), simdjson::SUCCESS) << out;
    if (p["committed_offset"].get_int64().get(committed) == simdjson::SUCCESS)
      r.committed = committed;
    else
      EXPECT_TRUE(p["committed_offset"].is_null()) << out;
    if (p["last_commit_age_seconds"].get_double().get(age) == simdjson::SUCCESS)
      r.age = age;
    else
      EXPECT_TRUE(p["last_commit_age_seconds"].is_null()) << out;
    rows[static_cast<int32_t>(partition)] = r;
  }
  return rows;
}

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

TEST(LagCommand, ShowsPerPartitionTheRecordsProducedAfterSyncStopped) {
  SharedBroker().CreateTopic(kTopic, 3);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  // Partitions 0 and 1 get 10 records each, partition 2 none: the table
  // holds offsets 0..9 of the first two and nothing of the third.
  testing::Produce(SharedBroker().bootstrap(), kTopic, Records(0, 10, 0));
  testing::Produce(SharedBroker().bootstrap(), kTopic, Records(1, 10, 100));
  const auto synced = std::chrono::steady_clock::now();
  testing::SyncUntil(kTopic, table, 20, dir.path());
  // After the job stopped: 5 more on 0, none on 1, 4 on 2.
  testing::Produce(SharedBroker().bootstrap(), kTopic, Records(0, 5, 10));
  testing::Produce(SharedBroker().bootstrap(), kTopic, Records(2, 4, 200));
  // What the table's commit times can be, seen from now.
  const double max_age = std::chrono::duration<double>(std::chrono::steady_clock::now() - synced).count() + 5;

  auto check = [&](const std::map<int32_t, Row>& rows, const std::string& out) {
    ASSERT_EQ(rows.size(), 3u) << out;
    EXPECT_EQ(rows.at(0).end, 15) << out;
    EXPECT_EQ(rows.at(0).committed, 9) << out;
    EXPECT_EQ(rows.at(0).lag, 5) << out;
    EXPECT_EQ(rows.at(1).end, 10) << out;
    EXPECT_EQ(rows.at(1).committed, 9) << out;
    EXPECT_EQ(rows.at(1).lag, 0) << out;
    EXPECT_EQ(rows.at(2).end, 4) << out;
    EXPECT_EQ(rows.at(2).committed, std::nullopt) << out;
    EXPECT_EQ(rows.at(2).lag, 4) << out;
    EXPECT_EQ(rows.at(2).age, std::nullopt) << out;
    for (int32_t p : {0, 1}) {
      ASSERT_TRUE(rows.at(p).age.has_value()) << out;
      EXPECT_GE(*rows.at(p).age, 0.0) << out;
      EXPECT_LE(*rows.at(p).age, max_age) << out;
    }
  };

  // The topic comes from the table (reprocessor.sourceTopic) when not given.
  ProcessResult text = RunProcess(JobArgs({"lag", "--table", table}));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  check(ParseText(text.out), text.out);
  EXPECT_NE(text.out.find("total lag 9 records (job reprocessor-sync, table version "), std::string::npos)
      << text.out;

  ProcessResult json = RunProcess(JobArgs({"lag", "--table", table, "--topic", kTopic, "--format", "json"}));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(Lines(json.out), 1) << json.out;
  int64_t total = -1;
  std::string topic;
  check(ParseJson(json.out, &total, &topic), json.out);
  EXPECT_EQ(total, 9);
  EXPECT_EQ(topic, kTopic);

  // sync resumes and catches up: no lag left.
  testing::SyncUntil(kTopic, table, 29, dir.path());
  ProcessResult after = RunProcess(JobArgs({"lag", "--table", table, "--format", "json"}));
  ASSERT_EQ(after.exit_code, 0) << after.err;
  const auto rows = ParseJson(after.out, &total, &topic);
  EXPECT_EQ(total, 0) << after.out;
  ASSERT_EQ(rows.size(), 3u) << after.out;
  EXPECT_EQ(rows.at(0).committed, 14) << after.out;
  EXPECT_EQ(rows.at(2).committed, 3) << after.out;
}

// One line on stderr, exit 2, nothing on stdout.
void ExpectUsageError(const ProcessResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("reprocessor: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(LagCommand, MistakesAreOneLineAndExitTwo) {
  testing::TempDir dir;
  ExpectUsageError(RunProcess(JobArgs({"lag", "--table", dir.path() + "/none"})), dir.path() + "/none");

  SharedBroker().CreateTopic("lag_mistakes", 1);
  testing::Produce(SharedBroker().bootstrap(), "lag_mistakes", Records(0, 2, 0));
  const std::string table = dir.path() + "/table";
  testing::SyncUntil("lag_mistakes", table, 2, dir.path());
  // Another topic than the table holds, another job's name, an unknown format.
  ExpectUsageError(RunProcess(JobArgs({"lag", "--table", table, "--topic", kTopic})),
                   "holds topic lag_mistakes");
  ExpectUsageError(RunProcess(JobArgs({"lag", "--table", table, "--job-id", "someone-else"})),
                   "job reprocessor-sync");
  ExpectUsageError(RunProcess(JobArgs({"lag", "--table", table, "--format", "yaml"})), "--format");
}

}  // namespace
}  // namespace rp
