// A user's Lua logic through the real jobs: `stream` and `reprocess` run the
// same script over keyed records with headers, and `transform` gives the same
// values. The script reads JSON, changes a field, keeps the key, adds a
// header, drops some records and rejects others.
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
  if (i % 7 == 3) return R"({"event_id":"e)" + std::to_string(i) + R"(","visit_id":)" + std::to_string(i) + "}";
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

TEST(LuaLogicJobs, StreamReprocessAndTransformRunTheSameScript) {
  const std::string bootstrap = SharedBroker().bootstrap();
  SharedBroker().CreateTopic("lua_in", 3);
  SharedBroker().CreateTopic("lua_out", 3);
  SharedBroker().CreateTopic("lua_replay", 3);
  testing::TempDir dir;
  const std::string script = dir.path() + "/logic.lua";
  std::ofstream(script) << kScript;
  const std::vector<std::string> logic = {"--logic", "lua:" + script, "--logic-option", "suffix=!"};

  constexpr int kRecords = 60;
  std::vector<testing::TestRecord> input;
  int expected_out = 0, expected_filtered = 0, expected_rejected = 0;
  for (int i = 0; i < kRecords; ++i) {
    input.push_back({i % 3, Record(i), "key-" + std::to_string(i), {{"trace", "t" + std::to_string(i)}}});
    if (i % 5 == 0) {
      ++expected_filtered;
    } else if (i % 7 == 3) {
      ++expected_rejected;
    } else {
      ++expected_out;
    }
  }
  testing::Produce(bootstrap, "lua_in", input);

  std::vector<std::string> stream_args = {ReprocessorBinary(), "stream", "--input-topic", "lua_in", "--output-topic",
                                          "lua_out", "--group", "lua_group", "--partitioning", "key", "-b",
                                          bootstrap};
  stream_args.insert(stream_args.end(), logic.begin(), logic.end());
  BackgroundProcess stream(stream_args, dir.path() + "/stream.log");
  ASSERT_TRUE(WaitFor([&] {
    return static_cast<int>(ReadAll(bootstrap, "lua_out").size()) >= expected_out &&
           static_cast<int>(ReadAll(bootstrap, "lua_out-dlq").size()) >= expected_rejected;
  }, 60000)) << testing::LogOf(stream);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stream.Signal(SIGTERM);
  ASSERT_EQ(stream.Wait(30000), 0) << testing::LogOf(stream);
  EXPECT_NE(testing::LogOf(stream).find("filtered " + std::to_string(expected_filtered)), std::string::npos)
      << testing::LogOf(stream);

  const auto live = ReadAll(bootstrap, "lua_out");
  ASSERT_EQ(static_cast<int>(live.size()), expected_out);
  for (const auto& r : live) {
    const int i = std::stoi(r.key->substr(4));
    EXPECT_EQ(r.value, R"({"event_id":"e)" + std::to_string(i) + R"(","visit_id":)" + std::to_string(i) +
                           R"(,"event_time":"2025-09-04T07:00:00","page":"P)" + std::to_string(i) + R"(!"})");
    EXPECT_EQ(HeaderValue(r, "trace"), "t" + std::to_string(i));  // the input's headers, kept
    EXPECT_EQ(HeaderValue(r, "logic"), "lua");                    // and the one it added
  }
  const auto dlq = ReadAll(bootstrap, "lua_out-dlq");
  ASSERT_EQ(static_cast<int>(dlq.size()), expected_rejected);
  for (const auto& r : dlq) {
    EXPECT_EQ(HeaderValue(r, "dlq-reason"), "script_error");
    EXPECT_NE(HeaderValue(r, "dlq-detail")->find("no page in visit"), std::string::npos);
  }

  // The raw copy, then the same script over it.
  const std::string table = dir.path() + "/table";
  testing::SyncUntil("lua_in", table, kRecords, dir.path());
  std::vector<std::string> replay_args = {ReprocessorBinary(), "reprocess", "--table", table, "--output-topic",
                                          "lua_replay", "--starting-offsets", R"({"lua_in":{"0":-2,"1":-2,"2":-2}})",
                                          "-b", bootstrap};
  replay_args.insert(replay_args.end(), logic.begin(), logic.end());
  auto replay = testing::RunProcess(replay_args);
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_NE(replay.err.find("filtered " + std::to_string(expected_filtered)), std::string::npos) << replay.err;
  const auto replayed = BySource(ReadAll(bootstrap, "lua_replay"));
  const auto streamed = BySource(live);
  ASSERT_EQ(replayed.size(), streamed.size());
  for (const auto& [source, r] : streamed) {
    auto it = replayed.find(source);
    ASSERT_NE(it, replayed.end());
    EXPECT_EQ(it->second.value, r.value);  // same value for the same source record
  }

  // transform on stdin gives the same values.
  std::string stdin_text;
  for (int i = 0; i < kRecords; ++i) stdin_text += Record(i) + "\n";
  std::vector<std::string> transform_args = {ReprocessorBinary(), "transform"};
  transform_args.insert(transform_args.end(), logic.begin(), logic.end());
  auto transformed = testing::RunProcess(transform_args, stdin_text);
  EXPECT_EQ(transformed.exit_code, 3) << transformed.err;  // some records were rejected
  std::vector<std::string> lines;
  for (size_t start = 0, nl; (nl = transformed.out.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(transformed.out.substr(start, nl - start));
  }
  ASSERT_EQ(static_cast<int>(lines.size()), expected_out);
  std::vector<std::string> live_values;
  for (const auto& [source, r] : streamed) live_values.push_back(*r.value);
  std::sort(live_values.begin(), live_values.end());
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, live_values);
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
