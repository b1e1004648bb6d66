// A user's logic (a Lua script, the example C plugin) through the real jobs:
// `stream` and `reprocess` run it over keyed records with headers, and the
// replay reproduces every output record exactly (value, key, headers, output
// partition) under each partitioning. The script reads JSON, changes a field,
// keeps the key, adds a header, drops some records and rejects others;
// `transform` gives the same values.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>

#include "support/jobs.h"
#include "support/kafka_io.h"
#include "support/local_broker.h"
#include "support/process.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::HeaderValue;
using testing::ReadAll;
using testing::ReprocessorBinary;
using testing::SharedBroker;
using testing::WaitFor;

constexpr const char* kScript = R"lua(
-- visit_id % 5 == 0: dropped; a missing page: rejected; the rest: page upper-cased
local suffix = options.suffix or ''
function transform(r)
  local v = json.decode(r.value)
  if v.visit_id % 5 == 0 then return nil end
  if v.page == nil then error('no page in visit ' .. v.visit_id) end
  v.page = string.upper(v.page) .. suffix
  local headers = r.headers
  headers[#headers + 1] = {name = 'logic', value = 'lua'}
  return {value = json.encode(v, {'event_id', 'visit_id', 'event_time', 'page'}), headers = headers}
end
)lua";

std::string Record(int i) {
  if (i % 7 == 3)
    return R"({"event_id":"e)" + std::to_string(i) + R"(","visit_id":)" + std::to_string(i) + "}";
  return R"({"event_id":"e)" + std::to_string(i) + R"(","visit_id":)" + std::to_string(i) +
         R"(,"event_time":"2025-09-04T07:00:00","page":"p)" + std::to_string(i) + R"("})";
}

// source (partition, offset) -> the output record
std::map<std::pair<int32_t, int64_t>, kafka::Record> BySource(const std::vector<kafka::Record>& records) {
  std::map<std::pair<int32_t, int64_t>, kafka::Record> out;
  for (const auto& r : records) {
    out[{std::stoi(*HeaderValue(r, "source-partition")), std::stoll(*HeaderValue(r, "source-offset"))}] = r;
  }
  return out;
}

// The headers a replay must reproduce: all but its own run marker.
std::vector<kafka::Header> WithoutRunHeader(const std::vector<kafka::Header>& headers) {
  std::vector<kafka::Header> out;
  for (const auto& h : headers) {
    if (h.name != "reprocess-run") out.push_back(h);
  }
  return out;
}

// Every record `stream` wrote has its replay: same value, key, headers (apart
// from the run marker) and output partition.
void ExpectSameRecords(const std::vector<kafka::Record>& streamed_records,
                       const std::vector<kafka::Record>& replayed_records, const std::string& what) {
  const auto streamed = BySource(streamed_records);
  const auto replayed = BySource(replayed_records);
  ASSERT_EQ(replayed.size(), streamed.size()) << what;
  for (const auto& [source, r] : streamed) {
    SCOPED_TRACE(what + " from source " + std::to_string(source.first) + "/" + std::to_string(source.second));
    auto it = replayed.find(source);
    ASSERT_NE(it, replayed.end());
    EXPECT_EQ(it->second.value, r.value);
    EXPECT_EQ(it->second.key, r.key);
    EXPECT_EQ(it->second.partition, r.partition);
    EXPECT_EQ(WithoutRunHeader(it->second.headers), r.headers);
    EXPECT_TRUE(HeaderValue(it->second, "reprocess-run").has_value());
  }
}

struct UserLogicCase {
  std::string kind;          // lua or plugin
  std::string partitioning;  // key or preserve
};

std::string CaseName(const ::testing::TestParamInfo<UserLogicCase>& info) {
  return info.param.kind + "_" + info.param.partitioning;
}

class UserLogicJobs : public ::testing::TestWithParam<UserLogicCase> {};

// One input topic and its raw copy (kafka layout) for every case.
struct SharedInput {
  std::string topic = "user_logic_in";
  std::string table;
  int filtered_by_lua = 0, rejected_by_lua = 0, output_by_lua = 0;
};

constexpr int kRecords = 60;

const SharedInput& Input(const std::string& dir) {
  static SharedInput* input = [&] {
    auto* in = new SharedInput;
    SharedBroker().CreateTopic(in->topic, 3);
    std::vector<testing::TestRecord> records;
    for (int i = 0; i < kRecords; ++i) {
      // Keys spread over partitions other than the one the record came from.
      testing::TestRecord r{
          i % 3, Record(i), "key-" + std::to_string(i), {{"trace", "t" + std::to_string(i)}}};
      if (i % 4 == 1) r.headers.push_back({"empty", std::nullopt});
      if (i % 10 == 9) r.key.reset();
      records.push_back(std::move(r));
      if (i % 5 == 0) {
        ++in->filtered_by_lua;
      } else if (i % 7 == 3) {
        ++in->rejected_by_lua;
      } else {
        ++in->output_by_lua;
      }
    }
    testing::Produce(SharedBroker().bootstrap(), in->topic, records);
    in->table = dir + "/user_logic_table";
    testing::SyncUntil(in->topic, in->table, kRecords, dir);
    return in;
  }();
  return *input;
}

TEST_P(UserLogicJobs, ReprocessReproducesWhatStreamProduced) {
  const UserLogicCase& c = GetParam();
  const std::string bootstrap = SharedBroker().bootstrap();
  static testing::TempDir shared_dir;
  const SharedInput& input = Input(shared_dir.path());
  testing::TempDir dir;
  const std::string suffix = c.kind + "_" + c.partitioning;
  const std::string out_topic = "user_logic_out_" + suffix, replay_topic = "user_logic_replay_" + suffix;
  SharedBroker().CreateTopic(out_topic, 4);  // not the input's count: partitions are chosen, not copied
  SharedBroker().CreateTopic(replay_topic, 4);

  std::vector<std::string> logic;
  if (c.kind == "lua") {
    const std::string script = dir.path() + "/logic.lua";
    std::ofstream(script) << kScript;
    logic = {"--logic", "lua:" + script, "--logic-option", "suffix=!"};
  } else {
    logic = {"--logic", std::string("plugin:") + RP_UPPERCASE_PAGE_PLUGIN, "--logic-option", "tag=parity"};
  }

  std::vector<std::string> stream_args = {ReprocessorBinary(),
                                          "stream",
                                          "--input-topic",
                                          input.topic,
                                          "--output-topic",
                                          out_topic,
                                          "--group",
                                          "user_logic_" + suffix,
                                          "--partitioning",
                                          c.partitioning,
                                          "-b",
                                          bootstrap};
  stream_args.insert(stream_args.end(), logic.begin(), logic.end());
  BackgroundProcess stream(stream_args, dir.path() + "/stream.log");
  // Every record leaves as an output, a dead letter or a filtered count.
  ASSERT_TRUE(WaitFor(
      [&] {
        return testing::LogOf(stream).find("consumed " + std::to_string(kRecords)) != std::string::npos ||
               static_cast<int>(ReadAll(bootstrap, out_topic).size() +
                                ReadAll(bootstrap, out_topic + "-dlq").size()) >=
                   (c.kind == "lua" ? input.output_by_lua + input.rejected_by_lua : kRecords);
      },
      60000))
      << testing::LogOf(stream);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stream.Signal(SIGTERM);
  ASSERT_EQ(stream.Wait(30000), 0) << testing::LogOf(stream);
  const auto live = ReadAll(bootstrap, out_topic);
  const auto live_dlq = ReadAll(bootstrap, out_topic + "-dlq");

  if (c.kind == "lua") {
    EXPECT_NE(testing::LogOf(stream).find("filtered " + std::to_string(input.filtered_by_lua)),
              std::string::npos)
        << testing::LogOf(stream);
    ASSERT_EQ(static_cast<int>(live.size()), input.output_by_lua);
    for (const auto& r : live) {
      const int offset = std::stoi(*HeaderValue(r, "source-offset"));
      const int i = offset * 3 + std::stoi(*HeaderValue(r, "source-partition"));
      EXPECT_EQ(r.value, R"({"event_id":"e)" + std::to_string(i) + R"(","visit_id":)" + std::to_string(i) +
                             R"(,"event_time":"2025-09-04T07:00:00","page":"P)" + std::to_string(i) +
                             R"(!"})");
      EXPECT_EQ(HeaderValue(r, "trace"), "t" + std::to_string(i));  // the input's headers, kept
      EXPECT_EQ(HeaderValue(r, "logic"), "lua");                    // and the one it added
      if (i % 10 == 9) {
        EXPECT_FALSE(r.key.has_value()) << "a null key stays null";
      } else {
        EXPECT_EQ(r.key, "key-" + std::to_string(i));
      }
    }
    ASSERT_EQ(static_cast<int>(live_dlq.size()), input.rejected_by_lua);
    for (const auto& r : live_dlq) {
      EXPECT_EQ(HeaderValue(r, "dlq-reason"), "script_error");
      EXPECT_NE(HeaderValue(r, "dlq-detail")->find("no page in visit"), std::string::npos);
    }
  } else {
    ASSERT_EQ(static_cast<int>(live.size()), kRecords);  // every value has a '{'
    for (const auto& r : live) EXPECT_EQ(HeaderValue(r, "x-uppercased-by"), "parity");
  }
  if (c.partitioning == "preserve") {
    for (const auto& r : live) EXPECT_EQ(r.partition, std::stoi(*HeaderValue(r, "source-partition")));
  }

  // The same logic over the raw copy reproduces every output and dead letter.
  std::vector<std::string> replay_args = {ReprocessorBinary(),
                                          "reprocess",
                                          "--table",
                                          input.table,
                                          "--output-topic",
                                          replay_topic,
                                          "--partitioning",
                                          c.partitioning,
                                          "--starting-offsets",
                                          R"({"user_logic_in":{"0":-2,"1":-2,"2":-2}})",
                                          "-b",
                                          bootstrap};
  replay_args.insert(replay_args.end(), logic.begin(), logic.end());
  auto replay = testing::RunProcess(replay_args);
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  if (c.kind == "lua") {
    EXPECT_NE(replay.err.find("filtered " + std::to_string(input.filtered_by_lua)), std::string::npos)
        << replay.err;
  }
  ExpectSameRecords(live, ReadAll(bootstrap, replay_topic), "output");
  ExpectSameRecords(live_dlq, ReadAll(bootstrap, replay_topic + "-dlq"), "dead letter");
}

INSTANTIATE_TEST_SUITE_P(LogicAndPartitioning, UserLogicJobs,
                         ::testing::Values(UserLogicCase{"lua", "key"}, UserLogicCase{"lua", "preserve"},
                                           UserLogicCase{"plugin", "key"},
                                           UserLogicCase{"plugin", "preserve"}),
                         CaseName);

TEST(LuaLogicJobs, TransformGivesTheValuesStreamGives) {
  testing::TempDir dir;
  const std::string script = dir.path() + "/logic.lua";
  std::ofstream(script) << kScript;
  std::string stdin_text;
  int expected_out = 0;
  for (int i = 0; i < kRecords; ++i) {
    stdin_text += Record(i) + "\n";
    if (i % 5 != 0 && i % 7 != 3) ++expected_out;
  }
  auto transformed = testing::RunProcess(
      {ReprocessorBinary(), "transform", "--logic", "lua:" + script, "--logic-option", "suffix=!"},
      stdin_text);
  EXPECT_EQ(transformed.exit_code, 3) << transformed.err;  // some records were rejected
  std::vector<std::string> lines;
  for (size_t start = 0, nl; (nl = transformed.out.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(transformed.out.substr(start, nl - start));
  }
  ASSERT_EQ(static_cast<int>(lines.size()), expected_out);
  for (const auto& line : lines) {
    const auto at = line.find(R"("visit_id":)") + 11;
    const int i = std::stoi(line.substr(at));
    EXPECT_EQ(line, R"({"event_id":"e)" + std::to_string(i) + R"(","visit_id":)" + std::to_string(i) +
                        R"(,"event_time":"2025-09-04T07:00:00","page":"P)" + std::to_string(i) + R"(!"})");
  }
}

TEST(UserLogicJobsOnSeedTables, PartitioningByKeyIsRefusedBecauseNoKeysWereStored) {
  testing::TempDir dir;
  const std::string table = dir.path() + "/seed_table";
  SharedBroker().CreateTopic("user_logic_seed_in", 1);
  testing::Produce(SharedBroker().bootstrap(), "user_logic_seed_in", {{0, Record(1), "k", {}}});
  testing::SyncUntil("user_logic_seed_in", table, 1, dir.path(), {"--layout", "seed"});
  auto r = testing::RunProcess({ReprocessorBinary(), "reprocess", "--table", table, "--output-topic",
                                "lua_out", "--partitioning", "key", "-b", SharedBroker().bootstrap()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("seed layout"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(LuaLogicJobs, AScriptThatDoesNotLoadIsOneErrorLineAndExit2) {
  testing::TempDir dir;
  const std::string script = dir.path() + "/broken.lua";
  std::ofstream(script) << "function transform(r) return r.value";  // no end
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"transform"},
        std::vector<std::string>{"stream", "--input-topic", "lua_in", "--output-topic", "lua_out", "-b",
                                 SharedBroker().bootstrap()}}) {
    std::vector<std::string> args = {ReprocessorBinary()};
    args.insert(args.end(), command.begin(), command.end());
    args.push_back("--logic");
    args.push_back("lua:" + script);
    auto r = testing::RunProcess(args, "");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(script), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
}  // namespace rp
