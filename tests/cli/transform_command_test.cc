// `reprocessor transform`: the shared logic through the real binary.
#include <gtest/gtest.h>

#include "support/local_broker.h"
#include "support/process.h"
#include "support/seed.h"

namespace rp {
namespace {

using testing::ReadFile;
using testing::ReprocessorBinary;
using testing::RunProcess;
using testing::SeedPath;

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

TEST(TransformCommand, SeedInputGivesTheSeedOutputValuesInEuropeParis) {
  auto r = RunProcess({ReprocessorBinary(), "transform", "--timezone", "Europe/Paris"},
                      ReadFile(SeedPath("input_records.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, Join(testing::ShowTableFirstColumn(ReadFile(SeedPath("read_topic_before_reprocessing.txt")))));
}

TEST(TransformCommand, RejectedLinesAreReportedWithLineNumbersAndProcessingContinues) {
  auto seed = testing::SeedInputRecords();
  std::string input = seed[0] + "\nnot json\n[1,2]\n\n" + seed[1] + "\n";
  auto r = RunProcess({ReprocessorBinary(), "transform", "--timezone", "UTC"}, input);
  EXPECT_EQ(r.exit_code, 3);
  // Two good records in, two results out, in order.
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  EXPECT_NE(r.out.find("\"event_identifier\":\"click-1\""), std::string::npos);
  EXPECT_NE(r.out.find("\"event_identifier\":\"click-2\""), std::string::npos);
  EXPECT_NE(r.err.find("ERROR 2 invalid_json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ERROR 3 not_an_object"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ERROR 4 empty_value"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 3) << r.err;
}

TEST(TransformCommand, StrictRejectsIncompleteRecordsThatPermissiveModeKeeps) {
  std::string input = R"({"event_id":"e1","event_time":"2025-01-01T00:00:00"})" "\n";
  auto permissive = RunProcess({ReprocessorBinary(), "transform", "--timezone", "UTC"}, input);
  EXPECT_EQ(permissive.exit_code, 0);
  EXPECT_EQ(permissive.out, "{\"event_identifier\":\"e1\",\"event_time\":\"2025-01-01T00:00:00.000Z\"}\n");
  auto strict = RunProcess({ReprocessorBinary(), "transform", "--timezone", "UTC", "--strict"}, input);
  EXPECT_EQ(strict.exit_code, 3);
  EXPECT_EQ(strict.out, "");
  EXPECT_NE(strict.err.find("ERROR 1 incomplete"), std::string::npos) << strict.err;
}

TEST(TransformCommand, UnknownTimeZoneIsAUsageError) {
  auto r = RunProcess({ReprocessorBinary(), "transform", "--timezone", "Mars/Olympus"}, "{}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("Mars/Olympus"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace rp
