// C plugins as business logic (include/reprocessor/logic_plugin.h): the
// example C plugin through every outcome, the visits logic built as a plugin
// against the built-in one (seed records and 100k generated ones), and
// plugins that must not load.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "logic/logic.h"
#include "reprocessor/logic_plugin.h"
#include "support/process.h"

namespace rp::logic {
namespace {

Result<std::unique_ptr<Logic>> Open(const std::string& path,
                                    std::map<std::string, std::string> options = {}) {
  LogicSpec spec;
  spec.logic = "plugin:" + path;
  spec.options = std::move(options);
  return OpenLogic(spec);
}

std::unique_ptr<Logic> MustOpen(const std::string& path, std::map<std::string, std::string> options = {}) {
  auto logic = Open(path, std::move(options));
  EXPECT_TRUE(logic.ok()) << logic.status().ToString();
  return logic.ok() ? std::move(*logic) : nullptr;
}

struct Applied {
  Outcome outcome;
  OutputRecord out;
  LogicRejection rejection;
};

const std::vector<HeaderView> kHeaders = {{"trace", "t-1"}, {"empty", std::nullopt}};

Applied Apply(Logic& logic, std::optional<std::string_view> value = "{\"page\":\"home\"}",
              std::optional<std::string_view> key = "k1", std::span<const HeaderView> headers = kHeaders) {
  InputRecord in;
  in.value = value;
  in.key = key;
  in.headers = headers;
  in.topic = "visits";
  in.partition = 2;
  in.offset = 41;
  in.timestamp_ms = 1757000000123;
  Applied a;
  a.outcome = logic.Apply(in, &a.out, &a.rejection);
  return a;
}

// ---- the example C plugin ---------------------------------------------------

TEST(PluginLogic, TheExampleUpperCasesTheValueKeepsTheKeyAndAddsAHeader) {
  auto logic = MustOpen(RP_UPPERCASE_PAGE_PLUGIN);
  ASSERT_TRUE(logic);
  EXPECT_EQ(logic->Describe(), std::string("plugin:") + RP_UPPERCASE_PAGE_PLUGIN);
  Applied a = Apply(*logic);
  ASSERT_EQ(a.outcome, Outcome::kOutput);
  EXPECT_EQ(a.out.value, "{\"PAGE\":\"HOME\"}");
  EXPECT_EQ(a.out.key, "k1");
  ASSERT_EQ(a.out.headers.size(), 3u);
  EXPECT_EQ(a.out.headers[0].name, "trace");
  EXPECT_EQ(a.out.headers[0].value, "t-1");
  EXPECT_EQ(a.out.headers[1].name, "empty");
  EXPECT_FALSE(a.out.headers[1].value.has_value());  // a null header value crosses both ways
  EXPECT_EQ(a.out.headers[2].name, "x-uppercased-by");
  EXPECT_EQ(a.out.headers[2].value, "uppercase_page");
}

TEST(PluginLogic, TheExampleKeepsANullKeyNullAndPassesBinaryBytes) {
  auto logic = MustOpen(RP_UPPERCASE_PAGE_PLUGIN);
  ASSERT_TRUE(logic);
  const std::string binary("{a\0b\xff}", 6);
  Applied a = Apply(*logic, binary, std::nullopt, {});
  ASSERT_EQ(a.outcome, Outcome::kOutput);
  EXPECT_EQ(a.out.value, std::string("{A\0B\xff}", 6));
  EXPECT_FALSE(a.out.key.has_value());
  ASSERT_EQ(a.out.headers.size(), 1u);
  EXPECT_EQ(a.out.headers[0].name, "x-uppercased-by");
  // The same OutputRecord again: every field is replaced, not appended to.
  InputRecord next;
  next.value = "{y}";
  next.key = "k3";
  ASSERT_EQ(logic->Apply(next, &a.out, &a.rejection), Outcome::kOutput);
  EXPECT_EQ(a.out.value, "{Y}");
  EXPECT_EQ(a.out.key, "k3");
  EXPECT_EQ(a.out.headers.size(), 1u);
}

TEST(PluginLogic, TheExampleDropsNullAndEmptyValuesAndRejectsValuesWithoutABrace) {
  auto logic = MustOpen(RP_UPPERCASE_PAGE_PLUGIN);
  ASSERT_TRUE(logic);
  EXPECT_EQ(Apply(*logic, std::nullopt).outcome, Outcome::kFiltered);
  EXPECT_EQ(Apply(*logic, "").outcome, Outcome::kFiltered);
  Applied rejected = Apply(*logic, "plain text");
  ASSERT_EQ(rejected.outcome, Outcome::kRejected);
  EXPECT_EQ(rejected.rejection.reason, "not_an_object");
  EXPECT_EQ(rejected.rejection.detail, "the value has no '{'");
  EXPECT_EQ(Apply(*logic).outcome, Outcome::kOutput);  // and it goes on
}

TEST(PluginLogic, TheExampleTakesItsOptionsAndRefusesUnknownOnesAtStart) {
  auto logic = MustOpen(RP_UPPERCASE_PAGE_PLUGIN, {{"tag", "demo"}, {"keep_headers", "false"}});
  ASSERT_TRUE(logic);
  Applied a = Apply(*logic);
  ASSERT_EQ(a.outcome, Outcome::kOutput);
  ASSERT_EQ(a.out.headers.size(), 1u);
  EXPECT_EQ(a.out.headers[0].name, "x-uppercased-by");
  EXPECT_EQ(a.out.headers[0].value, "demo");

  auto unknown = Open(RP_UPPERCASE_PAGE_PLUGIN, {{"colour", "red"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(unknown.status().IsInvalidArgument());
  EXPECT_EQ(unknown.status().message(),
            std::string("logic plugin ") + RP_UPPERCASE_PAGE_PLUGIN +
                ": unknown option 'colour' (uppercase_page takes tag and keep_headers)");
  auto bad_value = Open(RP_UPPERCASE_PAGE_PLUGIN, {{"keep_headers", "maybe"}});
  ASSERT_FALSE(bad_value.ok());
  EXPECT_NE(bad_value.status().message().find("keep_headers must be true or false, got 'maybe'"),
            std::string::npos)
      << bad_value.status().message();
}

TEST(PluginLogic, InstancesOnDifferentThreadsDoNotShareOutputs) {
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &wrong] {
      auto logic = MustOpen(RP_UPPERCASE_PAGE_PLUGIN, {{"tag", "t" + std::to_string(t)}});
      if (!logic) return;
      for (int i = 0; i < 20000; ++i) {
        const std::string value = "{thread " + std::to_string(t) + " record " + std::to_string(i) + "}";
        Applied a = Apply(*logic, value);
        std::string expected = value;
        for (char& c : expected) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (a.outcome != Outcome::kOutput || a.out.value != expected ||
            a.out.headers.back().value != "t" + std::to_string(t)) {
          ++wrong[t];
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

// ---- plugins that break the rules -------------------------------------------

void ExpectRefused(const std::string& path, const std::string& what) {
  auto logic = Open(path);
  ASSERT_FALSE(logic.ok()) << path;
  const std::string& msg = logic.status().message();
  EXPECT_TRUE(logic.status().IsInvalidArgument()) << msg;
  EXPECT_EQ(msg.rfind("logic plugin " + path + ": ", 0), 0u) << msg;
  EXPECT_NE(msg.find(what), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(PluginLogic, AFileThatIsNotASharedLibraryIsRefused) {
  rp::testing::TempDir dir;
  const std::string path = dir.path() + "/not_a_plugin.so";
  std::ofstream(path) << "this is text, not ELF\n";
  ExpectRefused(path, "cannot load: ");
  ExpectRefused(dir.path() + "/missing.so",
                "cannot load: cannot open shared object file: No such file or directory");
}

TEST(PluginLogic, ANameWithoutASlashIsAFileInTheCurrentDirectoryNotALibrarySearch) {
  ExpectRefused("libc.so.6", "cannot load: ");  // the C library is on the search path, not here
}

TEST(PluginLogic, ALibraryWithoutTheEntrySymbolIsRefused) {
  ExpectRefused(RP_BAD_PLUGIN_NO_ENTRY,
                "exports no reprocessor_logic_plugin() (not a reprocessor logic plugin?)");
}

TEST(PluginLogic, APluginOfAnotherAbiVersionIsRefused) {
  ExpectRefused(RP_BAD_PLUGIN_WRONG_ABI,
                "built for logic plugin ABI version " + std::to_string(RP_LOGIC_PLUGIN_ABI_VERSION + 1) +
                    ", this reprocessor loads version " + std::to_string(RP_LOGIC_PLUGIN_ABI_VERSION));
}

TEST(PluginLogic, AnIncompleteFunctionTableIsRefused) {
  ExpectRefused(RP_BAD_PLUGIN_NULL_TABLE, "reprocessor_logic_plugin() returned NULL");
  ExpectRefused(RP_BAD_PLUGIN_MISSING_FUNCTION, "its function table has no apply_batch");
}

TEST(PluginLogic, OutputsThatBreakTheAbiAreRejectedAsBadResults) {
  auto logic = MustOpen(RP_BAD_PLUGIN_MISBEHAVING);
  ASSERT_TRUE(logic);
  for (const char* value : {"outcome", "null-pointer", "null-header-name", "null-headers"}) {
    Applied a = Apply(*logic, value);
    ASSERT_EQ(a.outcome, Outcome::kRejected) << value;
    EXPECT_EQ(a.rejection.reason, "bad_result") << value;
  }
  Applied silent = Apply(*logic, "reject-silently");
  ASSERT_EQ(silent.outcome, Outcome::kRejected);
  EXPECT_EQ(silent.rejection.reason, "plugin_rejected");
  EXPECT_EQ(silent.rejection.detail, "");
  Applied invalid = Apply(*logic, "reject-invalid-utf8");
  ASSERT_EQ(invalid.outcome, Outcome::kRejected);
  EXPECT_EQ(invalid.rejection.detail, "bad \uFFFD\uFFFD detail");
  // Untouched outputs are the input unchanged.
  Applied same = Apply(*logic, "as is");
  ASSERT_EQ(same.outcome, Outcome::kOutput);
  EXPECT_EQ(same.out.value, "as is");
  EXPECT_EQ(same.out.key, "k1");
  ASSERT_EQ(same.out.headers.size(), 2u);
  EXPECT_FALSE(same.out.headers[1].value.has_value());
}

// ---- the visits logic as a plugin: the same outputs as the built-in one -----

// splitmix64: a fixed sequence on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};

struct GeneratedRecord {
  std::optional<std::string> value;
  std::optional<std::string> key;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// Visits as they come, and as they should not: seed-shaped records with every
// field varied, fields missing, null or mistyped, timestamps Spark parses and
// ones it does not, integers beyond 64 bits, unicode (escaped, raw, astral,
// unpaired surrogates, invalid UTF-8), broken JSON, other roots, empty values
// and tombstones.
GeneratedRecord Generate(Rng& rng, size_t i) {
  static const char* kEventIds[] = {"\"click-1\"",
                                    "\"e\"",
                                    "\"\"",
                                    "\"caf\u00e9\"",
                                    "\"\u65e5\u672c\"",
                                    "\"\U0001F600 smile\"",
                                    "\"tab\\tand\\nnewline\"",
                                    "\"q\\\"uote\"",
                                    "\"\\u00e9\\u0000\"",
                                    "\"\\uD83D\\uDE00\"",
                                    "\"\\ud800 unpaired\"",
                                    "42",
                                    "-0.5",
                                    "1e3",
                                    "true",
                                    "null",
                                    "{\"a\":[1,2,{\"b\":null}]}",
                                    "[\"x\",\"\U0001F600\"]",
                                    "{\"s\":\"\U0001F600\"}",
                                    "123456789012345678901234567890",
                                    "1.0E+2"};
  static const char* kVisitIds[] = {"0",
                                    "1",
                                    "-1",
                                    "9223372036854775807",
                                    "-9223372036854775808",
                                    "9223372036854775808",
                                    "-9223372036854775809",
                                    "123456789012345678901234567890",
                                    "1.5",
                                    "1e2",
                                    "\"7\"",
                                    "true",
                                    "null",
                                    "[1]",
                                    "{}",
                                    "00",
                                    "-0"};
  static const char* kTimes[] = {"\"2025-09-04T07:00:00\"",
                                 "\"2025-09-04T07:00:00.123456\"",
                                 "\"2025-09-04 07:00:00\"",
                                 "\"2025-09-04T07:00:00Z\"",
                                 "\"2025-09-04T07:00:00+02:00\"",
                                 "\"2025-09-04T07:00:00.1-05:30\"",
                                 "\" 2025-09-04T07:00:00 \"",
                                 "\"2025-09-04\"",
                                 "\"2025-09\"",
                                 "\"2025\"",
                                 "\"2025-03-30T02:30:00\"",
                                 "\"2025-10-26T02:30:00\"",
                                 "\"2025-09-04T07:00:00 GMT\"",
                                 "\"2025-09-04T07:00:00 Europe/Paris\"",
                                 "\"T07:00:00\"",
                                 "\"07:00\"",
                                 "\"2025-13-45T99:00:00\"",
                                 "\"2025-02-30T00:00:00\"",
                                 "\"yesterday\"",
                                 "\"\"",
                                 "\"+10000-01-01T00:00:00\"",
                                 "\"1582-10-10T00:00:00\"",
                                 "1757000000",
                                 "-1",
                                 "9223372036854775807",
                                 "1.5",
                                 "true",
                                 "null",
                                 "{}",
                                 "\"2025-09-04T07:00:00.1234567\""};
  static const char* kPages[] = {"\"home\"",
                                 "\"index\"",
                                 "\"contact\"",
                                 "\"\"",
                                 "\"p\u00e4ge\"",
                                 "\"\U0001F680 launch\"",
                                 "\"\\u00e9t\\u00e9\"",
                                 "\"\\uD83D\\uDE80\"",
                                 "\"<script>&amp;\"",
                                 "\"\\/slash\\\\back\"",
                                 "3.14159",
                                 "-0.0",
                                 "1E-7",
                                 "false",
                                 "null",
                                 "[]",
                                 "{\"nested\":{\"deep\":[true,null,\"\U0001F600\"]}}",
                                 "[\"\\uD83D\\uDE00\", 1.0, 2e300]"};
  static const char* kNames[] = {"event_id", "visit_id", "event_time", "page"};
  static const char* kBroken[] = {"{",
                                  "}",
                                  "{\"event_id\"",
                                  "{\"event_id\":}",
                                  "{\"a\":1,}",
                                  "{'a':1}",
                                  "{\"a\":NaN}",
                                  "{\"a\":1} trailing",
                                  "[1,2",
                                  "nul",
                                  "\"unterminated",
                                  "{\"a\":\"\\x\"}",
                                  "\xef\xbb\xbf{}",
                                  "{\"page\":\"\xff\xfe\"}",
                                  "{\"page\":\"\xc0\x80\"}",
                                  "{\"page\":\"\xed\xa0\x80\"}",
                                  "   ",
                                  "\t\n"};
  static const char* kOtherRoots[] = {"[]", "[{\"event_id\":\"e\"}]", "42", "\"text\"", "true", "null", "{}"};

  GeneratedRecord g;
  if (rng.Below(4) == 0) g.key = "key-" + std::to_string(rng.Below(1000));
  if (rng.Below(10) == 0)
    g.headers.push_back({"trace", rng.Below(2) ? std::optional<std::string>("t") : std::nullopt});
  const size_t kind = rng.Below(100);
  if (kind < 2) {  // tombstones and empty values
    if (kind == 1) g.value = "";
    return g;
  }
  if (kind < 8) {
    g.value = rng.Pick(kBroken);
    return g;
  }
  if (kind < 11) {
    g.value = rng.Pick(kOtherRoots);
    return g;
  }
  if (kind < 14) {  // a valid record cut short
    std::string full = "{\"event_id\": \"click-" + std::to_string(i) +
                       "\", \"visit_id\": " + std::to_string(i) +
                       ", \"event_time\": \"2025-09-04T07:00:00\", \"page\": \"home\"}";
    g.value = full.substr(0, rng.Below(full.size()));
    return g;
  }
  // An object: each field present (varied), missing, or given twice; in a
  // random order, sometimes with an unknown field and varied spacing.
  std::vector<std::string> members;
  const bool seed_shaped = kind < 60;
  for (int f = 0; f < 4; ++f) {
    std::string value;
    if (seed_shaped) {
      value = f == 0   ? "\"click-" + std::to_string(i) + "\""
              : f == 1 ? std::to_string(rng.Next() >> (rng.Below(64)))
              : f == 2 ? "\"2025-09-" + std::to_string(10 + rng.Below(20)) + "T" +
                             std::to_string(10 + rng.Below(14)) + ":" + std::to_string(10 + rng.Below(50)) +
                             ":00." + std::to_string(rng.Below(1000000)) + "\""
                       : rng.Pick(kPages);
    } else {
      const size_t choice = rng.Below(10);
      if (choice == 0) continue;  // missing
      value = f == 0   ? rng.Pick(kEventIds)
              : f == 1 ? rng.Pick(kVisitIds)
              : f == 2 ? rng.Pick(kTimes)
                       : rng.Pick(kPages);
      if (choice == 1)
        members.push_back("\"" + std::string(kNames[f]) + "\":" + rng.Pick(kVisitIds));  // a duplicate
    }
    members.push_back("\"" + std::string(kNames[f]) + "\":" + (rng.Below(2) ? " " : "") + value);
  }
  if (rng.Below(5) == 0) members.push_back("\"extra\": {\"x\": [1, \"\u00fc\"]}");
  if (!seed_shaped) {
    for (size_t k = members.size(); k > 1; --k) std::swap(members[k - 1], members[rng.Below(k)]);
  }
  std::string value = "{";
  for (size_t k = 0; k < members.size(); ++k) value += (k ? ", " : "") + members[k];
  g.value = value + "}";
  return g;
}

bool SameResult(const Applied& a, const Applied& b, std::string* why) {
  if (a.outcome != b.outcome) {
    *why = "outcome " + std::to_string(static_cast<int>(a.outcome)) + " vs " +
           std::to_string(static_cast<int>(b.outcome));
    return false;
  }
  if (a.outcome == Outcome::kRejected) {
    if (a.rejection.reason != b.rejection.reason || a.rejection.detail != b.rejection.detail) {
      *why = "rejection " + a.rejection.reason + ": " + a.rejection.detail + " vs " + b.rejection.reason +
             ": " + b.rejection.detail;
      return false;
    }
    return true;
  }
  if (a.outcome == Outcome::kFiltered) return true;
  if (a.out.value != b.out.value) {
    *why = "value " + a.out.value.value_or("<null>") + " vs " + b.out.value.value_or("<null>");
    return false;
  }
  if (a.out.key != b.out.key) {
    *why = "key " + a.out.key.value_or("<null>") + " vs " + b.out.key.value_or("<null>");
    return false;
  }
  if (a.out.headers.size() != b.out.headers.size()) {
    *why = "header count";
    return false;
  }
  for (size_t i = 0; i < a.out.headers.size(); ++i) {
    if (a.out.headers[i].name != b.out.headers[i].name || a.out.headers[i].value != b.out.headers[i].value) {
      *why = "header " + std::to_string(i);
      return false;
    }
  }
  return true;
}

struct Parity {
  std::unique_ptr<Logic> built_in, plugin;
  std::map<std::string, size_t> outcomes;  // "output", "filtered", or the rejection reason
  size_t mismatches = 0;

  Parity(const std::string& zone, bool strict) {
    LogicSpec spec;
    spec.visits.zone = *TimeZone::Find(zone);
    spec.visits.strict = strict;
    auto b = OpenLogic(spec);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (b.ok()) built_in = std::move(*b);
    plugin = MustOpen(RP_VISITS_PLUGIN, {{"timezone", zone}, {"strict", strict ? "true" : "false"}});
  }

  void Check(const GeneratedRecord& g, const std::string& label) {
    std::vector<HeaderView> headers;
    for (const auto& [name, value] : g.headers) headers.push_back({name, value});
    Applied a = Apply(*built_in, g.value, g.key, headers);
    Applied b = Apply(*plugin, g.value, g.key, headers);
    ++outcomes[a.outcome == Outcome::kOutput     ? "output"
               : a.outcome == Outcome::kFiltered ? "filtered"
                                                 : a.rejection.reason];
    std::string why;
    if (!SameResult(a, b, &why) && ++mismatches <= 10) {
      ADD_FAILURE() << label << ": " << g.value.value_or("<null>") << "\n  built-in vs plugin: " << why;
    }
  }
};

TEST(VisitsPlugin, GivesTheBuiltInOutputsOnTheSeedRecords) {
  std::ifstream in(RP_SEED_DIR "/input_records.jsonl");
  ASSERT_TRUE(in);
  for (const char* zone : {"Europe/Paris", "UTC"}) {
    for (bool strict : {false, true}) {
      Parity parity(zone, strict);
      ASSERT_TRUE(parity.built_in && parity.plugin);
      in.clear();
      in.seekg(0);
      size_t n = 0;
      for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        GeneratedRecord g;
        g.value = line;
        g.key = n % 2 ? std::optional<std::string>("k" + std::to_string(n)) : std::nullopt;
        parity.Check(g, "seed line " + std::to_string(++n));
      }
      EXPECT_EQ(n, 9u);
      EXPECT_EQ(parity.outcomes["output"], 9u);  // Spark wrote all nine
      EXPECT_EQ(parity.mismatches, 0u) << zone << (strict ? " strict" : "");
    }
  }
}

TEST(VisitsPlugin, GivesTheBuiltInOutputsOn100kGeneratedRecords) {
  for (bool strict : {false, true}) {
    Parity parity(strict ? "America/New_York" : "Europe/Paris", strict);
    ASSERT_TRUE(parity.built_in && parity.plugin);
    Rng rng(strict ? 20251 : 20250);
    for (size_t i = 0; i < 100000; ++i) parity.Check(Generate(rng, i), "record " + std::to_string(i));
    EXPECT_EQ(parity.mismatches, 0u);
    // The generator reaches every outcome the visits logic has.
    std::string seen;
    for (const auto& [name, count] : parity.outcomes) seen += name + "=" + std::to_string(count) + " ";
    for (const char* name : {"output", "empty_value", "invalid_utf8", "invalid_json", "not_an_object"}) {
      EXPECT_GE(parity.outcomes[name], 500u) << name << " in " << seen;
    }
    if (strict) {
      EXPECT_GE(parity.outcomes["incomplete"], 5000u) << seen;
    }
    EXPECT_GE(parity.outcomes["output"], 20000u) << seen;
  }
}

TEST(VisitsPlugin, RefusesUnknownOptionsAndZones) {
  auto zone = Open(RP_VISITS_PLUGIN, {{"timezone", "Mars/Olympus"}});
  ASSERT_FALSE(zone.ok());
  EXPECT_TRUE(zone.status().IsInvalidArgument());
  EXPECT_NE(zone.status().message().find("Mars/Olympus"), std::string::npos) << zone.status().message();
  auto other = Open(RP_VISITS_PLUGIN, {{"strict", "yes"}});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("strict must be true or false"), std::string::npos);
}

}  // namespace
}  // namespace rp::logic
