// The sync job's event-time rule: `--event-time json:/<pointer>` reads a field
// of the record value with Spark's from_json rules (the visits logic's
// event_time rules, nested), `--event-time kafka` takes the Kafka timestamp,
// and `--event-time-fallback kafka` fills in JSON misses with it.
#include "logic/event_time.h"

#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "logic/spark_timestamp.h"
#include "logic/visit_transform.h"

namespace rp::logic {
namespace {

using Source = EventTimeSpec::Source;

TimeZone Zone(std::string_view id) { return *TimeZone::Find(id); }
TimeZone Paris() { return Zone("Europe/Paris"); }

// Micros since the epoch of a timestamp written with its offset.
int64_t At(std::string_view text) {
  const std::optional<int64_t> micros = ParseSparkTimestamp(text, TimeZone::Utc());
  EXPECT_TRUE(micros) << text;
  return micros.value_or(0);
}

EventTimeSpec Spec(std::string_view text, bool fallback_kafka = false) {
  Result<EventTimeSpec> spec = EventTimeSpec::Parse(text);
  EXPECT_TRUE(spec.ok()) << text << ": " << spec.status().ToString();
  EventTimeSpec s = spec.ok() ? *spec : EventTimeSpec{};
  s.fallback_kafka = fallback_kafka;
  return s;
}

// The error message of a spec that does not parse, or "parsed".
std::string ParseError(std::string_view text) {
  Result<EventTimeSpec> spec = EventTimeSpec::Parse(text);
  if (spec.ok()) return "parsed";
  EXPECT_TRUE(spec.status().IsInvalidArgument());
  return spec.status().message();
}

constexpr int64_t kNoTimestamp = -1;

std::optional<int64_t> Read(std::string_view spec, std::optional<std::string_view> value,
                            TimeZone zone = Paris()) {
  EventTimeReader reader(Spec(spec), std::move(zone));
  return reader.Read(value, kNoTimestamp);
}

// `raw` (an object) with a leading number beyond 64 bits: simdjson's DOM
// parser refuses it, so the reader takes its On-Demand path.
std::string ViaSlowPath(std::string_view raw) {
  std::string s(raw);
  const size_t brace = s.find('{');
  s.insert(brace + 1,
           std::string("\"_big\":123456789012345678901234567890") + (s[brace + 1] == '}' ? "" : ","));
  return s;
}

// Checks that both parser paths read `expected` from the object `raw`.
void ExpectRead(std::string_view spec, std::string_view raw, std::optional<int64_t> expected) {
  EXPECT_EQ(Read(spec, raw), expected) << spec << " in " << raw;
  EXPECT_EQ(Read(spec, ViaSlowPath(raw)), expected) << spec << " in " << ViaSlowPath(raw);
}

const int64_t kSeedTime = At("2025-09-04T07:00:00+02:00");
constexpr std::string_view kSeedRecord =
    R"({"event_id": "click-1", "visit_id": 1, "event_time": "2025-09-04T07:00:00.000000", "page": "home"})";

// ---- Specs: the text of --event-time and of the table's reprocessor.eventTime. ----

TEST(EventTimeSpec, DefaultsToTheEventTimeField) {
  EXPECT_EQ(kDefaultEventTimeSpec, "json:/event_time");
  const EventTimeSpec spec = EventTimeSpec{};
  EXPECT_EQ(spec.source, Source::kJson);
  EXPECT_EQ(spec.pointer, std::vector<std::string>{"event_time"});
  EXPECT_FALSE(spec.fallback_kafka);
  EXPECT_EQ(Spec(kDefaultEventTimeSpec), spec);
  EXPECT_EQ(spec.ToString(), kDefaultEventTimeSpec);
}

TEST(EventTimeSpec, ParsesTheKafkaSource) {
  const EventTimeSpec spec = Spec("kafka");
  EXPECT_EQ(spec.source, Source::kKafka);
  EXPECT_TRUE(spec.pointer.empty());
  EXPECT_EQ(spec.ToString(), "kafka");
}

TEST(EventTimeSpec, SplitsAJsonPointerIntoSegments) {
  EXPECT_EQ(Spec("json:/payload/meta/ts").pointer, (std::vector<std::string>{"payload", "meta", "ts"}));
  EXPECT_EQ(Spec("json:/items/0/at").pointer, (std::vector<std::string>{"items", "0", "at"}));
  EXPECT_EQ(Spec("json:/with space/é").pointer, (std::vector<std::string>{"with space", "é"}));
}

TEST(EventTimeSpec, EmptySegmentsNameMembersWithAnEmptyName) {
  EXPECT_EQ(Spec("json:/").pointer, std::vector<std::string>{""});
  EXPECT_EQ(Spec("json://a").pointer, (std::vector<std::string>{"", "a"}));
  EXPECT_EQ(Spec("json:/a/").pointer, (std::vector<std::string>{"a", ""}));
}

TEST(EventTimeSpec, UnescapesTildeOneAsSlashAndTildeZeroAsTilde) {
  EXPECT_EQ(Spec("json:/a~1b/c~0d").pointer, (std::vector<std::string>{"a/b", "c~d"}));
  // RFC 6901: "~01" is "~" then "1", never "/".
  EXPECT_EQ(Spec("json:/~01").pointer, std::vector<std::string>{"~1"});
  EXPECT_EQ(Spec("json:/~10").pointer, std::vector<std::string>{"/0"});
}

TEST(EventTimeSpec, RejectsAnUnknownSource) {
  EXPECT_EQ(ParseError("event_time"),
            R"(event time "event_time": expected json:<JSON pointer> (e.g. json:/event_time) or kafka)");
  for (std::string_view text :
       {"", "Kafka", "kafka:", " kafka", "kafka ", "json", "JSON:/a", "jsonpointer:/a"}) {
    EXPECT_NE(ParseError(text), "parsed") << text;
  }
}

TEST(EventTimeSpec, RejectsAnEmptyPointer) {
  EXPECT_EQ(ParseError("json:"),
            R"(event time "json:": the JSON pointer is empty (it must name a field, e.g. json:/event_time))");
}

TEST(EventTimeSpec, RejectsAPointerWithoutLeadingSlash) {
  EXPECT_EQ(ParseError("json:event_time"),
            R"(event time "json:event_time": a JSON pointer starts with '/' (e.g. json:/event_time))");
  EXPECT_NE(ParseError("json:#/event_time"), "parsed");  // URI fragments are not taken
}

TEST(EventTimeSpec, RejectsATildeNotFollowedByZeroOrOne) {
  EXPECT_EQ(ParseError("json:/a~2"),
            R"(event time "json:/a~2": '~' must be followed by 0 or 1 (~0 is '~', ~1 is '/'))");
  EXPECT_NE(ParseError("json:/a~"), "parsed");
  EXPECT_NE(ParseError("json:/~/a"), "parsed");
}

TEST(EventTimeSpec, ErrorsStayOnOneLine) {
  const std::string message = ParseError("json\n:/a");
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find(R"("json\n:/a")"), std::string::npos) << message;
}

TEST(EventTimeSpec, ToStringGivesTheTextParseAccepts) {
  for (std::string_view text :
       {"kafka", "json:/event_time", "json:/a/0/b", "json:/", "json://", "json:/a~1b/c~0d/~01"}) {
    EXPECT_EQ(Spec(text).ToString(), text);
  }
  EventTimeSpec odd;
  odd.pointer = {"a/b~c", "", "~1", "/", "x y\n"};
  EXPECT_EQ(odd.ToString(), "json:/a~1b~0c//~01/~1/x y\n");
  EXPECT_EQ(Spec(odd.ToString()), odd);
}

TEST(EventTimeSpec, FallbackIsNotPartOfTheText) {
  EventTimeSpec spec = Spec("json:/ts", /*fallback_kafka=*/true);
  EXPECT_EQ(spec.ToString(), "json:/ts");
  EXPECT_FALSE(Spec(spec.ToString()).fallback_kafka);
}

// ---- The Kafka source. ----

TEST(EventTimeReader, KafkaSourceTakesTheRecordTimestampInMicros) {
  EventTimeReader reader(Spec("kafka"), Paris());
  EXPECT_EQ(reader.Read(kSeedRecord, 1756962000123), 1756962000123000);
  EXPECT_EQ(reader.Read(std::nullopt, 1756962000123), 1756962000123000);
  EXPECT_EQ(reader.Read("not json", 0), 0);  // the epoch is a timestamp
}

TEST(EventTimeReader, KafkaSourceWithoutATimestampGivesNone) {
  EventTimeReader reader(Spec("kafka"), Paris());
  EXPECT_EQ(reader.Read(kSeedRecord, -1), std::nullopt);
  EXPECT_EQ(reader.Read(kSeedRecord, -1000), std::nullopt);
  // Millis whose micros overflow int64 are no time either.
  EXPECT_EQ(reader.Read(kSeedRecord, std::numeric_limits<int64_t>::max()), std::nullopt);
}

TEST(EventTimeReader, FallbackTakesTheKafkaTimestampWhenTheJsonGivesNone) {
  EventTimeReader reader(Spec("json:/event_time", /*fallback_kafka=*/true), Paris());
  const int64_t kafka_ms = 1700000000000;
  EXPECT_EQ(reader.Read(kSeedRecord, kafka_ms), kSeedTime);  // the JSON wins when it has a time
  EXPECT_EQ(reader.Read(R"({"page":"home"})", kafka_ms), kafka_ms * 1000);
  EXPECT_EQ(reader.Read(R"({"event_time":null})", kafka_ms), kafka_ms * 1000);
  EXPECT_EQ(reader.Read(R"({"event_time":"soon"})", kafka_ms), kafka_ms * 1000);
  EXPECT_EQ(reader.Read("not json", kafka_ms), kafka_ms * 1000);
  EXPECT_EQ(reader.Read(std::nullopt, kafka_ms), kafka_ms * 1000);
  EXPECT_EQ(reader.Read(std::nullopt, -1), std::nullopt);
}

TEST(EventTimeReader, WithoutFallbackAJsonMissIsNone) {
  EventTimeReader reader(Spec("json:/event_time"), Paris());
  EXPECT_EQ(reader.Read(R"({"page":"home"})", 1700000000000), std::nullopt);
  EXPECT_EQ(reader.Read(std::nullopt, 1700000000000), std::nullopt);
}

// ---- Timestamp strings. ----

TEST(EventTimeReader, ReadsTheSeedRecord) { ExpectRead("json:/event_time", kSeedRecord, kSeedTime); }

TEST(EventTimeReader, ReadsAZoneLessStringInTheGivenZone) {
  const std::string_view record = R"({"event_time":"2025-09-04T07:00:00"})";
  EXPECT_EQ(Read("json:/event_time", record, Paris()), At("2025-09-04T07:00:00+02:00"));
  EXPECT_EQ(Read("json:/event_time", record, TimeZone::Utc()), At("2025-09-04T07:00:00Z"));
  EXPECT_EQ(Read("json:/event_time", record, Zone("+05:30")), At("2025-09-04T07:00:00+05:30"));
  // Winter time in the same zone.
  EXPECT_EQ(Read("json:/event_time", R"({"event_time":"2025-01-04 07:00"})", Paris()),
            At("2025-01-04T07:00:00+01:00"));
}

TEST(EventTimeReader, AStringWithItsOwnZoneIgnoresTheGivenOne) {
  for (const TimeZone& zone : {Paris(), TimeZone::Utc(), Zone("America/New_York")}) {
    EXPECT_EQ(Read("json:/event_time", R"({"event_time":"2025-09-04T07:00:00Z"})", zone),
              At("2025-09-04T07:00:00Z"));
    EXPECT_EQ(Read("json:/event_time", R"({"event_time":"2025-09-04T07:00:00-03:00"})", zone),
              At("2025-09-04T10:00:00Z"));
  }
}

TEST(EventTimeReader, ReadsStringsAsSparksCastDoes) {
  ExpectRead("json:/t", R"({"t":"2025"})", At("2025-01-01T00:00:00+01:00"));
  ExpectRead("json:/t", R"({"t":"2025-9-4 7:8:9.5"})", At("2025-09-04T07:08:09.5+02:00"));
  ExpectRead("json:/t", R"({"t":" 2025-09-04T07:00:00 "})", At("2025-09-04T07:00:00+02:00"));
  // With "GMT" removed (Spark 1.x/2.x's fallback), read in the given zone.
  ExpectRead("json:/t", R"({"t":"2025-01-04 GMT"})", At("2025-01-04T00:00:00+01:00"));
}

TEST(EventTimeReader, AStringThatIsNoTimestampGivesNone) {
  ExpectRead("json:/t", R"({"t":""})", std::nullopt);
  ExpectRead("json:/t", R"({"t":"yesterday"})", std::nullopt);
  ExpectRead("json:/t", R"({"t":"2025-02-30"})", std::nullopt);
  ExpectRead("json:/t", R"({"t":"07:00:00"})", std::nullopt);  // no date: see ParseSparkTimestamp
}

// ---- Other JSON values. ----

TEST(EventTimeReader, AnIntegerIsEpochSeconds) {
  ExpectRead("json:/t", R"({"t":1756962000})", int64_t{1756962000} * 1000000);
  ExpectRead("json:/t", R"({"t":0})", 0);
  ExpectRead("json:/t", R"({"t":-1})", -1000000);
  ExpectRead("json:/t", R"({"t":9223372036854})", int64_t{9223372036854} * 1000000);
}

TEST(EventTimeReader, EpochSecondsWhoseMicrosOverflowGiveNone) {
  ExpectRead("json:/t", R"({"t":9223372036855})", std::nullopt);
  ExpectRead("json:/t", R"({"t":-9223372036855})", std::nullopt);
  ExpectRead("json:/t", R"({"t":9223372036854775808})", std::nullopt);  // beyond int64
  ExpectRead("json:/t", R"({"t":123456789012345678901234567890})", std::nullopt);
}

TEST(EventTimeReader, OtherValuesGiveNone) {
  for (std::string_view value : {"1.5", "1e3", "-0.0", "true", "false", "{}", R"({"t":1})", "[1]", "[]"}) {
    ExpectRead("json:/t", std::string(R"({"t":)") + std::string(value) + "}", std::nullopt);
  }
}

TEST(EventTimeReader, AMissingFieldGivesNone) {
  ExpectRead("json:/t", "{}", std::nullopt);
  ExpectRead("json:/t", R"({"T":1,"t ":2," t":3})", std::nullopt);  // names match exactly
}

TEST(EventTimeReader, MatchesKeysAfterUnescaping) {
  ExpectRead("json:/event_time", R"({"event\u005ftime":1})", 1000000);
  ExpectRead("json:/a~1b", R"({"a\/b":2})", 2000000);
  ExpectRead("json:/é", R"({"\u00e9":3})", 3000000);
}

// ---- Duplicate keys: the last value that converts wins, a null converts. ----

TEST(EventTimeReader, TheLastConvertibleDuplicateWins) {
  ExpectRead("json:/t", R"({"t":1,"t":2})", 2000000);
  ExpectRead("json:/t", R"({"t":1,"t":"soon"})", 1000000);
  ExpectRead("json:/t", R"({"t":"soon","t":1})", 1000000);
  ExpectRead("json:/t", R"({"t":1,"t":true,"t":1.5,"t":{},"t":[],"t":"","t":99999999999999999999})", 1000000);
}

TEST(EventTimeReader, ALaterNullWins) {
  ExpectRead("json:/t", R"({"t":1,"t":null})", std::nullopt);
  ExpectRead("json:/t", R"({"t":1,"t":null,"t":"soon"})", std::nullopt);
  ExpectRead("json:/t", R"({"t":null,"t":2})", 2000000);
}

// ---- Nested pointers: a struct path in the schema. ----

TEST(EventTimeReader, FollowsAPointerIntoNestedObjects) {
  ExpectRead("json:/meta/ts", R"({"id":1,"meta":{"src":"web","ts":"2025-09-04T07:00:00"}})", kSeedTime);
  ExpectRead("json:/a/b/c", R"({"a":{"b":{"c":1}}})", 1000000);
  ExpectRead("json:/a/b/c", R"({"a":{"b":{"x":1}}})", std::nullopt);
  ExpectRead("json:/a/b/c", R"({"a":{}})", std::nullopt);
  ExpectRead("json:/a/b/c", R"({"b":{"c":1},"c":1})", std::nullopt);  // only the path counts
}

TEST(EventTimeReader, ANullOnThePathGivesNone) {
  ExpectRead("json:/a/b", R"({"a":null})", std::nullopt);
  ExpectRead("json:/a/b", R"({"a":{"b":1},"a":null})", std::nullopt);
  ExpectRead("json:/a/b", R"({"a":null,"a":{"b":1}})", 1000000);
}

TEST(EventTimeReader, ANonObjectOnThePathLeavesTheEarlierValue) {
  ExpectRead("json:/a/b", R"({"a":"x"})", std::nullopt);
  ExpectRead("json:/a/b", R"({"a":{"b":1},"a":"x","a":2,"a":true,"a":[{"b":3}]})", 1000000);
}

TEST(EventTimeReader, ALaterObjectOnThePathReplacesTheEarlierOneWhole) {
  // Spark converts each occurrence into a new struct: its missing or failed
  // fields are null, not the earlier occurrence's.
  ExpectRead("json:/a/b", R"({"a":{"b":1},"a":{}})", std::nullopt);
  ExpectRead("json:/a/b", R"({"a":{"b":1},"a":{"b":"soon"}})", std::nullopt);
  ExpectRead("json:/a/b", R"({"a":{"b":1},"a":{"b":2}})", 2000000);
  // Within one object the duplicate rules hold as at the root.
  ExpectRead("json:/a/b", R"({"a":{"b":1,"b":"soon"}})", 1000000);
  ExpectRead("json:/a/b", R"({"a":{"b":1,"b":null}})", std::nullopt);
}

TEST(EventTimeReader, ReadsAnEmptyKey) {
  ExpectRead("json:/", R"({"":1})", 1000000);
  ExpectRead("json://x", R"({"":{"x":2}})", 2000000);
}

// ---- Arrays: a segment that is an index also reads an array element. ----

TEST(EventTimeReader, AnIndexTakesThatArrayElement) {
  ExpectRead("json:/events/1/at", R"({"events":[{"at":1},{"at":2},{"at":3}]})", 2000000);
  ExpectRead("json:/times/0", R"({"times":["2025-09-04T07:00:00",2]})", kSeedTime);
  ExpectRead("json:/m/0/1", R"({"m":[[5,6]]})", 6000000);
}

TEST(EventTimeReader, AnIndexOutOfRangeGivesNull) {
  ExpectRead("json:/a/3", R"({"a":[1,2,3]})", std::nullopt);
  ExpectRead("json:/a/0", R"({"a":[]})", std::nullopt);
  ExpectRead("json:/a/99999999999999999999999", R"({"a":[1]})", std::nullopt);
  // Null, not "leave the earlier value": the array as a whole converted.
  ExpectRead("json:/a/1", R"({"a":[1,2],"a":[1]})", std::nullopt);
}

TEST(EventTimeReader, NullElementsAreNull) {
  ExpectRead("json:/a/0", R"({"a":[null,1]})", std::nullopt);
  ExpectRead("json:/a/1", R"({"a":[null,1]})", 1000000);
}

TEST(EventTimeReader, AnElementThatDoesNotConvertFailsTheWholeArray) {
  // Spark's convertArray keeps no partial array for an element that fails,
  // anywhere in the array: the array field keeps its earlier value.
  ExpectRead("json:/a/0", R"({"a":["soon"]})", std::nullopt);
  ExpectRead("json:/a/0", R"({"a":[1,"soon"]})", std::nullopt);
  ExpectRead("json:/a/1", R"({"a":[1,2],"a":[1,"soon"]})", 2000000);
  ExpectRead("json:/a/0", R"({"a":[1],"a":[2,{}]})", 1000000);
  ExpectRead("json:/a/0/t", R"({"a":[{"t":1}],"a":[{"t":2},"x"]})", 1000000);
  ExpectRead("json:/a/0/0", R"({"a":[[1]],"a":[[2],[3,true]]})", 1000000);
}

TEST(EventTimeReader, AnObjectElementAlwaysConverts) {
  // A struct element whose field fails is a partial struct, not a failure.
  ExpectRead("json:/a/0/t", R"({"a":[{"t":1},{"t":"soon"}]})", 1000000);
  ExpectRead("json:/a/0/t", R"({"a":[{"t":1}],"a":[{"t":"soon"}]})", std::nullopt);
  ExpectRead("json:/a/0/t", R"({"a":[{"t":1}],"a":[{}]})", std::nullopt);
}

TEST(EventTimeReader, AnIndexAlsoNamesAnObjectMember) {
  ExpectRead("json:/a/0", R"({"a":{"0":1}})", 1000000);
  ExpectRead("json:/a/0", R"({"a":[1],"a":{"0":2}})", 2000000);
}

TEST(EventTimeReader, ASegmentThatIsNoIndexFailsOnAnArray) {
  ExpectRead("json:/a/01", R"({"a":[1,2]})", std::nullopt);
  ExpectRead("json:/a/01", R"({"a":{"01":1},"a":[1,2]})", 1000000);
  ExpectRead("json:/a/-", R"({"a":[1]})", std::nullopt);
  ExpectRead("json:/a/b", R"({"a":{"b":1},"a":[{"b":2}]})", 1000000);
}

// ---- Values that give no event time at all. ----

TEST(EventTimeReader, ARootThatIsNotAnObjectGivesNone) {
  for (std::string_view value :
       {R"("2025-09-04T07:00:00")", "1756962000", "null", "true", R"([{"event_time":1}])",
        "123456789012345678901234567890", "[123456789012345678901234567890]"}) {
    EXPECT_EQ(Read("json:/event_time", value), std::nullopt) << value;
    EXPECT_EQ(Read("json:/0", value), std::nullopt) << value;
  }
}

TEST(EventTimeReader, InvalidJsonGivesNone) {
  for (std::string_view value : {R"({"event_time":1)", R"({"event_time":1,})", R"({"event_time":1} {})",
                                 R"({"event_time":1}x)", R"({'event_time':1})", R"({"event_time":NaN,"t":1})",
                                 R"({"event_time":1,"x":01})", R"({"event_time":1,"x":"\ud800"})",
                                 "{\"event_time\":1,\"x\":\"\xff\"}", "{\"event_time\":1,\"x\":\"a\tb\"}"}) {
    EXPECT_EQ(Read("json:/event_time", value), std::nullopt) << value;
  }
}

TEST(EventTimeReader, InvalidJsonAfterABigNumberGivesNone) {
  // The On-Demand path validates what it does not read, too.
  for (std::string_view value : {R"({"event_time":1,"x":[1,}, "n":123456789012345678901234567890})",
                                 R"({"n":123456789012345678901234567890,"event_time":1,"x":tru})",
                                 R"({"n":123456789012345678901234567890,"event_time":1} [])",
                                 R"({"n":123456789012345678901234567890,"event_time":1,"x":-})"}) {
    EXPECT_EQ(Read("json:/event_time", value), std::nullopt) << value;
  }
}

TEST(EventTimeReader, AByteOrderMarkGivesNone) {
  EXPECT_EQ(Read("json:/event_time", "\xEF\xBB\xBF{\"event_time\":1}"), std::nullopt);
}

TEST(EventTimeReader, AnEmptyOrNullValueGivesNone) {
  EXPECT_EQ(Read("json:/event_time", ""), std::nullopt);
  EXPECT_EQ(Read("json:/event_time", " \n"), std::nullopt);
  EXPECT_EQ(Read("json:/event_time", std::nullopt), std::nullopt);
}

TEST(EventTimeReader, NestingBeyond1024GivesNone) {
  const auto nested = [](int depth) {
    return R"({"event_time":1,"x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  EXPECT_EQ(Read("json:/event_time", nested(1000)), 1000000);
  EXPECT_EQ(Read("json:/event_time", ViaSlowPath(nested(1000))), 1000000);
  EXPECT_EQ(Read("json:/event_time", nested(2000)), std::nullopt);
  EXPECT_EQ(Read("json:/event_time", ViaSlowPath(nested(2000))), std::nullopt);
}

TEST(EventTimeReader, ANumberBeyond64BitsElsewhereStillGivesTheTime) {
  EXPECT_EQ(Read("json:/event_time", R"({"n":123456789012345678901234567890,"event_time":1})"), 1000000);
  EXPECT_EQ(Read("json:/event_time", R"({"event_time":1,"n":[-123456789012345678901234567890]})"), 1000000);
  EXPECT_EQ(Read("json:/event_time", R"({"event_time":1,"n":{"x":1e400}})"), 1000000);
  EXPECT_EQ(Read("json:/a/b", R"({"a":{"n":123456789012345678901234567890,"b":1}})"), 1000000);
}

// ---- One reader, many records. ----

TEST(EventTimeReader, IsReusableAcrossRecordsOfAnySize) {
  EventTimeReader reader(Spec("json:/event_time"), Paris());
  const std::string big = R"({"pad":")" + std::string(100000, 'x') + R"(","event_time":2})";
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(reader.Read(kSeedRecord, kNoTimestamp), kSeedTime);
    EXPECT_EQ(reader.Read(big, kNoTimestamp), 2000000);
    EXPECT_EQ(reader.Read("{", kNoTimestamp), std::nullopt);
    EXPECT_EQ(reader.Read(ViaSlowPath(kSeedRecord), kNoTimestamp), kSeedTime);
    EXPECT_EQ(reader.Read(R"({"page":"home"})", kNoTimestamp), std::nullopt);
  }
}

TEST(EventTimeReader, CanBeMoved) {
  EventTimeReader reader(Spec("json:/a/b"), Paris());
  EXPECT_EQ(reader.Read(R"({"a":{"b":1}})", kNoTimestamp), 1000000);
  EventTimeReader moved = std::move(reader);
  EXPECT_EQ(moved.spec(), Spec("json:/a/b"));
  EXPECT_EQ(moved.Read(R"({"a":{"b":2}})", kNoTimestamp), 2000000);
  reader = std::move(moved);
  EXPECT_EQ(reader.Read(R"({"a":{"b":3}})", kNoTimestamp), 3000000);
}

// ---- Parity with the visits logic: json:/event_time is its event_time. ----

// What VisitTransformer::Parse puts into event_time_micros (nullopt when it
// rejects the record).
std::optional<int64_t> VisitEventTime(VisitTransformer& transformer, std::string_view raw) {
  Visit visit;
  if (transformer.Parse(raw, &visit)) return std::nullopt;
  return visit.event_time_micros;
}

std::vector<std::string> HandWrittenCorpus() {
  std::vector<std::string> corpus = {
      std::string(kSeedRecord),
      R"({"event_time":"2025-09-04T07:00:00"})",
      R"({"event_time":"2025-09-04T07:00:00Z"})",
      R"({"event_time":"2025-09-04T07:00:00+05:30"})",
      R"({"event_time":"2025-09-04T07:00:00 Europe/London"})",
      R"({"event_time":"2025-01-04 GMT"})",
      R"({"event_time":"2025-01-04T10:00:00GMT+01:00"})",
      R"({"event_time":"2025-03-30T02:30:00"})",  // in Paris's spring gap
      R"({"event_time":"2025-10-26T02:30:00"})",  // in Paris's autumn overlap
      R"({"event_time":""})",
      R"({"event_time":" "})",
      R"({"event_time":"T07:00:00"})",
      R"({"event_time":"+10000-01-01"})",
      R"({"event_time":1756962000})",
      R"({"event_time":-0})",
      R"({"event_time":9223372036854})",
      R"({"event_time":9223372036855})",
      R"({"event_time":-9223372036854})",
      R"({"event_time":-9223372036855})",
      R"({"event_time":9223372036854775807})",
      R"({"event_time":9223372036854775808})",
      R"({"event_time":18446744073709551616})",
      R"({"event_time":-9223372036854775809})",
      R"({"event_time":1.0})",
      R"({"event_time":1e400})",
      R"({"event_time":true})",
      R"({"event_time":null})",
      R"({"event_time":{}})",
      R"({"event_time":[]})",
      R"({"event_time":1,"event_time":"x"})",
      R"({"event_time":1,"event_time":null})",
      R"({"event_time":null,"event_time":2})",
      R"({"event_time":"2025","event_time":{"event_time":3}})",
      R"({"event\u005ftime":4})",
      R"({"Event_time":5,"event_time ":6})",
      R"({"x":{"event_time":7}})",
      R"({"n":123456789012345678901234567890,"event_time":8})",
      R"({"event_time":9,"n":123456789012345678901234567890,"event_time":"soon"})",
      R"({"event_time":123456789012345678901234567890})",
      R"({"event_time":10,"event_time":123456789012345678901234567890})",
      R"({"event_time":11,"x":1e400})",
      R"({"event_time":12,"x":-1e-400})",
      R"([{"event_time":13}])",
      R"([123456789012345678901234567890])",
      "123456789012345678901234567890",
      R"("2025-09-04")",
      "null",
      "",
      " ",
      "{",
      "}",
      R"({"event_time":14,})",
      R"({"event_time":15}})",
      R"({"event_time":16} {"event_time":17})",
      R"({"n":123456789012345678901234567890,"event_time":18} x)",
      R"({"n":123456789012345678901234567890,"event_time":19,"x":[1,2,})",
      R"({"n":123456789012345678901234567890,"event_time":20,"x":nul})",
      R"({"n":123456789012345678901234567890,"event_time":21,"x":01})",
      R"({"n":123456789012345678901234567890,"event_time":22,"x":1.})",
      R"({"n":123456789012345678901234567890,"event_time":"\ud800"})",
      "\xEF\xBB\xBF{\"event_time\":23}",
      "{\"event_time\":24,\"x\":\"\xc3\"}",
      "{\"event_time\":\"2025-09-04\xc3\xa9\"}",
      "{\"event_time\":25,\"x\":\"\x01\"}",
      " \t\r\n{\"event_time\" : 26 } \n",
  };
  for (int depth : {1022, 1023, 1024, 1025, 1026}) {
    const std::string nest =
        std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']');
    corpus.push_back(R"({"event_time":27,"x":)" + nest + "}");
    corpus.push_back(R"({"n":123456789012345678901234567890,"event_time":28,"x":)" + nest + "}");
  }
  return corpus;
}

// Random records around event_time: field orders, duplicates of mixed types,
// numbers beyond 64 bits, nested junk, and some broken ones.
class CorpusGenerator {
 public:
  explicit CorpusGenerator(uint32_t seed) : rng_(seed) {}

  std::string Record() {
    std::string r = "{";
    const int fields = Pick(0, 7);
    for (int i = 0; i < fields; ++i) {
      if (i > 0) r += Pick(0, 3) == 0 ? " , " : ",";
      r += Key();
      r += Pick(0, 3) == 0 ? " : " : ":";
      r += r.ends_with(R"("event_time":)") || r.ends_with(R"("event_time" : )") ? EventTimeValue() : Junk(2);
    }
    r += "}";
    if (Pick(0, 9) == 0) Break(&r);
    return r;
  }

 private:
  int Pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  const T& OneOf(const std::vector<T>& v) {
    return v[static_cast<size_t>(Pick(0, static_cast<int>(v.size()) - 1))];
  }

  std::string Key() {
    static const std::vector<std::string> keys = {R"("event_time")",
                                                  R"("event_time")",
                                                  R"("event_time")",
                                                  R"("event\u005ftime")",
                                                  R"("event_id")",
                                                  R"("visit_id")",
                                                  R"("page")",
                                                  R"("EVENT_TIME")",
                                                  R"("event_time ")",
                                                  R"("x")",
                                                  R"("")"};
    return OneOf(keys);
  }

  std::string EventTimeValue() {
    static const std::vector<std::string> values = {R"("2025-09-04T07:00:00.000000")",
                                                    R"("2025-09-04T07:00:00Z")",
                                                    R"("2025-09-04 07:00:00+01:00")",
                                                    R"("2025-9-4")",
                                                    R"("2025")",
                                                    R"("2025-01-04 GMT")",
                                                    R"("2025-01-04T10:00:00GMT+01:00")",
                                                    R"("2025-03-30T02:30:00")",
                                                    R"("2025-10-26T02:30:00")",
                                                    R"("soon")",
                                                    R"("")",
                                                    R"("2025-02-30")",
                                                    R"("07:00")",
                                                    R"("2025-09-04T07:00:00 UTC+3")",
                                                    R"("\u0032025-09-04")",
                                                    "1756962000",
                                                    "-1",
                                                    "0",
                                                    "-0",
                                                    "9223372036854",
                                                    "9223372036855",
                                                    "-9223372036855",
                                                    "9223372036854775807",
                                                    "9223372036854775808",
                                                    "-9223372036854775808",
                                                    "123456789012345678901234567890",
                                                    "1.5",
                                                    "1e400",
                                                    "1E2",
                                                    "-0.0",
                                                    "true",
                                                    "false",
                                                    "null",
                                                    "null",
                                                    "{}",
                                                    R"({"event_time":1})",
                                                    "[]",
                                                    R"(["2025"])"};
    if (Pick(0, 4) == 0) return std::to_string(Pick(-2000000000, 2000000000));
    return OneOf(values);
  }

  std::string Junk(int depth) {
    static const std::vector<std::string> scalars = {"1",
                                                     "-7",
                                                     "0.25",
                                                     "1e400",
                                                     "-1e-400",
                                                     "123456789012345678901234567890",
                                                     "18446744073709551615",
                                                     R"("click-1")",
                                                     R"("a\"b\\c\n")",
                                                     R"("\ud83d\ude00")",
                                                     "true",
                                                     "null",
                                                     R"("2025-09-04")"};
    switch (depth > 0 ? Pick(0, 5) : 0) {
      case 1: {
        std::string a = "[";
        for (int i = Pick(0, 3); i > 0; --i) a += Junk(depth - 1) + (i > 1 ? "," : "");
        return a + "]";
      }
      case 2: {
        std::string o = "{";
        for (int i = Pick(0, 3); i > 0; --i) o += Key() + ":" + Junk(depth - 1) + (i > 1 ? "," : "");
        return o + "}";
      }
      default:
        return OneOf(scalars);
    }
  }

  // Makes the record invalid JSON (mostly), or prefixes a BOM.
  void Break(std::string* r) {
    switch (Pick(0, 6)) {
      case 0:
        r->resize(static_cast<size_t>(Pick(0, static_cast<int>(r->size()) - 1)));
        return;
      case 1:
        r->insert(static_cast<size_t>(Pick(0, static_cast<int>(r->size()))), 1, "{}[],:\"x0\\"[Pick(0, 9)]);
        return;
      case 2:
        r->append(Pick(0, 1) ? " x" : "{}");
        return;
      case 3:
        r->insert(0, "\xEF\xBB\xBF");
        return;
      case 4:
        r->insert(r->size() - 1, R"(,"bad":"\ud800")");
        return;
      case 5:
        r->insert(r->size() - 1, ",\"bad\":\"\xc3(\"");
        return;
      default:
        r->insert(r->size() - 1, ",\"bad\":tru");
        return;
    }
  }

  std::mt19937 rng_;
};

TEST(EventTimeReader, DefaultSpecReadsWhatTheVisitsLogicReads) {
  std::vector<std::string> corpus = HandWrittenCorpus();
  CorpusGenerator generator(20250904);
  for (int i = 0; i < 5000; ++i) corpus.push_back(generator.Record());
  for (const TimeZone& zone : {Paris(), TimeZone::Utc()}) {
    VisitTransformer transformer(TransformOptions{zone, /*strict=*/false});
    EventTimeReader reader(Spec(kDefaultEventTimeSpec), zone);
    int with_time = 0, without_time = 0;
    for (const std::string& record : corpus) {
      const std::optional<int64_t> expected = VisitEventTime(transformer, record);
      EXPECT_EQ(reader.Read(record, kNoTimestamp), expected) << record;
      ++(expected ? with_time : without_time);
    }
    // The corpus exercises both outcomes in earnest.
    EXPECT_GT(with_time, 1000);
    EXPECT_GT(without_time, 1000);
  }
}

TEST(EventTimeReader, NestedPointersReadTheSameOnBothParserPaths) {
  CorpusGenerator generator(7);
  // Nested records built from the generator's records, under "a" and in arrays.
  EventTimeReader reader(Spec("json:/a/0/event_time"), Paris());
  int with_time = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string inner = generator.Record();
    const std::string record = i % 3 == 0 ? R"({"a":[)" + inner + "]}"
                               : i % 3 == 1
                                   ? R"({"a":{"0":)" + inner + R"(},"a":[)" + inner + "," + inner + "]}"
                                   : R"({"a":null,"a":{"0":)" + inner + "}}";
    const std::optional<int64_t> fast = reader.Read(record, kNoTimestamp);
    EXPECT_EQ(reader.Read(ViaSlowPath(record), kNoTimestamp), fast) << record;
    with_time += fast.has_value();
  }
  EXPECT_GT(with_time, 500);
}

TEST(Seed, EventTimeReaderReadsTheVisitsLogicsEventTime) {
  std::ifstream in(RP_SEED_DIR "/input_records.jsonl");
  ASSERT_TRUE(in);
  VisitTransformer transformer(TransformOptions{Paris(), /*strict=*/false});
  EventTimeReader reader(EventTimeSpec{}, Paris());
  int records = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++records;
    const std::optional<int64_t> expected = VisitEventTime(transformer, line);
    ASSERT_TRUE(expected) << line;
    EXPECT_EQ(reader.Read(line, kNoTimestamp), expected) << line;
  }
  EXPECT_EQ(records, 9);
}

}  // namespace
}  // namespace rp::logic
