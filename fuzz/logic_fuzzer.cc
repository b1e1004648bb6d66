// The record transform and the timestamp / time-zone parsers it uses. Every
// input is tried as a Kafka value, as a timestamp string and as a zone id.
#include <simdjson.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_targets.h"
#include "logic/spark_timestamp.h"
#include "logic/time_zone.h"
#include "logic/visit_transform.h"

namespace rp::fuzz {
namespace {

using logic::TimeZone;

// Zones with DST (both directions), a half-hour and a 45-minute offset, and
// pre-1900 LMT offsets with seconds.
const std::vector<TimeZone>& Zones() {
  static const auto* zones = [] {
    auto* z = new std::vector<TimeZone>;
    for (const char* id : {"UTC", "Europe/Paris", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe"}) {
      Result<TimeZone> zone = TimeZone::Find(id);
      if (!zone.ok()) Fail(__FILE__, __LINE__, "TimeZone::Find", id);
      z->push_back(*zone);
    }
    return z;
  }();
  return *zones;
}

int64_t FloorToMillis(int64_t micros) {
  int64_t q = micros / 1000;
  if (micros % 1000 < 0) --q;
  return q * 1000;
}

std::string Describe(std::string_view raw, const std::string& out) {
  return "input " + Printable(raw) + "\noutput " + Printable(out);
}

// A successful output: one compact JSON object of valid UTF-8 whose fields,
// in schema order, are exactly the parsed visit's non-null fields.
void CheckOutput(std::string_view raw, const std::string& out, const logic::Visit& visit, const TimeZone& zone) {
  RP_FUZZ_CHECK(simdjson::validate_utf8(out.data(), out.size()), Describe(raw, out));
  static simdjson::dom::parser parser;
  simdjson::dom::object obj;
  RP_FUZZ_CHECK(parser.parse(out).get_object().get(obj) == simdjson::SUCCESS, Describe(raw, out));
  static constexpr std::array<std::string_view, 4> kOrder = {"event_identifier", "visit_identifier", "event_time",
                                                             "visited_page"};
  size_t next = 0;
  size_t seen = 0;
  for (auto [key, value] : obj) {
    while (next < kOrder.size() && kOrder[next] != key) ++next;
    RP_FUZZ_CHECK(next < kOrder.size(), "unexpected or out-of-order key " + std::string(key) + "\n" + Describe(raw, out));
    ++seen;
    std::string_view s;
    int64_t n = 0;
    switch (next) {
      case 0:
        RP_FUZZ_CHECK(value.get_string().get(s) == simdjson::SUCCESS && visit.event_id && s == *visit.event_id,
                      Describe(raw, out));
        break;
      case 1:
        RP_FUZZ_CHECK(value.get_int64().get(n) == simdjson::SUCCESS && visit.visit_id == n, Describe(raw, out));
        break;
      case 2: {
        RP_FUZZ_CHECK(value.get_string().get(s) == simdjson::SUCCESS && visit.event_time_micros, Describe(raw, out));
        // The printed time (millisecond precision, explicit offset) reads back
        // as the same instant, truncated to the millisecond.
        const std::optional<int64_t> back = logic::ParseSparkTimestamp(s, zone);
        RP_FUZZ_CHECK(back == FloorToMillis(*visit.event_time_micros), Describe(raw, out));
        break;
      }
      case 3:
        RP_FUZZ_CHECK(value.get_string().get(s) == simdjson::SUCCESS && visit.page && s == *visit.page,
                      Describe(raw, out));
        break;
    }
    ++next;
  }
  const size_t expected = size_t{visit.event_id.has_value()} + visit.visit_id.has_value() +
                          visit.event_time_micros.has_value() + visit.page.has_value();
  RP_FUZZ_CHECK(seen == expected, Describe(raw, out));
}

// A rejection's detail goes into a DLQ header and the logs: one line of valid UTF-8.
void CheckRejection(std::string_view raw, const std::optional<logic::Rejection>& r) {
  if (!r) return;
  RP_FUZZ_CHECK(!r->detail.empty() && r->detail.find('\n') == std::string::npos &&
                    simdjson::validate_utf8(r->detail.data(), r->detail.size()),
                "input " + Printable(raw) + "\ndetail " + Printable(r->detail));
}

struct Transformers {
  TimeZone zone;
  logic::VisitTransformer lenient;
  logic::VisitTransformer strict;
  explicit Transformers(const TimeZone& z)
      : zone(z), lenient(logic::TransformOptions{z, false}), strict(logic::TransformOptions{z, true}) {}
};

void CheckTransform(std::string_view raw, Transformers* t) {
  std::string out;
  const std::optional<logic::Rejection> rejected = t->lenient.Transform(raw, &out);

  // Parse + Render is Transform in two steps.
  logic::Visit visit;
  const std::optional<logic::Rejection> parse_rejected = t->lenient.Parse(raw, &visit);
  RP_FUZZ_CHECK(rejected.has_value() == parse_rejected.has_value(), Describe(raw, out));
  if (rejected) {
    RP_FUZZ_CHECK(rejected->reason == parse_rejected->reason, Describe(raw, out));
    RP_FUZZ_CHECK(rejected->reason != logic::RejectReason::kIncomplete, "lenient mode rejected a field\n" +
                                                                           Describe(raw, out));
  } else {
    std::string rendered;
    t->lenient.Render(visit, &rendered);
    RP_FUZZ_CHECK(rendered == out, Describe(raw, out) + "\nrendered " + Printable(rendered));
    CheckOutput(raw, out, visit, t->zone);
  }

  // Reusing a transformer does not change its answer.
  std::string again;
  const std::optional<logic::Rejection> rejected_again = t->lenient.Transform(raw, &again);
  RP_FUZZ_CHECK(rejected.has_value() == rejected_again.has_value() && (rejected || again == out),
                Describe(raw, out) + "\nsecond output " + Printable(again));

  // JSON whitespace around the value changes nothing (it also sends a record
  // that takes the simdjson DOM path through the same checks padded).
  std::string padded_raw = " " + std::string(raw) + "\n";
  std::string padded_out;
  const std::optional<logic::Rejection> padded_rejected = t->lenient.Transform(padded_raw, &padded_out);
  // (A leading byte order mark is rejected before UTF-8 is checked; behind a
  // space it is just invalid JSON, or invalid UTF-8 if more is wrong.)
  const bool bom = raw.substr(0, 3) == "\xEF\xBB\xBF";
  RP_FUZZ_CHECK(rejected.has_value() == padded_rejected.has_value() &&
                    (rejected ? bom || rejected->reason == padded_rejected->reason : padded_out == out),
                Describe(raw, out) + "\npadded output " + Printable(padded_out) + " rejected " +
                    (padded_rejected ? padded_rejected->detail : "no"));

  // Strict mode accepts a subset, with the same output; it rejects for the
  // same record-level reason, or because a field is incomplete.
  std::string strict_out;
  const std::optional<logic::Rejection> strict_rejected = t->strict.Transform(raw, &strict_out);
  CheckRejection(raw, rejected);
  CheckRejection(raw, strict_rejected);
  if (!strict_rejected) {
    RP_FUZZ_CHECK(!rejected && strict_out == out, Describe(raw, out) + "\nstrict output " + Printable(strict_out));
  } else if (rejected) {
    RP_FUZZ_CHECK(strict_rejected->reason == rejected->reason, Describe(raw, out));
  } else {
    RP_FUZZ_CHECK(strict_rejected->reason == logic::RejectReason::kIncomplete, Describe(raw, out));
  }
}

void CheckTimestamp(std::string_view text, const TimeZone& zone) {
  const std::optional<int64_t> t = logic::ParseSparkTimestamp(text, zone);
  // Leading white space is trimmed; it also forces the general parser, so
  // this compares the fast path for the common shape with the general one.
  const std::optional<int64_t> spaced = logic::ParseSparkTimestamp(" " + std::string(text), zone);
  RP_FUZZ_CHECK(spaced == t, "input " + Printable(text) + " in " + zone.name() + ": " +
                                 (t ? std::to_string(*t) : "null") + ", with a leading space " +
                                 (spaced ? std::to_string(*spaced) : "null"));
  if (!t) return;
  const std::string context = "input " + Printable(text) + " in " + zone.name() + " = " + std::to_string(*t);
  // Format then parse: the same instant at millisecond precision.
  const std::string printed = logic::FormatSparkTimestamp(*t, zone);
  const std::optional<int64_t> back = logic::ParseSparkTimestamp(printed, zone);
  RP_FUZZ_CHECK(back == FloorToMillis(*t), context + "\nprinted " + printed);
  // Civil fields and back: the same local time, at the instant itself or, in
  // an overlap, the earlier one (java.time's choice).
  const logic::CivilTime civil = zone.ToCivil(*t);
  const int64_t resolved = zone.FromCivil(civil);
  const logic::CivilTime civil_again = zone.ToCivil(resolved);
  RP_FUZZ_CHECK(resolved <= *t && *t - resolved <= int64_t{86400} * 1000000, context + " -> " + std::to_string(resolved));
  RP_FUZZ_CHECK(civil_again.year == civil.year && civil_again.month == civil.month && civil_again.day == civil.day &&
                    civil_again.hour == civil.hour && civil_again.minute == civil.minute &&
                    civil_again.second == civil.second && civil_again.micros == civil.micros,
                context + " -> " + std::to_string(resolved));
}

void CheckZoneId(std::string_view id) {
  Result<TimeZone> zone = TimeZone::Find(id);
  if (!zone.ok()) return;
  // The canonical name finds the same zone again.
  Result<TimeZone> again = TimeZone::Find(zone->name());
  RP_FUZZ_CHECK(again.ok() && again->name() == zone->name(), "input " + Printable(id) + " named " + zone->name());
  for (int64_t t : {int64_t{0}, int64_t{1756969200000000}, int64_t{-2208988800000000}, int64_t{4102444800000000}}) {
    RP_FUZZ_CHECK(again->OffsetAt(t) == zone->OffsetAt(t), "input " + Printable(id) + " at " + std::to_string(t));
  }
}

}  // namespace

void LogicTarget(const uint8_t* data, size_t size) {
  static auto* transformers = [] {
    auto* t = new std::vector<Transformers>;
    for (const TimeZone& z : {Zones()[1], Zones()[2]}) t->emplace_back(z);
    return t;
  }();
  const std::string_view text = AsText(data, size);
  for (Transformers& t : *transformers) CheckTransform(text, &t);
  // Timestamps and zone ids are short; longer inputs only cost time here.
  if (size <= 128) {
    for (const TimeZone& zone : Zones()) CheckTimestamp(text, zone);
    CheckZoneId(text);
  }
}

}  // namespace rp::fuzz

RP_FUZZ_ENTRY(rp::fuzz::LogicTarget)
