// The `sync` job as a real process: what it stores, exactly once, and where bad input goes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <sstream>
#include <random>
#include <thread>

#include "support/jobs.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::JobArgs;
using testing::LogOf;
using testing::SharedBroker;
using testing::TestRecord;
using testing::WaitFor;

// delta-rs's view of a table: rows, distinct (partition, offset), and whether
// every partition's offsets are 0..n-1 with no gap.
struct DeltaRsView {
  int64_t rows = -1, distinct = -1;
  bool contiguous = false;
};

DeltaRsView ReadWithDeltaRs(const std::string& table) {
  auto r = testing::RunPython(
      "from deltalake import DeltaTable\n"
      "rows = DeltaTable('" + table + "').to_pyarrow_table(columns=['partition','offset']).to_pylist()\n"
      "keys = {(r['partition'], r['offset']) for r in rows}\n"
      "by = {}\n"
      "for p, o in keys: by.setdefault(p, []).append(o)\n"
      "ok = all(sorted(v) == list(range(len(v))) for v in by.values())\n"
      "print(len(rows), len(keys), int(ok))\n");
  DeltaRsView v;
  if (r.exit_code != 0) {
    ADD_FAILURE() << r.err;
    return v;
  }
  int ok = 0;
  std::sscanf(r.out.c_str(), "%lld %lld %d", reinterpret_cast<long long*>(&v.rows),
              reinterpret_cast<long long*>(&v.distinct), &ok);
  v.contiguous = ok == 1;
  return v;
}

TEST(SyncJob, KilledAndRestartedNeitherLosesNorDuplicatesRows) {
  SharedBroker().CreateTopic("sync_kill", 3);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  constexpr int kRecords = 3000;
  std::atomic<bool> producing{true};
  std::thread producer([&] {
    for (int i = 0; i < kRecords; i += 100) {
      std::vector<TestRecord> batch;
      for (int k = i; k < i + 100; ++k) batch.push_back({k % 3, testing::VisitRecord(k), {}, {}});
      testing::Produce(SharedBroker().bootstrap(), "sync_kill", batch);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    producing = false;
  });
  std::mt19937 rng(42);
  int kills = 0;
  for (; kills < 5; ++kills) {
    BackgroundProcess sync(JobArgs({"sync", "--topic", "sync_kill", "--table", table, "--timezone", "UTC",
                                    "--max-batch-records", "200", "--max-batch-ms", "50",
                                    // a killed member's partitions move after 6 s, not 45 s
                                    "-X", "session.timeout.ms=6000"}),
                           dir.path() + "/sync.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500 + rng() % 1500));
    sync.Signal(SIGKILL);
    sync.Wait(10000);
  }
  producer.join();
  BackgroundProcess sync(JobArgs({"sync", "--topic", "sync_kill", "--table", table}), dir.path() + "/sync.log");
  ASSERT_TRUE(WaitFor([&] { return testing::TableRows(table) >= kRecords; }, 120000)) << LogOf(sync);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  sync.Signal(SIGTERM);
  ASSERT_EQ(sync.Wait(30000), 0) << LogOf(sync);

  DeltaRsView v = ReadWithDeltaRs(table);
  EXPECT_EQ(v.rows, kRecords) << "after " << kills << " kills";
  EXPECT_EQ(v.distinct, kRecords);
  EXPECT_TRUE(v.contiguous);
}

TEST(SyncJob, ResumesFromTheTablesTxnVersionsNotFromGroupOffsets) {
  SharedBroker().CreateTopic("sync_resume", 1);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  std::vector<TestRecord> first;
  for (int i = 0; i < 5; ++i) first.push_back({0, testing::VisitRecord(i), {}, {}});
  testing::Produce(SharedBroker().bootstrap(), "sync_resume", first);
  testing::SyncUntil("sync_resume", table, 5, dir.path());
  testing::Produce(SharedBroker().bootstrap(), "sync_resume", {{0, testing::VisitRecord(5), {}, {}}});
  // A new consumer group has no committed offsets; the table still knows where to resume.
  BackgroundProcess sync(JobArgs({"sync", "--topic", "sync_resume", "--table", table, "--group", "other-group",
                                  "--job-id", "reprocessor-sync"}),
                         dir.path() + "/sync2.log");
  ASSERT_TRUE(WaitFor([&] { return testing::TableRows(table) >= 6; }, 60000)) << LogOf(sync);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  sync.Signal(SIGTERM);
  ASSERT_EQ(sync.Wait(30000), 0) << LogOf(sync);
  DeltaRsView v = ReadWithDeltaRs(table);
  EXPECT_EQ(v.rows, 6);
  EXPECT_EQ(v.distinct, 6);
}

TEST(SyncJob, TheSeedLayoutKeepsEveryRecordAndSendsInvalidUtf8ToTheDeadLetterTable) {
  SharedBroker().CreateTopic("sync_bad", 1);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  const std::string big = R"({"event_id":")" + std::string(1000000, 'x') + R"(","event_time":"2025-01-02T03:04:05"})";
  testing::Produce(SharedBroker().bootstrap(), "sync_bad",
                   {{0, "not json", {}, {}},                                         // 0
                    {0, "[1,2]", {}, {}},                                            // 1
                    {0, R"({"event_id":"no-time"})", {}, {}},                        // 2
                    {0, R"({"event_id":5,"visit_id":"x","event_time":true})", {}, {}},  // 3
                    {0, std::string("\xc3\x28 bad utf8"), {}, {}},                   // 4 -> DLQ table
                    {0, std::nullopt, std::string("key"), {}},                       // 5 tombstone
                    {0, big, {}, {}},                                                // 6
                    {0, testing::VisitRecord(7), {}, {}}});                          // 7
  testing::SyncUntil("sync_bad", table, 7, dir.path(), {"--layout", "seed"});

  auto rows = testing::RunProcess({testing::ReprocessorBinary(), "read-table", "--table", table, "--format", "jsonl"});
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  std::vector<std::string> lines;
  std::istringstream in(rows.out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 7u) << rows.out.substr(0, 2000);
  EXPECT_NE(lines[0].find(R"("value":"not json","partition":0,"offset":0,"year":null,"month":null,"day":null,"hour":null)"),
            std::string::npos) << lines[0];
  EXPECT_NE(lines[2].find(R"("offset":2,"year":null)"), std::string::npos) << lines[2];
  EXPECT_NE(lines[4].find(R"("value":null,"partition":0,"offset":5,"year":null)"), std::string::npos) << lines[4];
  EXPECT_NE(lines[5].find(R"("offset":6,"year":2025,"month":1,"day":2,"hour":3)"), std::string::npos);
  EXPECT_NE(lines[6].find(R"("offset":7,"year":2025,"month":9,"day":4,"hour":0)"), std::string::npos) << lines[6];

  auto dlq = testing::RunPython(
      "from deltalake import DeltaTable\n"
      "r = DeltaTable('" + table + "_dlq').to_pyarrow_table().to_pylist()\n"
      "print(len(r), r[0]['offset'], r[0]['reason'], r[0]['value'] == b'\\xc3\\x28 bad utf8')\n");
  ASSERT_EQ(dlq.exit_code, 0) << dlq.out << dlq.err;
  EXPECT_EQ(dlq.out, "1 4 invalid_utf8 True\n");
}

TEST(SyncJob, UsesTheZoneStoredInTheTableAndRefusesAnother) {
  SharedBroker().CreateTopic("sync_zone", 1);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  testing::Produce(SharedBroker().bootstrap(), "sync_zone", {{0, testing::VisitRecord(0), {}, {}}});
  testing::SyncUntil("sync_zone", table, 1, dir.path());  // created with UTC
  auto r = testing::RunProcess(JobArgs({"sync", "--topic", "sync_zone", "--table", table, "--timezone", "Asia/Tokyo"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("UTC"), std::string::npos) << r.err;
}

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// A record as one comparable line: "partition offset key value [name=value …]",
// bytes in hex, "-" for null.
std::string Line(int32_t partition, int64_t offset, const std::optional<std::string>& key,
                 const std::optional<std::string>& value, const std::vector<kafka::Header>& headers) {
  std::string line = std::to_string(partition) + " " + std::to_string(offset) + " " + (key ? Hex(*key) : "-") + " " +
                     (value ? Hex(*value) : "-");
  for (const auto& h : headers) line += " " + h.name + "=" + (h.value ? Hex(*h.value) : "-");
  return line;
}

// Any bytes at all go in (the kafka layout stores value and key as BINARY), and
// come back the same through delta-rs and through a replay into Kafka.
TEST(SyncJob, TheKafkaLayoutStoresAnyBytesAndTheyComeBackIdentical) {
  const std::string bootstrap = SharedBroker().bootstrap();
  SharedBroker().CreateTopic("sync_binary", 3);
  SharedBroker().CreateTopic("sync_binary_replay", 3);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  std::mt19937 rng(20261130);
  auto random_bytes = [&](size_t max) {
    std::string b(rng() % (max + 1), '\0');
    for (char& c : b) c = static_cast<char>(rng() & 0xff);
    return b;
  };
  std::vector<TestRecord> records;
  std::vector<std::string> expected;
  int64_t next_offset[3] = {0, 0, 0};
  for (int i = 0; i < 60; ++i) {
    TestRecord r{i % 3, random_bytes(300), random_bytes(20), {{"h" + std::to_string(i % 4), random_bytes(8)}}};
    if (i % 6 == 0) r.value = std::string("\xc3\x28\xff\xfe", 4);  // invalid UTF-8 for sure
    if (i % 11 == 0) r.value = std::string();                     // empty, not null
    if (i % 13 == 0) r.value.reset();                             // a tombstone
    if (i % 7 == 0) r.key.reset();
    if (i % 5 == 0) r.headers.push_back({"null-value", std::nullopt});
    if (i % 9 == 0) r.headers.clear();
    expected.push_back(Line(r.partition, next_offset[r.partition]++, r.key, r.value, r.headers));
    records.push_back(std::move(r));
  }
  std::sort(expected.begin(), expected.end());
  testing::Produce(bootstrap, "sync_binary", records);
  testing::SyncUntil("sync_binary", table, 60, dir.path());

  // delta-rs reads the same bytes.
  auto rs = testing::RunPython(
      "from deltalake import DeltaTable\n"
      "h = lambda b: '-' if b is None else b.hex()\n"
      "t = DeltaTable('" + table + "').to_pyarrow_table().to_pylist()\n"
      "for r in t:\n"
      "  hs = ''.join(' %s=%s' % (x['key'], h(x['value'])) for x in (r['headers'] or []))\n"
      "  print('%d %d %s %s%s' % (r['partition'], r['offset'], h(r['key']), h(r['value']), hs))\n"
      "print('types', sorted({r['timestampType'] for r in t}), all(r['timestamp'] is not None for r in t),\n"
      "      {r['topic'] for r in t})\n");
  ASSERT_EQ(rs.exit_code, 0) << rs.err;
  std::vector<std::string> lines;
  std::istringstream in(rs.out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "types [0] True {'sync_binary'}") << "CreateTime stamps, the source topic";
  lines.pop_back();
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, expected);

  // A replay with a logic that returns the value as it is reproduces the records.
  const std::string script = dir.path() + "/identity.lua";
  std::ofstream(script) << "function transform(r) return r.value or '' end\n";
  auto replay = testing::RunProcess({testing::ReprocessorBinary(), "reprocess", "--table", table, "--output-topic",
                                     "sync_binary_replay", "--logic", "lua:" + script, "--starting-offsets",
                                     R"({"sync_binary":{"0":-2,"1":-2,"2":-2}})", "-b", bootstrap});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  std::vector<std::string> replayed;
  for (const auto& r : testing::ReadAll(bootstrap, "sync_binary_replay")) {
    std::vector<kafka::Header> headers;
    for (const auto& h : r.headers) {
      if (h.name.rfind("source-", 0) != 0 && h.name != "reprocess-run") headers.push_back(h);
    }
    const int32_t partition = std::stoi(*testing::HeaderValue(r, "source-partition"));
    EXPECT_EQ(r.partition, partition) << "preserve: the source partition";
    replayed.push_back(Line(partition, std::stoll(*testing::HeaderValue(r, "source-offset")), r.key, r.value, headers));
  }
  std::sort(replayed.begin(), replayed.end());
  // The tombstones come back as empty values: the script returns ''.
  std::vector<std::string> expected_replay;
  int64_t offsets[3] = {0, 0, 0};
  for (auto r : records) {
    if (!r.value) r.value = std::string();
    expected_replay.push_back(Line(r.partition, offsets[r.partition]++, r.key, r.value, r.headers));
  }
  std::sort(expected_replay.begin(), expected_replay.end());
  EXPECT_EQ(replayed, expected_replay);
}

TEST(SyncJob, TakesTheEventTimeFromTheKafkaTimestampWhenAskedAndRemembersTheRule) {
  SharedBroker().CreateTopic("sync_kafka_time", 1);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  testing::Produce(SharedBroker().bootstrap(), "sync_kafka_time", {{0, "no json here", {}, {}}});
  const auto before = std::chrono::system_clock::now();
  testing::SyncUntil("sync_kafka_time", table, 1, dir.path(), {"--event-time", "kafka"});
  auto rows = testing::RunProcess({testing::ReprocessorBinary(), "read-table", "--table", table, "--format", "jsonl"});
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  const std::time_t now = std::chrono::system_clock::to_time_t(before);
  std::tm utc{};
  gmtime_r(&now, &utc);
  EXPECT_NE(rows.out.find("\"year\":" + std::to_string(utc.tm_year + 1900)), std::string::npos) << rows.out;
  EXPECT_EQ(rows.out.find("\"event_time\":null"), std::string::npos) << rows.out;

  // The table keeps its rule: another one is refused, one error line, exit 2.
  auto r = testing::RunProcess(
      JobArgs({"sync", "--topic", "sync_kafka_time", "--table", table, "--event-time", "json:/ts"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("kafka"), std::string::npos) << r.err;
  auto bad = testing::RunProcess(JobArgs({"sync", "--topic", "sync_kafka_time", "--table", table, "--event-time",
                                          "json:event_time"}));
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

// sync's small commits are compacted in the background, and the rows stay
// exactly the records; --no-auto-compact leaves every file as written.
TEST(SyncJob, CompactsSmallFilesInTheBackgroundWithoutChangingTheRows) {
  SharedBroker().CreateTopic("sync_compact", 3);
  testing::TempDir dir;
  for (const bool compact : {true, false}) {
    const std::string table = dir.path() + (compact ? "/compacted" : "/as_written");
    std::vector<std::string> args = {"sync", "--topic", "sync_compact", "--table", table, "--timezone", "UTC",
                                     "--group", table, "--max-batch-records", "50", "--max-batch-ms", "50",
                                     "--compact-interval-ms", "300", "--compact-min-files", "3"};
    if (!compact) args.push_back("--no-auto-compact");
    BackgroundProcess sync(JobArgs(args), table + ".log");
    if (compact) {
      for (int round = 0; round < 20; ++round) {  // records keep arriving: many small commits
        std::vector<TestRecord> records;
        // Event times within two hours: each hour partition gets a file per commit.
        for (int i = 0; i < 30; ++i) records.push_back({i % 3, testing::VisitRecord((round * 30 + i) % 120), {}, {}});
        testing::Produce(SharedBroker().bootstrap(), "sync_compact", records);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    ASSERT_TRUE(WaitFor([&] { return testing::TableRows(table) >= 600; }, 60000)) << LogOf(sync);
    if (compact) {
      ASSERT_TRUE(WaitFor([&] { return LogOf(sync).find("INFO compact: optimize: version") != std::string::npos; },
                          30000))
          << LogOf(sync);
    }
    sync.Signal(SIGTERM);
    ASSERT_EQ(sync.Wait(30000), 0) << LogOf(sync);
    DeltaRsView v = ReadWithDeltaRs(table);
    EXPECT_EQ(v.rows, 600);
    EXPECT_EQ(v.distinct, 600);
    EXPECT_TRUE(v.contiguous);
    auto info = testing::RunProcess({testing::ReprocessorBinary(), "table-info", "--table", table, "--format", "json"});
    const int64_t live_files = std::atoll(info.out.c_str() + info.out.find("\"files\":") + 8);
    // The files sync wrote: "version N: R records in F files" per commit.
    int64_t written_files = 0;
    std::istringstream log(LogOf(sync));
    for (std::string line; std::getline(log, line);) {
      const auto in = line.find(" records in ");
      if (line.find("INFO sync: version ") != std::string::npos && in != std::string::npos) {
        written_files += std::atoll(line.c_str() + in + 12);
      }
    }
    if (compact) {
      EXPECT_LT(live_files, written_files / 2) << info.out;
    } else {
      EXPECT_EQ(live_files, written_files) << info.out;
      EXPECT_EQ(LogOf(sync).find("INFO compact"), std::string::npos) << LogOf(sync);
    }
  }
}

}  // namespace
}  // namespace rp
