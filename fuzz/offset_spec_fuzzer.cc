// The `reprocess` slice arguments. The input is up to five lines:
//   --starting-offsets JSON, --ending-offsets JSON, --since, --until, "START END"
// (an empty or missing line leaves that argument out). The first line is also
// parsed on its own as a Spark offsets spec.
#include <charconv>
#include <limits>
#include <string>
#include <vector>

#include "fuzz_targets.h"
#include "jobs/slice_spec.h"
#include "logic/time_zone.h"

namespace rp::fuzz {
namespace {

constexpr std::string_view kTopic = "visits";

std::string ToJson(const std::map<int32_t, int64_t>& offsets) {
  std::string out = "{\"visits\":{";
  bool first = true;
  for (const auto& [p, o] : offsets) {
    if (!first) out += ',';
    first = false;
    out += '"' + std::to_string(p) + "\":" + std::to_string(o);
  }
  return out + "}}";
}

// A spec that parses holds only partitions >= 0 and offsets >= -2, and
// printing it back gives the same spec.
void CheckOffsets(std::string_view json) {
  Result<std::map<int32_t, int64_t>> offsets = jobs::ParseSparkOffsets(json, kTopic);
  if (!offsets.ok()) {
    RP_FUZZ_CHECK(offsets.status().IsInvalidArgument(), offsets.status().ToString());
    return;
  }
  for (const auto& [p, o] : *offsets) {
    RP_FUZZ_CHECK(p >= 0 && o >= jobs::kEarliest, "input " + Printable(json));
  }
  const std::string printed = ToJson(*offsets);
  Result<std::map<int32_t, int64_t>> again = jobs::ParseSparkOffsets(printed, kTopic);
  RP_FUZZ_CHECK(again.ok() && *again == *offsets, "input " + Printable(json) + "\nprinted " + printed);
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

void CheckSlice(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; lines.size() < 5 && pos <= text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  lines.resize(5);
  jobs::SliceArgs args;
  auto opt = [](std::string_view s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); };
  args.starting_offsets = opt(lines[0]);
  args.ending_offsets = opt(lines[1]);
  args.since = opt(lines[2]);
  args.until = opt(lines[3]);
  if (const size_t space = lines[4].find(' '); space != std::string_view::npos) {
    args.start = ParseInt(lines[4].substr(0, space));
    args.end = ParseInt(lines[4].substr(space + 1));
  }

  static const auto* zone = new logic::TimeZone(*logic::TimeZone::Find("Europe/Paris"));
  Result<jobs::SliceSpec> spec = jobs::BuildSliceSpec(args, kTopic, *zone);
  if (!spec.ok()) {
    RP_FUZZ_CHECK(spec.status().IsInvalidArgument(), spec.status().ToString());
    RP_FUZZ_CHECK(spec.status().message().find('\n') == std::string::npos,
                  "not a one-line message: " + Printable(spec.status().message()));
    return;
  }
  // Every bound selects at least one offset, and the time window is not
  // empty. (No bound at all is fine: '{"visits":{}}' names the whole topic.)
  const std::string context = "input " + Printable(text);
  auto valid = [](const jobs::OffsetBounds& b) { return 0 <= b.first && b.first <= b.last; };
  if (spec->all_partitions) RP_FUZZ_CHECK(valid(*spec->all_partitions), context);
  for (const auto& [p, b] : spec->per_partition) {
    RP_FUZZ_CHECK(p >= 0 && valid(b), context);
    RP_FUZZ_CHECK(spec->BoundsFor(p).has_value() && spec->BoundsFor(p)->first == b.first, context);
  }
  if (spec->since_micros && spec->until_micros) RP_FUZZ_CHECK(*spec->since_micros < *spec->until_micros, context);
}

}  // namespace

void OffsetSpecTarget(const uint8_t* data, size_t size) {
  const std::string_view text = AsText(data, size);
  CheckOffsets(text.substr(0, text.find('\n')));
  CheckSlice(text);
}

}  // namespace rp::fuzz

RP_FUZZ_ENTRY(rp::fuzz::OffsetSpecTarget)
