// Records `sync` holds between polls and a commit: copies that outlive the
// librdkafka messages they came from.
#include "jobs/pending_records.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rp::jobs {
namespace {

std::vector<std::string> Values(const PendingRecords& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.value() ? std::string(*r.value()) : "<null>");
  return out;
}

TEST(PendingRecords, KeepsACopyOfEachValue) {
  PendingRecords records;
  std::string buffer = "first";
  records.Add(0, 10, buffer);
  buffer = "XXXXX";  // the source buffer is reused, as librdkafka's are freed
  records.Add(1, 3, std::nullopt);
  records.Add(0, 11, std::string_view());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(Values(records), (std::vector<std::string>{"first", "<null>", ""}));
  auto it = records.begin();
  EXPECT_EQ(it->partition, 0);
  EXPECT_EQ(it->offset, 10);
  ++it;
  EXPECT_EQ(it->partition, 1);
  EXPECT_FALSE(it->value().has_value()) << "a tombstone stays a null value, not an empty one";
  ++it;
  EXPECT_TRUE(it->value().has_value());
}

TEST(PendingRecords, ValuesStayValidAcrossManyBlocksAndLargeValues) {
  PendingRecords records;
  std::vector<std::string> expected;
  for (int i = 0; i < 20000; ++i) {
    // Mostly small values filling 1 MiB blocks, now and then one larger than a block.
    std::string v = i % 5000 == 4999 ? std::string(3 << 20, static_cast<char>('a' + i % 26))
                                     : "value-" + std::to_string(i) + std::string(static_cast<size_t>(i % 300), 'x');
    records.Add(i % 3, i / 3, v);
    expected.push_back(v);
  }
  EXPECT_EQ(Values(records), expected);
}

TEST(PendingRecords, EraseIfDropsRecordsAndClearEmpties) {
  PendingRecords records;
  for (int i = 0; i < 9; ++i) records.Add(i % 3, i, "v" + std::to_string(i));
  records.EraseIf([](const PendingRecords::Record& r) { return r.partition == 1; });
  EXPECT_EQ(Values(records), (std::vector<std::string>{"v0", "v2", "v3", "v5", "v6", "v8"}));
  records.Clear();
  EXPECT_TRUE(records.empty());
  records.Add(0, 0, "again");
  EXPECT_EQ(Values(records), (std::vector<std::string>{"again"}));
}

}  // namespace
}  // namespace rp::jobs
