// Lua scripts as business logic: every way a script can answer a record,
// the helpers it gets, its sandbox, and scripts that fail or run away.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "common/json_string.h"
#include "logic/logic.h"
#include "logic/lua/lua_heap.h"
#include "logic/spark_timestamp.h"
#include "logic/visits_logic.h"
#include "support/process.h"

namespace rp::logic {
namespace {

class Script {
 public:
  explicit Script(const std::string& text) : path_(dir_.path() + "/logic.lua") {
    std::ofstream(path_) << text;
  }
  const std::string& path() const { return path_; }

 private:
  rp::testing::TempDir dir_;
  std::string path_;
};

Result<std::unique_ptr<Logic>> Open(const Script& script, std::map<std::string, std::string> options = {},
                                    int64_t timeout_ms = 1000) {
  LogicSpec spec;
  spec.logic = "lua:" + script.path();
  spec.options = std::move(options);
  spec.timeout_ms = timeout_ms;
  spec.visits.zone = TimeZone::Utc();
  return OpenLogic(spec);
}

std::unique_ptr<Logic> MustOpen(const Script& script, std::map<std::string, std::string> options = {},
                                int64_t timeout_ms = 1000) {
  auto logic = Open(script, std::move(options), timeout_ms);
  EXPECT_TRUE(logic.ok()) << logic.status().ToString();
  return logic.ok() ? std::move(*logic) : nullptr;
}

struct Applied {
  Outcome outcome;
  OutputRecord out;
  LogicRejection rejection;
};

const std::vector<HeaderView> kHeaders = {{"trace", "t-1"}, {"empty", std::nullopt}};

Applied Apply(Logic& logic, std::optional<std::string_view> value = "{\"a\":1}",
              std::optional<std::string_view> key = "k1") {
  InputRecord in;
  in.value = value;
  in.key = key;
  in.headers = kHeaders;
  in.topic = "visits";
  in.partition = 2;
  in.offset = 41;
  in.timestamp_ms = 1757000000123;
  Applied a;
  a.outcome = logic.Apply(in, &a.out, &a.rejection);
  return a;
}

TEST(LuaLogic, AStringBecomesTheValueAndKeepsTheKeyAndHeaders) {
  Script s("function transform(r) return 'out:' .. r.value end");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  Applied a = Apply(*logic);
  ASSERT_EQ(a.outcome, Outcome::kOutput);
  EXPECT_EQ(a.out.value, "out:{\"a\":1}");
  EXPECT_EQ(a.out.key, "k1");
  ASSERT_EQ(a.out.headers.size(), 2u);
  EXPECT_EQ(a.out.headers[0].name, "trace");
  EXPECT_EQ(a.out.headers[0].value, "t-1");
  EXPECT_EQ(a.out.headers[1].name, "empty");
  EXPECT_FALSE(a.out.headers[1].value.has_value());
}

TEST(LuaLogic, TheRecordCarriesEveryFieldOfTheInput) {
  Script s(R"(function transform(r)
    return table.concat({r.topic, r.partition, r.offset, r.timestamp, r.key, #r.headers,
                         r.headers[1].name, r.headers[1].value, tostring(r.headers[2].value)}, '|')
  end)");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  EXPECT_EQ(Apply(*logic).out.value, "visits|2|41|1757000000123|k1|2|trace|t-1|nil");
  Applied null_key = Apply(*logic, "v", std::nullopt);
  EXPECT_EQ(null_key.outcome, Outcome::kRejected);  // concat of nil: a script error
  EXPECT_EQ(null_key.rejection.reason, "script_error");
}

TEST(LuaLogic, EachRecordHasItsOwnTopicAndTable) {
  Script s(R"(local last
  function transform(r)
    local same = last == r
    last = r
    r.value = 'changed'
    return r.topic .. (same and ' same' or ' new')
  end)");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  for (const char* topic : {"a", "b", "b", "", "a"}) {
    InputRecord in;
    in.value = "v";
    in.topic = topic;
    OutputRecord out;
    LogicRejection rejection;
    ASSERT_EQ(logic->Apply(in, &out, &rejection), Outcome::kOutput) << rejection.detail;
    EXPECT_EQ(out.value, std::string(topic) + " new");
  }
}

// Jobs reuse one OutputRecord: each Apply replaces all of it.
TEST(LuaLogic, AReusedOutputRecordHoldsOnlyTheLatestResult) {
  Script s("function transform(r) return r.value end");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  const std::vector<HeaderView> one = {{"only", "1"}};
  OutputRecord out;
  LogicRejection rejection;
  InputRecord in;
  in.value = "first value, longer than a short string";
  in.key = "k";
  in.headers = kHeaders;
  ASSERT_EQ(logic->Apply(in, &out, &rejection), Outcome::kOutput);
  in.value = "v2";
  in.key = std::nullopt;
  in.headers = {};
  ASSERT_EQ(logic->Apply(in, &out, &rejection), Outcome::kOutput);
  EXPECT_EQ(out.value, "v2");
  EXPECT_FALSE(out.key.has_value());
  EXPECT_TRUE(out.headers.empty());
  in.key = "k3";
  in.headers = one;
  ASSERT_EQ(logic->Apply(in, &out, &rejection), Outcome::kOutput);
  EXPECT_EQ(out.key, "k3");
  ASSERT_EQ(out.headers.size(), 1u);
  EXPECT_EQ(out.headers[0].name, "only");
  EXPECT_EQ(out.headers[0].value, "1");
}

TEST(LuaLogic, ATableSetsFieldsExplicitlyAndLeavesTheRestAsTheInputHad) {
  Script s(R"(function transform(r)
    if r.offset == 41 then return {value = 'v2', headers = {{name = 'h', value = 'x'}, {'pos', 'y'}}} end
    return {key = json.null, value = json.null}
  end)");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  Applied a = Apply(*logic);
  ASSERT_EQ(a.outcome, Outcome::kOutput);
  EXPECT_EQ(a.out.value, "v2");
  EXPECT_EQ(a.out.key, "k1");  // left out: the input's
  ASSERT_EQ(a.out.headers.size(), 2u);
  EXPECT_EQ(a.out.headers[0].name, "h");
  EXPECT_EQ(a.out.headers[1].name, "pos");
  EXPECT_EQ(a.out.headers[1].value, "y");

  InputRecord in;
  in.value = "v";
  in.key = "k";
  in.offset = 7;
  OutputRecord out;
  LogicRejection rejection;
  ASSERT_EQ(logic->Apply(in, &out, &rejection), Outcome::kOutput);
  EXPECT_FALSE(out.value.has_value());  // json.null: a null value
  EXPECT_FALSE(out.key.has_value());
}

TEST(LuaLogic, NilDropsTheRecordAndAnErrorRejectsItWithItsReason) {
  Script s(R"(function transform(r)
    if r.value == 'drop' then return nil end
    if r.value == 'bad' then error('no visit id in ' .. r.value) end
    if r.value == 'number' then return 42 end
    return r.value
  end)");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  EXPECT_EQ(Apply(*logic, "drop").outcome, Outcome::kFiltered);
  Applied bad = Apply(*logic, "bad");
  ASSERT_EQ(bad.outcome, Outcome::kRejected);
  EXPECT_EQ(bad.rejection.reason, "script_error");
  EXPECT_NE(bad.rejection.detail.find("no visit id in bad"), std::string::npos) << bad.rejection.detail;
  Applied number = Apply(*logic, "number");
  ASSERT_EQ(number.outcome, Outcome::kRejected);
  EXPECT_EQ(number.rejection.reason, "bad_result");
  EXPECT_EQ(Apply(*logic, "fine").out.value, "fine");  // the state survives errors
}

TEST(LuaLogic, ARunawayRecordIsStoppedAndTheNextOneRuns) {
  Script s(R"(function transform(r)
    if r.value == 'loop' then while true do end end
    if r.value == 'sneaky' then  -- catching the timeout does not help
      while true do pcall(function() while true do end end) end
    end
    return r.value
  end)");
  auto logic = MustOpen(s, {}, 100);
  ASSERT_TRUE(logic);
  for (const char* value : {"loop", "sneaky"}) {
    const auto t0 = std::chrono::steady_clock::now();
    Applied a = Apply(*logic, value);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(a.outcome, Outcome::kRejected) << value;
    EXPECT_EQ(a.rejection.reason, "timeout") << value;
    EXPECT_GE(ms, 100) << value;
    EXPECT_LT(ms, 5000) << value;
  }
  EXPECT_EQ(Apply(*logic, "next").out.value, "next");
}

// Coroutines run with the main thread's hook and find the helpers' state.
TEST(LuaLogic, HelpersAndTheTimeLimitWorkInsideCoroutines) {
  Script s(R"(function transform(r)
    local co = coroutine.wrap(function()
      if r.value == 'loop' then while true do end end
      return spark.format_timestamp(0) .. ' ' .. json.encode({a = type(r), b = math.type(1)})
    end)
    return co()
  end)");
  auto logic = MustOpen(s, {}, 100);
  ASSERT_TRUE(logic);
  EXPECT_EQ(Apply(*logic).out.value, R"(1970-01-01T00:00:00.000Z {"a":"table","b":"integer"})");
  Applied loop = Apply(*logic, "loop");
  ASSERT_EQ(loop.outcome, Outcome::kRejected);
  EXPECT_EQ(loop.rejection.reason, "timeout");
}

TEST(LuaLogic, ScriptsHaveNoIoOsFfiOrModuleLoading) {
  Script s(R"(function transform(r)
    local names = {}
    for _, n in ipairs({'io', 'os', 'ffi', 'package', 'debug', 'require', 'load', 'loadfile', 'dofile'}) do
      if _G[n] ~= nil then names[#names + 1] = n end
    end
    if string.dump ~= nil then names[#names + 1] = 'string.dump' end
    if r.value == 'open' then io.open('/etc/passwd') end
    return table.concat(names, ',')
  end)");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  EXPECT_EQ(Apply(*logic).out.value, "");
  Applied open = Apply(*logic, "open");
  ASSERT_EQ(open.outcome, Outcome::kRejected);
  EXPECT_EQ(open.rejection.reason, "script_error");
  EXPECT_NE(open.rejection.detail.find("io"), std::string::npos) << open.rejection.detail;
}

TEST(LuaLogic, ScriptsThatDoNotLoadAreOneClearError) {
  Script syntax("function transform(r) return end end");
  auto a = Open(syntax);
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(a.status().IsInvalidArgument());
  EXPECT_NE(a.status().message().find(syntax.path()), std::string::npos) << a.status().message();

  Script no_transform("function other(r) return r.value end");
  auto b = Open(no_transform);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("transform"), std::string::npos) << b.status().message();

  Script fails_at_load("error('cannot start: missing option')");
  auto c = Open(fails_at_load);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cannot start: missing option"), std::string::npos);

  LogicSpec missing;
  missing.logic = "lua:/nonexistent/logic.lua";
  auto d = OpenLogic(missing);
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(d.status().IsInvalidArgument());
}

TEST(LuaLogic, LogicOptionsAreAGlobalTable) {
  Script s("local prefix = options.prefix or '?'\nfunction transform(r) return prefix .. r.value end");
  auto logic = MustOpen(s, {{"prefix", "p-"}});
  ASSERT_TRUE(logic);
  EXPECT_EQ(Apply(*logic, "x").out.value, "p-x");
}

TEST(LuaLogic, JsonDecodesAndEncodesWithAChosenKeyOrder) {
  Script s(R"(function transform(r)
    local v = json.decode(r.value)
    v.added = {1, 2, {x = json.null}}
    v.n = v.n + 1
    v.tenth = 0.1
    return json.encode(v, {'z', 'n'})
  end)");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  Applied a = Apply(*logic, R"({"n":41,"z":"\u00e9\"","f":1.5,"b":true,"nothing":null})");
  EXPECT_EQ(a.out.value,
            R"({"z":"é\"","n":42,"added":[1,2,{"x":null}],"b":true,"f":1.5,"nothing":null,"tenth":0.1})");
  Applied broken = Apply(*logic, "{not json");
  ASSERT_EQ(broken.outcome, Outcome::kRejected);
  EXPECT_NE(broken.rejection.detail.find("json.decode"), std::string::npos) << broken.rejection.detail;

  Script cycle("function transform(r) local t = {}; t.self = t; return json.encode(t) end");
  auto cyclic = MustOpen(cycle);
  ASSERT_TRUE(cyclic);
  Applied c = Apply(*cyclic);
  ASSERT_EQ(c.outcome, Outcome::kRejected);
  EXPECT_NE(c.rejection.detail.find("nested deeper"), std::string::npos) << c.rejection.detail;
}

TEST(LuaLogic, JsonEncodeOrdersOnlyTheTopLevelObjectAndNamesBadKeys) {
  Script s(R"(function transform(r)
    if r.value == 'mixed' then return json.encode({1, 2, x = 3}) end
    if r.value == 'order' then return json.encode(json.decode(r.key), {'c', 1}) end
    return json.encode({b = 1, a = {d = 1, c = 2}, z = 3, y = {1, 2}, e = {}}, {'z', 'a', 'z', 'q'})
  end)");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  EXPECT_EQ(Apply(*logic, "plain").out.value, R"({"z":3,"a":{"c":2,"d":1},"b":1,"e":{},"y":[1,2]})");
  Applied mixed = Apply(*logic, "mixed");
  ASSERT_EQ(mixed.outcome, Outcome::kRejected);
  EXPECT_NE(mixed.rejection.detail.find("a table with a number key is neither an array"), std::string::npos)
      << mixed.rejection.detail;
  Applied order = Apply(*logic, "order", R"({"a":1,"c":2})");
  ASSERT_EQ(order.outcome, Outcome::kRejected);
  EXPECT_NE(order.rejection.detail.find("key_order[2] is not a string"), std::string::npos)
      << order.rejection.detail;
}

// json.encode checks eight bytes at a time whether a string needs escaping:
// every byte that does, at every position, and the bytes next to them in
// value, give AppendJsonString's text.
TEST(LuaLogic, JsonEncodeEscapesLikeTheRestOfTheProject) {
  Script s("function transform(r) return json.encode({[r.value] = r.value}) end");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  for (const char special :
       {'"', '\\', '\n', '\x01', '\x1f', ' ', '!', '#', '[', ']', '\x7f', '\x80', '\xff'}) {
    for (size_t length : {1, 7, 8, 9, 16, 21}) {
      for (size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = special;
        const std::string quoted = JsonQuoted(text);
        ASSERT_EQ(Apply(*logic, text).out.value, "{" + quoted + ":" + quoted + "}")
            << "byte " << static_cast<int>(static_cast<unsigned char>(special)) << " at " << at << " of "
            << length;
      }
    }
  }
}

// json.encode keeps an object's keys and values on the Lua stack while it
// writes them; an object too wide for the stack is written all the same.
TEST(LuaLogic, JsonEncodeWritesObjectsWiderThanTheLuaStack) {
  Script s(R"(function transform(r)
    local t = {}
    for i = 1, 600000 do t['k' .. i] = i end
    local text = json.encode({t = t, a = 1})
    return #text .. ' ' .. text:sub(1, 24) .. ' ' .. text:sub(-12)
  end)");
  auto logic = MustOpen(s, {}, 60000);
  ASSERT_TRUE(logic);
  Applied a = Apply(*logic);
  ASSERT_EQ(a.outcome, Outcome::kOutput) << a.rejection.detail;
  // {"a":1,"t":{"k1":1,"k10":10,…,"k99999":99999}}: keys sorted as text
  EXPECT_EQ(a.out.value, "9977803 {\"a\":1,\"t\":{\"k1\":1,\"k10\" 999\":99999}}");
}

TEST(LuaLogic, WarningsAreOffUntilTheScriptTurnsThemOn) {
  Script s(R"(function transform(r)
    warn('hidden')
    warn('@on')
    warn('shown ', 'in parts')
    warn('@off')
    warn('hidden again')
    return 'ok'
  end)");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  ::testing::internal::CaptureStderr();
  Applied a = Apply(*logic);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(a.out.value, "ok");
  EXPECT_EQ(err, "Lua warning: shown in parts\n");
}

TEST(LuaLogic, SparkTimestampHelpersAreTheBuiltInLogicsOwn) {
  Script s(R"(function transform(r)
    local micros = spark.parse_timestamp(r.value, 'Europe/Paris')
    if micros == nil then return 'null' end
    return micros .. ' ' .. spark.format_timestamp(micros, 'Europe/Paris') .. ' ' .. spark.format_timestamp(micros)
  end)");
  auto logic = MustOpen(s);
  ASSERT_TRUE(logic);
  const TimeZone paris = *TimeZone::Find("Europe/Paris");
  for (const char* text :
       {"2025-09-04T07:00:00", "2025-03-30 02:30", "2024-02-29T23:59:59.123456Z", "T07:00:00"}) {
    std::optional<int64_t> micros = ParseSparkTimestamp(text, paris);
    const std::string want = micros ? std::to_string(*micros) + " " + FormatSparkTimestamp(*micros, paris) +
                                          " " + FormatSparkTimestamp(*micros, TimeZone::Utc())
                                    : "null";
    EXPECT_EQ(Apply(*logic, text).out.value, want) << text;
  }
  Script bad_zone("function transform(r) return spark.format_timestamp(0, 'Mars/Olympus') end");
  auto logic2 = MustOpen(bad_zone);
  ASSERT_TRUE(logic2);
  Applied a = Apply(*logic2);
  ASSERT_EQ(a.outcome, Outcome::kRejected);
  EXPECT_NE(a.rejection.detail.find("unknown time zone"), std::string::npos) << a.rejection.detail;
}

// examples/lua/visits.lua gives the built-in logic's output on the seed.
TEST(LuaLogic, TheVisitsExampleScriptMatchesTheBuiltInLogicOnTheSeed) {
  LogicSpec spec;
  spec.logic = std::string("lua:") + RP_SOURCE_DIR + "/examples/lua/visits.lua";
  spec.visits.zone = *TimeZone::Find("Europe/Paris");
  auto lua = OpenLogic(spec);
  ASSERT_TRUE(lua.ok()) << lua.status().ToString();
  auto builtin = NewVisitsLogic(spec.visits);
  std::ifstream in(RP_SEED_DIR "/input_records.jsonl");
  int records = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++records;
    Applied a = Apply(**lua, line), b = Apply(*builtin, line);
    ASSERT_EQ(a.outcome, Outcome::kOutput) << a.rejection.detail;
    EXPECT_EQ(a.out.value, b.out.value) << line;
  }
  EXPECT_EQ(records, 9);
}

// LuaHeap on its own, as Lua calls it (lua_Alloc): blocks keep their bytes
// through every resize, small and large, and a freed small block is the next
// one handed out of its size class. Under AddressSanitizer its free and
// unused memory is poisoned, so this also checks the heap touches only what
// it owns.
TEST(LuaHeap, BlocksKeepTheirBytesThroughResizesAndSmallOnesAreRecycled) {
  LuaHeap heap;
  struct Block {
    void* p;
    size_t size;
    unsigned char fill;
  };
  std::vector<Block> blocks;
  std::mt19937 rng(7);
  auto random_size = [&] {
    // Mostly small (Lua's tables, strings, closures), sometimes past kMaxSmall.
    return rng() % 8 == 0 ? 1 + rng() % 4096 : 1 + rng() % LuaHeap::kMaxSmall;
  };
  auto intact = [](const Block& b, size_t n) {
    const auto* bytes = static_cast<const unsigned char*>(b.p);
    for (size_t i = 0; i < n; ++i) {
      if (bytes[i] != b.fill) return false;
    }
    return true;
  };
  for (int step = 0; step < 200000; ++step) {
    const unsigned op = rng() % 3;
    if (op == 0 || blocks.empty()) {
      Block b{nullptr, random_size(), static_cast<unsigned char>(rng())};
      b.p = LuaHeap::Alloc(&heap, nullptr, 5, b.size);  // 5: LUA_TTABLE, a type tag where ptr is NULL
      ASSERT_NE(b.p, nullptr);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(b.p) % 8, 0u);
      std::memset(b.p, b.fill, b.size);
      blocks.push_back(b);
      continue;
    }
    const size_t i = rng() % blocks.size();
    Block& b = blocks[i];
    ASSERT_TRUE(intact(b, b.size)) << "step " << step;
    if (op == 1) {
      const size_t size = random_size();
      void* p = LuaHeap::Alloc(&heap, b.p, b.size, size);
      ASSERT_NE(p, nullptr);
      b.p = p;
      ASSERT_TRUE(intact(b, std::min(b.size, size))) << "step " << step;
      b.size = size;
      b.fill = static_cast<unsigned char>(rng());
      std::memset(b.p, b.fill, b.size);
    } else {
      EXPECT_EQ(LuaHeap::Alloc(&heap, b.p, b.size, 0), nullptr);
      blocks[i] = blocks.back();
      blocks.pop_back();
    }
  }
  for (const Block& b : blocks) LuaHeap::Alloc(&heap, b.p, b.size, 0);

  void* a = LuaHeap::Alloc(&heap, nullptr, 0, 40);
  LuaHeap::Alloc(&heap, a, 40, 0);
  EXPECT_EQ(LuaHeap::Alloc(&heap, nullptr, 0, 48), a);  // 33..48 bytes: one class
  EXPECT_EQ(LuaHeap::Alloc(&heap, a, 48, 36), a);       // a resize within the class stays
  LuaHeap::Alloc(&heap, a, 36, 0);
}

TEST(OpenLogic, TheVisitsLogicIsTheDefaultAndTakesNoLogicOptions) {
  LogicSpec spec;
  auto visits = OpenLogic(spec);
  ASSERT_TRUE(visits.ok());
  EXPECT_EQ((*visits)->Describe(), "visits");
  spec.options["x"] = "1";
  EXPECT_TRUE(OpenLogic(spec).status().IsInvalidArgument());
  LogicSpec unknown;
  unknown.logic = "python:x.py";
  EXPECT_TRUE(OpenLogic(unknown).status().IsInvalidArgument());
  LogicSpec spec2;
  EXPECT_TRUE(AddLogicOption("novalue", &spec2).IsInvalidArgument());
  EXPECT_TRUE(AddLogicOption("a=b=c", &spec2).ok());
  EXPECT_EQ(spec2.options["a"], "b=c");
}

TEST(VisitsLogic, KeepsTheKeyAddsNoHeadersAndRejectsTombstones) {
  auto logic = NewVisitsLogic(TransformOptions{TimeZone::Utc(), false});
  Applied a = Apply(*logic, R"({"event_id":"e","visit_id":1,"event_time":"2025-09-04T07:00:00","page":"p"})");
  ASSERT_EQ(a.outcome, Outcome::kOutput);
  EXPECT_EQ(
      a.out.value,
      R"({"event_identifier":"e","visit_identifier":1,"event_time":"2025-09-04T07:00:00.000Z","visited_page":"p"})");
  EXPECT_EQ(a.out.key, "k1");
  EXPECT_TRUE(a.out.headers.empty());
  Applied tomb = Apply(*logic, std::nullopt);
  ASSERT_EQ(tomb.outcome, Outcome::kRejected);
  EXPECT_EQ(tomb.rejection.reason, "empty_value");
  Applied bad = Apply(*logic, "{");
  EXPECT_EQ(bad.rejection.reason, "invalid_json");
}

}  // namespace
}  // namespace rp::logic
