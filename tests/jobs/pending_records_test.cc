// Records `sync` holds between polls and a commit: copies that outlive the
// librdkafka messages they came from.
#include "jobs/pending_records.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rp::jobs {
namespace {

// Adds a record with only a partition, an offset and a value.
void Add(PendingRecords* records, int32_t partition, int64_t offset, std::optional<std::string_view> value) {
  kafka::MessageView m;
  m.partition = partition;
  m.offset = offset;
  m.value = value;
  records->Add(m);
}

std::vector<std::string> Values(const PendingRecords& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.value() ? std::string(*r.value()) : "<null>");
  return out;
}

TEST(PendingRecords, KeepsACopyOfEachValue) {
  PendingRecords records;
  std::string buffer = "first";
  Add(&records, 0, 10, buffer);
  buffer = "XXXXX";  // the source buffer is reused, as librdkafka's are freed
  Add(&records, 1, 3, std::nullopt);
  Add(&records, 0, 11, std::string_view());
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

// sync commits a batch once its records hold --max-batch-bytes.
TEST(PendingRecords, CountsTheKeyValueAndHeaderBytesUntilCleared) {
  PendingRecords records;
  EXPECT_EQ(records.bytes(), 0u);
  std::vector<logic::HeaderView> headers = {{"name", "value"}, {"n", std::nullopt}};
  kafka::MessageView m;
  m.key = "key";
  m.value = "0123456789";
  m.headers = headers;
  records.Add(m);
  EXPECT_EQ(records.bytes(), 3u + 10u + 4u + 5u + 1u);
  Add(&records, 0, 1, std::nullopt);  // a tombstone adds no bytes
  EXPECT_EQ(records.bytes(), 23u);
  PendingRecords taken = records.TakeRecords();
  EXPECT_EQ(taken.bytes(), 23u) << "the bytes go with the records";
  EXPECT_EQ(records.bytes(), 0u);
  Add(&records, 0, 2, std::string(3 << 20, 'x'));  // a value in a block of its own
  EXPECT_EQ(records.bytes(), size_t{3} << 20);
  records.Clear();
  EXPECT_EQ(records.bytes(), 0u);
}

TEST(PendingRecords, ValuesStayValidAcrossManyBlocksAndLargeValues) {
  PendingRecords records;
  std::vector<std::string> expected;
  for (int i = 0; i < 20000; ++i) {
    // Mostly small values filling 1 MiB blocks, now and then one larger than a block.
    std::string v = i % 5000 == 4999
                        ? std::string(3 << 20, static_cast<char>('a' + i % 26))
                        : "value-" + std::to_string(i) + std::string(static_cast<size_t>(i % 300), 'x');
    Add(&records, i % 3, i / 3, v);
    expected.push_back(v);
  }
  EXPECT_EQ(Values(records), expected);
}

TEST(PendingRecords, EraseIfDropsRecordsAndClearEmpties) {
  PendingRecords records;
  for (int i = 0; i < 9; ++i) Add(&records, i % 3, i, "v" + std::to_string(i));
  records.EraseIf([](const PendingRecords::Record& r) { return r.partition == 1; });
  EXPECT_EQ(Values(records), (std::vector<std::string>{"v0", "v2", "v3", "v5", "v6", "v8"}));
  records.Clear();
  EXPECT_TRUE(records.empty());
  Add(&records, 0, 0, "again");
  EXPECT_EQ(Values(records), (std::vector<std::string>{"again"}));
}

// sync hands a full batch to its writer thread and polls into the same
// holder meanwhile; the batch's blocks come back for later records.
TEST(PendingRecords, TakenRecordsStayValidWhileTheHolderRefillsFromRecycledBlocks) {
  PendingRecords pending;
  std::vector<std::string> first, second;
  for (int i = 0; i < 5000; ++i) {
    first.push_back("first-" + std::to_string(i) + std::string(static_cast<size_t>(i % 500), 'f'));
    Add(&pending, i % 3, i, first.back());
  }
  PendingRecords batch = pending.TakeRecords();
  EXPECT_TRUE(pending.empty());
  for (int i = 0; i < 3000; ++i) {
    second.push_back("second-" + std::to_string(i));
    Add(&pending, i % 3, 5000 + i, second.back());
  }
  EXPECT_EQ(Values(batch), first) << "new records must not land in the taken batch's blocks";

  pending.Recycle(std::move(batch));
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(Values(pending), second) << "recycling keeps the holder's own records";
  // Enough to need the recycled blocks (the first batch used about 2.5 MiB).
  for (int i = 0; i < 5000; ++i) {
    second.push_back("third-" + std::to_string(i) + std::string(static_cast<size_t>(i % 700), 't'));
    Add(&pending, 0, 8000 + i, second.back());
  }
  EXPECT_EQ(Values(pending), second);
}

TEST(PendingRecords, KeepsKeysHeadersAndTimestampsPastTheMessage) {
  PendingRecords records;
  std::string key = "user-7", name = "trace", hvalue = std::string("\x00\xff", 2);
  std::vector<logic::HeaderView> headers = {{name, hvalue}, {"no-value", std::nullopt}, {name, ""}};
  kafka::MessageView m;
  m.partition = 2;
  m.offset = 41;
  m.key = key;
  m.value = std::nullopt;
  m.timestamp_ms = 1700000000123;
  m.timestamp_type = kafka::TimestampType::kLogAppendTime;
  m.headers = headers;
  records.Add(m);
  key.assign("XXXXXX");  // the message's buffers go away after Add
  name.assign("XXXXX");
  hvalue.assign("XX");
  m.key.reset();
  m.headers = {};
  records.Add(m);

  ASSERT_EQ(records.size(), 2u);
  const kafka::MessageView first = records.View(*records.begin(), "visits");
  EXPECT_EQ(first.topic, "visits");
  EXPECT_EQ(first.partition, 2);
  EXPECT_EQ(first.offset, 41);
  EXPECT_EQ(first.key, std::optional<std::string_view>("user-7"));
  EXPECT_FALSE(first.value.has_value());
  EXPECT_EQ(first.timestamp_ms, 1700000000123);
  EXPECT_EQ(first.timestamp_type, kafka::TimestampType::kLogAppendTime);
  ASSERT_EQ(first.headers.size(), 3u) << "repeated names are kept, in order";
  EXPECT_EQ(first.headers[0].name, "trace");
  EXPECT_EQ(first.headers[0].value, std::optional<std::string_view>(std::string_view("\x00\xff", 2)));
  EXPECT_EQ(first.headers[1].name, "no-value");
  EXPECT_FALSE(first.headers[1].value.has_value()) << "a null header value stays null";
  EXPECT_EQ(first.headers[2].value, std::optional<std::string_view>("")) << "an empty one stays empty";
  const kafka::MessageView second = records.View(*std::next(records.begin()), "visits");
  EXPECT_FALSE(second.key.has_value()) << "a null key stays null";
  EXPECT_TRUE(second.headers.empty());
}

}  // namespace
}  // namespace rp::jobs
