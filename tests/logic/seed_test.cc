// The seed scenario: Spark's output for the 9 demo records, read from the
// expected files (never hard-coded here).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "logic/visit_transform.h"

namespace rp::logic {
namespace {

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The cells of a `show(truncate=False)` table, one vector per data row.
std::vector<std::vector<std::string>> ReadShowTable(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  bool header = true;
  for (const std::string& line : ReadLines(path)) {
    if (line.empty() || line[0] != '|') continue;
    std::vector<std::string> cells;
    size_t start = 1;
    for (size_t bar; (bar = line.find('|', start)) != std::string::npos; start = bar + 1) {
      std::string cell = line.substr(start, bar - start);
      cell.erase(cell.find_last_not_of(' ') + 1);  // left-aligned: padding on the right
      cells.push_back(cell);
    }
    if (header) {
      header = false;  // column names
      continue;
    }
    rows.push_back(cells);
  }
  return rows;
}

TimeZone Paris() { return *TimeZone::Find("Europe/Paris"); }

TEST(Seed, TransformGivesTheTopicValuesSparkWrote) {
  const std::vector<std::string> inputs = ReadLines(RP_SEED_DIR "/input_records.jsonl");
  const auto rows = ReadShowTable(RP_SEED_DIR "/read_topic_before_reprocessing.txt");
  ASSERT_EQ(inputs.size(), 9u);
  ASSERT_EQ(rows.size(), inputs.size());
  VisitTransformer transformer(TransformOptions{Paris(), false});
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string out;
    auto rejection = transformer.Transform(inputs[i], &out);
    ASSERT_FALSE(rejection) << rejection->detail;
    EXPECT_EQ(out, rows[i][0]) << "record " << i;
  }
}

TEST(Seed, StrictModeAcceptsEverySeedRecord) {
  VisitTransformer transformer(TransformOptions{Paris(), true});
  for (const std::string& input : ReadLines(RP_SEED_DIR "/input_records.jsonl")) {
    std::string out;
    EXPECT_FALSE(transformer.Transform(input, &out)) << input;
  }
}

TEST(Seed, ToCivilGivesTheTablePartitionsSparkWrote) {
  // read_table.txt: value | partition | offset | year | month | day | hour
  const auto rows = ReadShowTable(RP_SEED_DIR "/read_table.txt");
  ASSERT_EQ(rows.size(), 9u);
  VisitTransformer transformer(TransformOptions{Paris(), false});
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 7u);
    Visit visit;
    ASSERT_FALSE(transformer.Parse(row[0], &visit));
    ASSERT_TRUE(visit.event_time_micros.has_value());
    const CivilTime c = transformer.options().zone.ToCivil(*visit.event_time_micros);
    EXPECT_EQ(std::to_string(c.year), row[3]);
    EXPECT_EQ(std::to_string(c.month), row[4]);
    EXPECT_EQ(std::to_string(c.day), row[5]);
    EXPECT_EQ(std::to_string(c.hour), row[6]);
  }
}

}  // namespace
}  // namespace rp::logic
