#include "logic/visit_transform.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace rp::logic {
namespace {

TimeZone Paris() { return *TimeZone::Find("Europe/Paris"); }

TransformOptions Options(bool strict = false, TimeZone zone = Paris()) {
  TransformOptions o;
  o.zone = std::move(zone);
  o.strict = strict;
  return o;
}

// The output value, or "REJECTED <reason>: <detail>".
std::string RunOne(VisitTransformer& t, std::string_view raw) {
  std::string out = "stale";
  if (auto r = t.Transform(raw, &out)) return std::string("REJECTED ") + RejectReasonName(r->reason) + ": " + r->detail;
  return out;
}

std::string Transform(std::string_view raw, bool strict = false) {
  VisitTransformer t(Options(strict));
  return RunOne(t, raw);
}

std::string Reason(std::string_view raw, bool strict = false) {
  VisitTransformer t(Options(strict));
  std::string out;
  auto r = t.Transform(raw, &out);
  return r ? RejectReasonName(r->reason) : "accepted";
}

// The same record with a leading number beyond 64 bits: simdjson's DOM parser
// refuses it, so this takes the On-Demand path. Both paths must agree.
std::string ViaSlowPath(std::string_view raw) {
  std::string s(raw);
  const size_t brace = s.find('{');
  s.insert(brace + 1, std::string("\"_big\":123456789012345678901234567890") + (s[brace + 1] == '}' ? "" : ","));
  return s;
}

// Checks `raw` gives `expected` on both parser paths.
void ExpectBoth(std::string_view raw, std::string_view expected) {
  EXPECT_EQ(Transform(raw), expected) << raw;
  EXPECT_EQ(Transform(ViaSlowPath(raw)), expected) << ViaSlowPath(raw);
}

constexpr std::string_view kSeedRecord =
    R"({"event_id": "click-1", "visit_id": 1, "event_time": "2025-09-04T07:00:00.000000", "page": "home"})";
constexpr std::string_view kSeedOutput =
    R"({"event_identifier":"click-1","visit_identifier":1,"event_time":"2025-09-04T07:00:00.000+02:00","visited_page":"home"})";

// ---- Output shape. ----

TEST(VisitTransform, RenamesFieldsAndWritesThemInOrderCompactly) {
  ExpectBoth(kSeedRecord, kSeedOutput);
  ExpectBoth(R"({"page":"home","event_time":"2025-09-04T07:00:00","visit_id":1,"event_id":"click-1"})", kSeedOutput);
}

TEST(VisitTransform, ReplacesTheOutputRatherThanAppending) {
  VisitTransformer t(Options());
  std::string out = "previous";
  ASSERT_FALSE(t.Transform(kSeedRecord, &out));
  EXPECT_EQ(out, kSeedOutput);
}

TEST(VisitTransform, AcceptsWhitespaceAroundTokens) {
  ExpectBoth(" {\n\t\"event_id\" :\r\n \"click-1\" , \"visit_id\":1,\"event_time\":\"2025-09-04T07:00:00\","
             "\"page\":\"home\"}\n ",
             kSeedOutput);
}

// ---- Missing, null and wrong-typed fields become null and are left out. ----

TEST(VisitTransform, LeavesOutMissingFields) {
  ExpectBoth(R"({"event_id":"a"})", R"({"event_identifier":"a"})");
  ExpectBoth(R"({"visit_id":7,"page":"p"})", R"({"visit_identifier":7,"visited_page":"p"})");
}

TEST(VisitTransform, LeavesOutNullFields) {
  ExpectBoth(R"({"event_id":null,"visit_id":null,"event_time":null,"page":"p"})", R"({"visited_page":"p"})");
}

TEST(VisitTransform, WritesAnEmptyObjectWhenEveryFieldIsNull) {
  ExpectBoth(R"({})", "{}");
  ExpectBoth(R"({"other":1})", "{}");
}

TEST(VisitTransform, VisitIdTakesOnlyJsonIntegers) {
  for (const char* v : {"\"1\"", "1.0", "1e2", "true", "false", "{}", "[1]", "{\"a\":1}"}) {
    ExpectBoth(std::string(R"({"event_id":"a","visit_id":)") + v + "}", R"({"event_identifier":"a"})");
  }
  ExpectBoth(R"({"visit_id":-42})", R"({"visit_identifier":-42})");
  ExpectBoth(R"({"visit_id":-0})", R"({"visit_identifier":0})");
}

TEST(VisitTransform, VisitIdKeepsTheInt64Range) {
  ExpectBoth(R"({"visit_id":9223372036854775807})", R"({"visit_identifier":9223372036854775807})");
  ExpectBoth(R"({"visit_id":-9223372036854775808})", R"({"visit_identifier":-9223372036854775808})");
}

TEST(VisitTransform, VisitIdBeyondInt64IsNullWithoutFailingTheRecord) {
  for (const char* v : {"9223372036854775808", "18446744073709551615", "18446744073709551616",
                        "-9223372036854775809", "123456789012345678901234567890"}) {
    EXPECT_EQ(Transform(std::string(R"({"event_id":"a","visit_id":)") + v + R"(,"page":"p"})"),
              R"({"event_identifier":"a","visited_page":"p"})")
        << v;
  }
}

TEST(VisitTransform, NumbersBeyondDoubleElsewhereDoNotFailTheRecord) {
  EXPECT_EQ(Transform(R"({"x":1e400,"y":-1e999,"z":[123456789012345678901234567890],"event_id":"a"})"),
            R"({"event_identifier":"a"})");
}

// ---- STRING fields: any other JSON value becomes its compact JSON text. ----

TEST(VisitTransform, StringFieldsTakeOtherValuesAsTheirJsonText) {
  ExpectBoth(R"({"event_id":123,"page":true})", R"({"event_identifier":"123","visited_page":"true"})");
  ExpectBoth(R"({"page":false})", R"({"visited_page":"false"})");
  ExpectBoth(R"({"page":-0})", R"({"visited_page":"0"})");
  ExpectBoth(R"({"page":[]})", R"({"visited_page":"[]"})");
  ExpectBoth(R"({"page":{}})", R"({"visited_page":"{}"})");
}

TEST(VisitTransform, StringFieldsTakeNestedValuesCompactedWithKeysInOrder) {
  ExpectBoth(R"({"page": { "b" : [1, 2.50, "x", null, true, {"c": {}}], "a" : "y" , "b":0}})",
             R"({"visited_page":"{\"b\":[1,2.5,\"x\",null,true,{\"c\":{}}],\"a\":\"y\",\"b\":0}"})");
}

TEST(VisitTransform, StringFieldsReescapeNestedStringsLikeJackson) {
  ExpectBoth(R"({"page":{"k\u00e9\/":"a\"b\\c\u0001\n\u00e9"}})",
             "{\"visited_page\":\"{\\\"k\xc3\xa9/\\\":\\\"a\\\\\\\"b\\\\\\\\c\\\\u0001\\\\n\xc3\xa9\\\"}\"}");
}

// Jackson's UTF-8 generator writes a character above U+FFFF as its escaped
// surrogate pair (upper-case hex), in keys and strings alike; the BMP and a
// plain string field's own text stay raw UTF-8.
TEST(VisitTransform, StringFieldsEscapeCharactersAboveTheBmpAsSurrogatePairsLikeJackson) {
  ExpectBoth("{\"page\":{\"a\":\"\xf0\x9f\x98\x80\"}}", R"({"visited_page":"{\"a\":\"\\uD83D\\uDE00\"}"})");
  ExpectBoth(R"({"page":{"\ud83d\ude00":["x\uD834\uDD1E\u00e9"]}})",
             "{\"visited_page\":\"{\\\"\\\\uD83D\\\\uDE00\\\":[\\\"x\\\\uD834\\\\uDD1E\xc3\xa9\\\"]}\"}");
  ExpectBoth("{\"page\":\"\xf0\x9f\x98\x80\"}", "{\"visited_page\":\"\xf0\x9f\x98\x80\"}");
}

TEST(VisitTransform, StringFieldsPrintDecimalsLikeJavaDoubleToString) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (const Case& c : {Case{"1.5", "1.5"}, Case{"100.0", "100.0"}, Case{"1E2", "100.0"}, Case{"1e7", "1.0E7"},
                        Case{"9999999.0", "9999999.0"}, Case{"0.001", "0.001"}, Case{"0.0001", "1.0E-4"},
                        Case{"-0.0", "-0.0"}, Case{"0.0", "0.0"}, Case{"123456789.125", "1.23456789125E8"},
                        Case{"0.1", "0.1"}, Case{"1.0000000000000002", "1.0000000000000002"},
                        Case{"5e-324", "4.9E-324"}, Case{"1.7976931348623157e308", "1.7976931348623157E308"},
                        Case{"1e-400", "0.0"}, Case{"1e22", "1.0E22"}, Case{"2.5e-3", "0.0025"}}) {
    ExpectBoth(std::string(R"({"page":)") + c.in + "}", std::string(R"({"visited_page":")") + c.out + "\"}");
  }
}

TEST(VisitTransform, StringFieldsPrintOverflowingDecimalsAsQuotedInfinity) {
  EXPECT_EQ(Transform(R"({"page":1e400})"), R"({"visited_page":"\"Infinity\""})");
  EXPECT_EQ(Transform(R"({"page":-1.5E99999})"), R"({"visited_page":"\"-Infinity\""})");
}

TEST(VisitTransform, StringFieldsKeepTheDigitsOfIntegersBeyond64Bits) {
  ExpectBoth(R"({"page":18446744073709551615})", R"({"visited_page":"18446744073709551615"})");
  EXPECT_EQ(Transform(R"({"page":-123456789012345678901234567890})"),
            R"({"visited_page":"-123456789012345678901234567890"})");
}

// ---- Keys. ----

TEST(VisitTransform, IgnoresExtraKeys) {
  ExpectBoth(R"({"event_id":"a","extra":{"deep":[1,2,{"x":null}]},"EVENT_ID":"b","Page":"c"})",
             R"({"event_identifier":"a"})");
}

TEST(VisitTransform, DuplicateKeyTheLastWins) {
  ExpectBoth(R"({"page":"a","page":"b"})", R"({"visited_page":"b"})");
  ExpectBoth(R"({"visit_id":1,"visit_id":2})", R"({"visit_identifier":2})");
  ExpectBoth(R"({"page":"a","page":null})", "{}");
  ExpectBoth(R"({"page":"a","page":7})", R"({"visited_page":"7"})");
}

TEST(VisitTransform, DuplicateKeyWithAnUnconvertibleLastValueKeepsTheEarlierOne) {
  // Spark's convertObject skips a value its converter rejects, so the field
  // keeps what an earlier duplicate set.
  ExpectBoth(R"({"visit_id":1,"visit_id":"x"})", R"({"visit_identifier":1})");
  ExpectBoth(R"({"event_time":"2025-09-04T07:00:00","event_time":"garbage"})",
             R"({"event_time":"2025-09-04T07:00:00.000+02:00"})");
}

TEST(VisitTransform, MatchesKeysAfterUnescapingThem) {
  ExpectBoth(R"({"p\u0061ge":"a"})", R"({"visited_page":"a"})");
}

// ---- event_time. ----

TEST(VisitTransform, EventTimeReadsStringsAsSparkCastsThem) {
  ExpectBoth(R"({"event_time":"2025-09-04"})", R"({"event_time":"2025-09-04T00:00:00.000+02:00"})");
  ExpectBoth(R"({"event_time":" 2025-09-04 07:00:00Z "})", R"({"event_time":"2025-09-04T09:00:00.000+02:00"})");
  ExpectBoth(R"({"event_time":"2025-09-04T07:00:00.123999-05:00"})",
             R"({"event_time":"2025-09-04T14:00:00.123+02:00"})");
  ExpectBoth(R"({"event_time":"2025-09-04T07:00:00\u002B01:00"})",
             R"({"event_time":"2025-09-04T08:00:00.000+02:00"})");
}

TEST(VisitTransform, EventTimeRetriesWithoutGmtLikeSparksLegacyFallback) {
  // "2025-01-04 GMT" is not a valid cast, but with "GMT" removed it is a date
  // in the configured zone (not GMT!).
  ExpectBoth(R"({"event_time":"2025-01-04 GMT"})", R"({"event_time":"2025-01-04T00:00:00.000+01:00"})");
  ExpectBoth(R"({"event_time":"2025-01-04GMT"})", R"({"event_time":"2025-01-04T00:00:00.000+01:00"})");
  ExpectBoth(R"({"event_time":"2025-01-04T10:00:00GMT+01:00"})", R"({"event_time":"2025-01-04T10:00:00.000+01:00"})");
}

TEST(VisitTransform, EventTimeIsNullWhenTheStringIsNotATimestamp) {
  for (const char* v : {"\"\"", "\"garbage\"", "\"2025-02-30\"", "\"07:00:00\"", "\" \""}) {
    ExpectBoth(std::string(R"({"event_id":"a","event_time":)") + v + "}", R"({"event_identifier":"a"})");
  }
}

TEST(VisitTransform, EventTimeReadsIntegersAsEpochSeconds) {
  ExpectBoth(R"({"event_time":1756962000})", R"({"event_time":"2025-09-04T07:00:00.000+02:00"})");
  ExpectBoth(R"({"event_time":0})", R"({"event_time":"1970-01-01T01:00:00.000+01:00"})");
  ExpectBoth(R"({"event_time":-1})", R"({"event_time":"1970-01-01T00:59:59.000+01:00"})");
}

TEST(VisitTransform, EventTimeIsNullWhenEpochSecondsOverflowMicros) {
  ExpectBoth(R"({"event_time":9223372036854})", R"({"event_time":"+294247-01-10T05:00:54.000+01:00"})");
  ExpectBoth(R"({"event_time":-9223372036854})", R"({"event_time":"-290308-12-21T20:08:27.000+00:09:21"})");
  ExpectBoth(R"({"event_id":"a","event_time":9223372036855})", R"({"event_identifier":"a"})");
  ExpectBoth(R"({"event_id":"a","event_time":-9223372036855})", R"({"event_identifier":"a"})");
  ExpectBoth(R"({"event_id":"a","event_time":9223372036854775807})", R"({"event_identifier":"a"})");
  EXPECT_EQ(Transform(R"({"event_id":"a","event_time":99999999999999999999})"), R"({"event_identifier":"a"})");
}

TEST(VisitTransform, EventTimeIsNullForOtherJsonTypes) {
  for (const char* v : {"1.5", "1e3", "true", "{}", "[\"2025-09-04\"]"}) {
    ExpectBoth(std::string(R"({"event_id":"a","event_time":)") + v + "}", R"({"event_identifier":"a"})");
  }
}

TEST(VisitTransform, EventTimeIsWrittenInTheConfiguredZone) {
  VisitTransformer utc(Options(false, TimeZone::Utc()));
  EXPECT_EQ(RunOne(utc, kSeedRecord),
            R"({"event_identifier":"click-1","visit_identifier":1,"event_time":"2025-09-04T07:00:00.000Z","visited_page":"home"})");
  VisitTransformer ny(Options(false, *TimeZone::Find("America/New_York")));
  EXPECT_EQ(RunOne(ny, R"({"event_time":"2025-09-04T07:00:00+02:00"})"),
            R"({"event_time":"2025-09-04T01:00:00.000-04:00"})");
}

// ---- Output escaping, as Jackson's generator escapes. ----

TEST(VisitTransform, EscapesQuotesAndBackslashes) {
  ExpectBoth(R"({"page":"a\"b\\c"})", R"({"visited_page":"a\"b\\c"})");
}

TEST(VisitTransform, EscapesControlCharactersWithShortFormsWhereJacksonHasThem) {
  ExpectBoth(R"({"page":"\n\t\r\b\f"})", R"({"visited_page":"\n\t\r\b\f"})");
}

TEST(VisitTransform, EscapesOtherControlCharactersAsUpperCaseUnicodeEscapes) {
  ExpectBoth(R"({"page":"\u0000\u0001\u001f\u000B"})", R"({"visited_page":"\u0000\u0001\u001F\u000B"})");
}

TEST(VisitTransform, LeavesUtf8SlashAndDelUnescaped) {
  ExpectBoth("{\"page\":\"\\/ \x7f caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 \\u00e9\\ud83d\\ude00\"}",
             "{\"visited_page\":\"/ \x7f caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 \xc3\xa9\xf0\x9f\x98\x80\"}");
}

// ---- Record-level failures are rejections, each with its reason. ----

TEST(VisitTransform, RejectsAnEmptyValue) {
  EXPECT_EQ(Reason(""), "empty_value");
  EXPECT_EQ(Reason(" \n\t\r "), "empty_value");
}

TEST(VisitTransform, RejectsInvalidUtf8) {
  for (const char* raw : {"{\"page\":\"\xff\"}", "{\"page\":\"\xc0\xaf\"}", "{\"page\":\"\xe2\x82\"}",
                          "{\"page\":\"\xed\xa0\x80\"}", "{\"x\":\"\xf8\x88\x80\x80\x80\"}", "\xff"}) {
    EXPECT_EQ(Reason(raw), "invalid_utf8") << raw;
  }
}

TEST(VisitTransform, RejectsInvalidJson) {
  for (const char* raw :
       {"{", "}", "{\"a\":1,}", "{\"a\" 1}", "{'a':1}", "{\"a\":'x'}", "{a:1}", "{\"a\":NaN}", "{\"a\":Infinity}",
        "{\"a\":tru}", "{\"a\":nul}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1} 2", "{\"a\":01}", "{\"a\":1.}",
        "{\"a\":.5}", "{\"a\":+1}", "{\"a\":-}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"x\ny\"}",
        "{\"a\":\"x\x01y\"}", "{\"a\":\"\\ud800\"}", "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":1 \"b\":2}",
        "{\"a\":\"unterminated}", "\xef\xbb\xbf{\"a\":1}", "// comment\n{}"}) {
    EXPECT_EQ(Reason(raw), "invalid_json") << raw;
  }
  EXPECT_EQ(Reason(std::string_view("{\"a\":1}\0", 8)), "invalid_json");
  EXPECT_EQ(Reason(std::string_view("{\"a\":\"\0\"}", 9)), "invalid_json");
}

TEST(VisitTransform, RejectsInvalidJsonEvenWithNumbersBeyond64Bits) {
  for (const char* raw :
       {"{\"a\":123456789012345678901234567890,}", "{\"a\":123456789012345678901234567890", "{\"a\":1e400}x",
        "{\"a\":1e400,\"b\":01}", "{\"a\":1e400,\"b\":1.}", "{\"a\":1e400,\"b\":\"\\q\"}", "{\"a\":1e400,\"b\":tru}",
        "{\"a\":1e400,\"b\":[1,,2]}", "{\"a\":1e400}{}", "[123456789012345678901234567890,]", "123456789012345678901234567890 1",
        "{\"a\":1e400,\"b\":nulll}", "{\"a\":1e400,\"b\":falsee}", "{\"a\":1e400,\"b\":{\"c\" 1}}"}) {
    EXPECT_EQ(Reason(raw), "invalid_json") << raw;
  }
}

TEST(VisitTransform, RejectsNestingBeyondTheLimit) {
  const std::string deep = "{\"page\":" + std::string(2000, '[') + std::string(2000, ']') + "}";
  EXPECT_EQ(Reason(deep), "invalid_json");
  const std::string deep_slow =
      "{\"x\":1e400,\"page\":" + std::string(2000, '[') + std::string(2000, ']') + "}";
  EXPECT_EQ(Reason(deep_slow), "invalid_json");
  const std::string ok = "{\"page\":" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(Reason(ok), "accepted");
}

TEST(VisitTransform, RejectsARootThatIsNotAnObject) {
  for (const char* raw : {"[]", "[{\"page\":\"a\"}]", "1", "\"s\"", "null", "true", " 1.5 ", "[1e400]",
                          "123456789012345678901234567890", " -1e400 "}) {
    EXPECT_EQ(Reason(raw), "not_an_object") << raw;
  }
}

TEST(RejectReasonName, NamesAreStableLowerCase) {
  EXPECT_STREQ(RejectReasonName(RejectReason::kEmptyValue), "empty_value");
  EXPECT_STREQ(RejectReasonName(RejectReason::kInvalidUtf8), "invalid_utf8");
  EXPECT_STREQ(RejectReasonName(RejectReason::kInvalidJson), "invalid_json");
  EXPECT_STREQ(RejectReasonName(RejectReason::kNotAnObject), "not_an_object");
  EXPECT_STREQ(RejectReasonName(RejectReason::kIncomplete), "incomplete");
}

// ---- Strict mode. ----

TEST(VisitTransformStrict, AcceptsACompleteRecord) { EXPECT_EQ(Transform(kSeedRecord, true), kSeedOutput); }

TEST(VisitTransformStrict, RejectsAMissingFieldNamingIt) {
  EXPECT_EQ(Transform(R"({"event_id":"a","visit_id":1,"event_time":"2025-09-04"})", true),
            "REJECTED incomplete: field page: missing");
}

TEST(VisitTransformStrict, RejectsANullFieldNamingIt) {
  EXPECT_EQ(Transform(R"({"event_id":"a","visit_id":null,"event_time":"2025-09-04","page":"p"})", true),
            "REJECTED incomplete: field visit_id: null");
}

TEST(VisitTransformStrict, RejectsAMistypedFieldNamingIt) {
  EXPECT_EQ(Transform(R"({"event_id":"a","visit_id":"1","event_time":"2025-09-04","page":"p"})", true),
            "REJECTED incomplete: field visit_id: expected an integer within 64 bits, got a string");
  EXPECT_EQ(Transform(R"({"event_id":"a","visit_id":123456789012345678901234567890,"event_time":"2025-09-04","page":"p"})",
                      true),
            "REJECTED incomplete: field visit_id: expected an integer within 64 bits, got an integer beyond 64 bits");
  EXPECT_EQ(Transform(R"({"event_id":5,"visit_id":1,"event_time":"2025-09-04","page":"p"})", true),
            "REJECTED incomplete: field event_id: expected a string, got an integer");
  EXPECT_EQ(Transform(R"({"event_id":"a","visit_id":1,"event_time":true,"page":"p"})", true),
            "REJECTED incomplete: field event_time: expected a timestamp string or epoch seconds, got a boolean");
  EXPECT_EQ(Transform(R"({"event_id":"a","visit_id":1,"event_time":"2025-02-30","page":"p"})", true),
            "REJECTED incomplete: field event_time: not a timestamp: \"2025-02-30\"");
}

TEST(VisitTransformStrict, ReportsTheFirstProblemInSchemaOrder) {
  EXPECT_EQ(Transform(R"({"page":null})", true), "REJECTED incomplete: field event_id: missing");
}

TEST(VisitTransformStrict, StillRejectsRecordLevelFailuresByTheirOwnReason) {
  EXPECT_EQ(Reason("[]", true), "not_an_object");
  EXPECT_EQ(Reason("{", true), "invalid_json");
}

TEST(VisitTransformStrict, PermissiveModeAcceptsWhatStrictModeRejects) {
  EXPECT_EQ(Reason(R"({"event_id":"a"})", false), "accepted");
  EXPECT_EQ(Reason(R"({"event_id":"a"})", true), "incomplete");
}

// ---- Parse, Render and reuse. ----

TEST(VisitTransformParse, FillsTheVisit) {
  VisitTransformer t(Options());
  Visit v;
  ASSERT_FALSE(t.Parse(kSeedRecord, &v));
  EXPECT_EQ(v.event_id, "click-1");
  EXPECT_EQ(v.visit_id, 1);
  EXPECT_EQ(v.event_time_micros, int64_t{1756962000} * 1000000);
  EXPECT_EQ(v.page, "home");
  ASSERT_FALSE(t.Parse(R"({"page":{"a":1}})", &v));
  EXPECT_FALSE(v.event_id.has_value());
  EXPECT_FALSE(v.visit_id.has_value());
  EXPECT_FALSE(v.event_time_micros.has_value());
  EXPECT_EQ(v.page, R"({"a":1})");
}

TEST(VisitTransformParse, RenderOfAParsedVisitEqualsTransform) {
  VisitTransformer t(Options());
  for (std::string_view raw : {kSeedRecord, std::string_view(R"({"page":"\u0001","visit_id":-5})"),
                               std::string_view("{}"), std::string_view(R"({"event_time":-1})")}) {
    Visit v;
    ASSERT_FALSE(t.Parse(raw, &v));
    std::string rendered;
    t.Render(v, &rendered);
    std::string transformed;
    ASSERT_FALSE(t.Transform(raw, &transformed));
    EXPECT_EQ(rendered, transformed) << raw;
  }
}

TEST(VisitTransformParse, RenderAppends) {
  VisitTransformer t(Options());
  std::string out = "x";
  t.Render(Visit{}, &out);
  EXPECT_EQ(out, "x{}");
}

TEST(VisitTransformParse, StrictModeAppliesToParseToo) {
  VisitTransformer t(Options(true));
  Visit v;
  auto r = t.Parse(R"({"event_id":"a"})", &v);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->reason, RejectReason::kIncomplete);
}

TEST(VisitTransformReuse, OneTransformerHandlesManyRecordsOfAnySize) {
  VisitTransformer t(Options());
  for (int i = 0; i < 200; ++i) {
    const std::string page(static_cast<size_t>(i) * 37, 'p');
    const std::string raw = R"({"event_id":"e)" + std::to_string(i) + R"(","page":")" + page + "\"}";
    EXPECT_EQ(RunOne(t, raw), R"({"event_identifier":"e)" + std::to_string(i) + R"(","visited_page":")" + page + "\"}");
    EXPECT_EQ(RunOne(t, "{\"x\":1e400}"), "{}");
    EXPECT_EQ(RunOne(t, "{"), "REJECTED invalid_json: invalid JSON: The JSON document has an improper structure: "
                           "missing or superfluous commas, braces, missing keys, etc.");
    EXPECT_EQ(RunOne(t, kSeedRecord), kSeedOutput);
  }
}

TEST(VisitTransformReuse, AMovedTransformerKeepsItsZone) {
  VisitTransformer a(Options(false, *TimeZone::Find("America/New_York")));
  VisitTransformer b(std::move(a));
  EXPECT_EQ(RunOne(b, R"({"event_time":"2025-09-04T07:00:00"})"), R"({"event_time":"2025-09-04T07:00:00.000-04:00"})");
  VisitTransformer c(Options());
  c = std::move(b);
  EXPECT_EQ(RunOne(c, R"({"event_time":"2025-09-04T07:00:00"})"), R"({"event_time":"2025-09-04T07:00:00.000-04:00"})");
  EXPECT_EQ(c.options().zone.name(), "America/New_York");
}

TEST(VisitTransformReuse, TransformersOnSeveralThreadsShareOneZone) {
  const TimeZone zone = Paris();
  std::vector<std::string> records;
  std::vector<std::string> expected;
  VisitTransformer reference(Options(false, zone));
  for (int i = 0; i < 500; ++i) {
    // Times around both 2025 transitions, some with explicit region zones.
    const int day = i % 2 ? 30 : 26, month = i % 2 ? 3 : 10;
    records.push_back("{\"event_time\":\"2025-" + std::to_string(month) + "-" + std::to_string(day) + " " +
                      std::to_string(i % 5) + ":" + std::to_string(i % 60) + ":00" +
                      (i % 3 == 0 ? " America/New_York" : "") + "\"}");
    expected.push_back(RunOne(reference, records.back()));
  }
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      VisitTransformer mine(Options(false, zone));
      for (int round = 0; round < 20; ++round) {
        for (size_t i = static_cast<size_t>(t); i < records.size(); ++i) {
          if (RunOne(mine, records[i]) != expected[i]) ++mismatches;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(VisitTransformReuse, ARejectionDoesNotLeakIntoTheNextRecord) {
  VisitTransformer t(Options());
  std::string out;
  EXPECT_TRUE(t.Transform(R"({"page":"a","visit_id":1,)", &out));
  EXPECT_EQ(RunOne(t, R"({"event_id":"b"})"), R"({"event_identifier":"b"})");
}

}  // namespace
}  // namespace rp::logic
