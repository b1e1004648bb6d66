#include "logic/time_zone.h"

#include <date/tz.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include "logic/civil.h"
#include "logic/posix_tz.h"

namespace rp::logic {
namespace internal {

// Where date/tz (USE_OS_TZDB) reads the zones; we read the same files for
// their POSIX footers.
constexpr std::string_view kZoneInfoDir = "/usr/share/zoneinfo";

constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
// date::year spans ±32767; outside ±32000 years every zone has one offset
// (its LMT, or its last rule which the POSIX tail handles).
constexpr int64_t kMinQuery = DaysFromCivil(-32000, 1, 1) * kSecondsPerDay;
constexpr int64_t kMaxQuery = DaysFromCivil(32000, 1, 1) * kSecondsPerDay;
// No zone offset exceeds a day; bounds the search for local-time candidates.
constexpr int64_t kMaxOffsetSpan = kSecondsPerDay;

struct Region {
  std::string name;
  const date::time_zone* zone;
  // From tail_start on, offsets follow `tail` rather than date/tz's last period.
  std::optional<PosixTzRule> tail;
  int64_t tail_start = kMaxTime;
};

namespace {

// ---- Region registry: zones are interned so a ZoneRef is a plain pointer. ----

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

OffsetPeriod DatePeriod(const date::time_zone* zone, int64_t t) {
  t = std::clamp(t, kMinQuery, kMaxQuery);
  const date::sys_info info = zone->get_info(date::sys_seconds{std::chrono::seconds{t}});
  const int64_t begin = info.begin.time_since_epoch().count();
  const int64_t end = info.end.time_since_epoch().count();
  return {begin <= kMinQuery ? kMinTime : begin, end >= kMaxQuery ? kMaxTime : end,
          static_cast<int32_t>(info.offset.count())};
}

std::unique_ptr<Region> LoadRegion(std::string_view name) {
  // Names java.time does not know although the zoneinfo directory has them.
  if (name == "localtime" || name == "posixrules" || name == "Factory") return nullptr;
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
  auto region = std::make_unique<Region>(Region{std::string(name), zone, std::nullopt, kMaxTime});
  const OffsetPeriod last = DatePeriod(zone, kMaxQuery);
  if (last.begin != kMinTime) {
    std::string path(kZoneInfoDir);
    path += '/';
    path += name;
    if (auto contents = ReadFile(path)) {
      region->tail = PosixTzRuleFromTzif(*contents);
      if (region->tail) region->tail_start = last.begin;
    }
  }
  return region;
}

class RegionRegistry {
 public:
  const Region* Find(std::string_view name) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = regions_.find(name); it != regions_.end()) return it->second.get();
    if (unknown_.count(name) != 0) return nullptr;
    std::unique_ptr<Region> region = LoadRegion(name);
    if (!region) {
      // Bounded: ids come from records, which an adversary may vary at will.
      if (unknown_.size() < 4096) unknown_.emplace(name);
      return nullptr;
    }
    const Region* r = region.get();
    regions_.emplace(std::string(name), std::move(region));
    return r;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Region>, std::less<>> regions_;
  std::set<std::string, std::less<>> unknown_;
};

RegionRegistry& Registry() {
  static auto* registry = new RegionRegistry();  // never destroyed: Regions outlive every TimeZone
  return *registry;
}

const Region* FindRegion(std::string_view name) {
  // Records that name a zone usually name the same one again: skip the lock.
  thread_local std::string last_name;
  thread_local const Region* last_region = nullptr;
  if (last_region != nullptr && name == last_name) return last_region;
  const Region* r = Registry().Find(name);
  if (r != nullptr) {
    last_name.assign(name);
    last_region = r;
  }
  return r;
}

// ---- Offset periods with a small per-thread cache (date's get_info is slow). ----

OffsetPeriod ComputePeriod(const Region* region, int64_t t) {
  if (region->tail && t >= region->tail_start) {
    OffsetPeriod p = region->tail->PeriodAt(t);
    p.begin = std::max(p.begin, region->tail_start);
    return p;
  }
  OffsetPeriod p = DatePeriod(region->zone, t);
  p.end = std::min(p.end, region->tail_start);
  return p;
}

OffsetPeriod PeriodAt(const Region* region, int64_t t) {
  struct Entry {
    const Region* region = nullptr;
    OffsetPeriod period{};
  };
  // Two entries: resolving a local time near a transition touches the
  // periods on both sides of it.
  thread_local std::array<Entry, 2> cache;
  thread_local size_t next_victim = 0;
  for (const Entry& e : cache) {
    if (e.region == region && e.period.begin <= t && t < e.period.end) return e.period;
  }
  const OffsetPeriod p = ComputePeriod(region, t);
  cache[next_victim] = {region, p};
  next_victim ^= 1;
  return p;
}

// ---- Spark's getZoneId / java.time ZoneId.of. ----

// ZoneOffset.of: ±h, ±hh, ±hhmm, ±hh:mm, ±hhmmss, ±hh:mm:ss; at most ±18:00.
std::optional<int32_t> ParseZoneOffset(std::string_view s) {
  if (s == "Z") return 0;
  auto two = [&s](size_t pos, int* out) {
    if (pos + 1 >= s.size() || s[pos] < '0' || s[pos] > '9' || s[pos + 1] < '0' || s[pos + 1] > '9') return false;
    *out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
    return true;
  };
  int h = 0, m = 0, sec = 0;
  bool ok = false;
  switch (s.size()) {
    case 2:
      ok = s[1] >= '0' && s[1] <= '9';
      h = s[1] - '0';
      break;
    case 3:
      ok = two(1, &h);
      break;
    case 5:
      ok = two(1, &h) && two(3, &m);
      break;
    case 6:
      ok = two(1, &h) && s[3] == ':' && two(4, &m);
      break;
    case 7:
      ok = two(1, &h) && two(3, &m) && two(5, &sec);
      break;
    case 9:
      ok = two(1, &h) && s[3] == ':' && two(4, &m) && s[6] == ':' && two(7, &sec);
      break;
    default:
      return std::nullopt;
  }
  if (!ok || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  if (h > 18 || m > 59 || sec > 59) return std::nullopt;
  const int32_t total = h * 3600 + m * 60 + sec;
  if (total > 18 * 3600) return std::nullopt;
  return s[0] == '-' ? -total : total;
}

// ZoneOffset.getId(): "Z", "+02:00", "-05:30:15".
void AppendOffsetId(int32_t offset, std::string* out) {
  if (offset == 0) {
    out->push_back('Z');
    return;
  }
  const int32_t a = offset < 0 ? -offset : offset;
  const int h = a / 3600, m = a / 60 % 60, s = a % 60;
  char buf[10] = {offset < 0 ? '-' : '+', char('0' + h / 10), char('0' + h % 10), ':', char('0' + m / 10),
                  char('0' + m % 10), ':', char('0' + s / 10), char('0' + s % 10)};
  out->append(buf, s != 0 ? 9 : 6);
}

// ZoneRegion.checkName: [A-Za-z][A-Za-z0-9~/._+-]+
bool IsRegionIdSyntax(std::string_view id) {
  if (id.size() < 2) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!alpha(id[0])) return false;
  for (char c : id.substr(1)) {
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '~' && c != '/' && c != '.' && c != '_' && c != '+' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

// java.time.ZoneId.SHORT_IDS.
std::string_view ShortIdAlias(std::string_view id) {
  static constexpr std::pair<std::string_view, std::string_view> kShortIds[] = {
      {"ACT", "Australia/Darwin"},
      {"AET", "Australia/Sydney"},
      {"AGT", "America/Argentina/Buenos_Aires"},
      {"ART", "Africa/Cairo"},
      {"AST", "America/Anchorage"},
      {"BET", "America/Sao_Paulo"},
      {"BST", "Asia/Dhaka"},
      {"CAT", "Africa/Harare"},
      {"CNT", "America/St_Johns"},
      {"CST", "America/Chicago"},
      {"CTT", "Asia/Shanghai"},
      {"EAT", "Africa/Addis_Ababa"},
      {"ECT", "Europe/Paris"},
      {"EST", "-05:00"},
      {"HST", "-10:00"},
      {"IET", "America/Indiana/Indianapolis"},
      {"IST", "Asia/Kolkata"},
      {"JST", "Asia/Tokyo"},
      {"MIT", "Pacific/Apia"},
      {"MST", "-07:00"},
      {"NET", "Asia/Yerevan"},
      {"NST", "Pacific/Auckland"},
      {"PLT", "Asia/Karachi"},
      {"PNT", "America/Phoenix"},
      {"PRT", "America/Puerto_Rico"},
      {"PST", "America/Los_Angeles"},
      {"SST", "Pacific/Guadalcanal"},
      {"VST", "Asia/Ho_Chi_Minh"},
  };
  if (id.size() != 3) return id;
  for (const auto& [from, to] : kShortIds) {
    if (from == id) return to;
  }
  return id;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool ParseZoneId(std::string_view raw, ZoneRef* zone, std::string* name) {
  // Tz ids are at most ~32 characters; anything much longer cannot be valid,
  // and the bound lets the fix-ups below work in a stack buffer.
  std::array<char, 72> buf;
  if (raw.size() > buf.size() - 2) return false;
  size_t n = raw.size();
  std::copy(raw.begin(), raw.end(), buf.begin());
  // Spark's singleHourTz "(\+|\-)(\d):" -> "$10$2:", first match anywhere.
  for (size_t i = 0; i + 2 < n; ++i) {
    if ((buf[i] == '+' || buf[i] == '-') && IsDigit(buf[i + 1]) && buf[i + 2] == ':') {
      std::copy_backward(buf.begin() + i + 1, buf.begin() + n, buf.begin() + n + 1);
      buf[i + 1] = '0';
      ++n;
      break;
    }
  }
  // singleMinuteTz "(\+|\-)(\d\d):(\d)$" -> "$1$2:0$3".
  if (n >= 5 && (buf[n - 5] == '+' || buf[n - 5] == '-') && IsDigit(buf[n - 4]) && IsDigit(buf[n - 3]) &&
      buf[n - 2] == ':' && IsDigit(buf[n - 1])) {
    buf[n] = buf[n - 1];
    buf[n - 1] = '0';
    ++n;
  }
  const std::string_view id = ShortIdAlias(std::string_view(buf.data(), n));

  auto set_fixed = [&](std::string_view prefix, int32_t offset) {
    *zone = ZoneRef{nullptr, offset};
    if (name != nullptr) {
      name->assign(prefix);
      if (prefix.empty() || offset != 0) AppendOffsetId(offset, name);
    }
    return true;
  };
  auto set_region = [&](std::string_view region_id) {
    if (!IsRegionIdSyntax(region_id)) return false;
    const Region* region = FindRegion(region_id);
    if (region == nullptr) return false;
    *zone = ZoneRef{region, 0};
    if (name != nullptr) name->assign(region_id);
    return true;
  };

  if (id.size() <= 1 || id[0] == '+' || id[0] == '-') {
    const std::optional<int32_t> offset = ParseZoneOffset(id);
    return offset && set_fixed("", *offset);
  }
  size_t prefix = 0;
  if (id.substr(0, 3) == "UTC" || id.substr(0, 3) == "GMT") prefix = 3;
  else if (id.substr(0, 2) == "UT") prefix = 2;
  if (prefix != 0) {
    // "UTC", "GMT", "UT" are fixed zones that keep their own id.
    if (id.size() == prefix) return set_fixed(id, 0);
    if (id[prefix] == '+' || id[prefix] == '-') {
      const std::optional<int32_t> offset = ParseZoneOffset(id.substr(prefix));
      return offset && set_fixed(id.substr(0, prefix), *offset);
    }
  }
  return set_region(id);
}

int32_t OffsetAt(ZoneRef zone, int64_t utc_seconds) {
  if (zone.region == nullptr) return zone.fixed_offset;
  return PeriodAt(zone.region, utc_seconds).offset;
}

int64_t LocalToUtc(ZoneRef zone, int64_t local) {
  if (zone.region == nullptr) return local - zone.fixed_offset;
  // Walk the periods that can hold an instant for `local` (offsets are within
  // a day), earliest first. The first period that contains local - offset is
  // the answer, which picks the earlier offset in an overlap. If `local` falls
  // in the gap at the end of a period, java.time shifts it forward by the gap
  // and uses the offset after it: the same instant as local - offset_before.
  OffsetPeriod p = PeriodAt(zone.region, local - kMaxOffsetSpan);
  while (true) {
    const int64_t candidate = local - p.offset;
    if (p.begin <= candidate && candidate < p.end) return candidate;
    if (p.end == kMaxTime || p.end > local + kMaxOffsetSpan) return candidate;
    const OffsetPeriod next = PeriodAt(zone.region, p.end);
    if (p.end + p.offset <= local && local < p.end + next.offset) return candidate;
    p = next;
  }
}

}  // namespace internal

Result<TimeZone> TimeZone::Find(std::string_view id) {
  internal::ZoneRef ref;
  std::string name;
  if (!internal::ParseZoneId(id, &ref, &name)) {
    std::string msg = "unknown time zone '";
    msg.append(id);
    msg += "': expected a region id such as Europe/Paris, UTC, Z, or an offset such as +02:00 or UTC+1";
    return Status::InvalidArgument(std::move(msg));
  }
  return TimeZone(std::move(name), ref);
}

TimeZone TimeZone::Utc() { return TimeZone(); }

TimeZone TimeZone::Local() {
  // Like the JVM: TZ first (":" and "posix/" prefixes dropped), then the
  // target of the /etc/localtime link.
  auto zoneinfo_relative = [](std::string_view path) {
    const std::string_view marker = "zoneinfo/";
    const size_t pos = path.rfind(marker);
    return pos == std::string_view::npos ? path : path.substr(pos + marker.size());
  };
  if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
    std::string_view id = tz;
    if (id.front() == ':') id.remove_prefix(1);
    if (id.substr(0, 6) == "posix/") id.remove_prefix(6);
    if (!id.empty() && id.front() == '/') id = zoneinfo_relative(id);
    if (auto zone = Find(id); zone.ok()) return std::move(zone).value();
  }
  std::array<char, 4096> target;
  const ssize_t len = ::readlink("/etc/localtime", target.data(), target.size() - 1);
  if (len > 0) {
    if (auto zone = Find(zoneinfo_relative(std::string_view(target.data(), static_cast<size_t>(len))));
        zone.ok()) {
      return std::move(zone).value();
    }
  }
  return Utc();
}

int64_t TimeZone::OffsetAt(int64_t epoch_micros) const {
  return internal::OffsetAt(ref_, internal::FloorDiv(epoch_micros, internal::kMicrosPerSecond));
}

CivilTime TimeZone::ToCivil(int64_t epoch_micros) const {
  using internal::kSecondsPerDay;
  const int64_t seconds = internal::FloorDiv(epoch_micros, internal::kMicrosPerSecond);
  const int64_t local = seconds + internal::OffsetAt(ref_, seconds);
  const int64_t days = internal::FloorDiv(local, kSecondsPerDay);
  const int64_t second_of_day = local - days * kSecondsPerDay;
  const internal::CivilDate date = internal::CivilFromDays(days);
  return CivilTime{date.year,
                   date.month,
                   date.day,
                   static_cast<int>(second_of_day / 3600),
                   static_cast<int>(second_of_day / 60 % 60),
                   static_cast<int>(second_of_day % 60),
                   internal::FloorMod(epoch_micros, internal::kMicrosPerSecond)};
}

int64_t TimeZone::FromCivil(const CivilTime& local) const {
  // Years this far out are beyond the microsecond range anyway (and would
  // overflow the day arithmetic).
  constexpr int64_t kMaxYear = 1000000000;
  if (local.year > kMaxYear) return std::numeric_limits<int64_t>::max();
  if (local.year < -kMaxYear) return std::numeric_limits<int64_t>::min();
  const int64_t local_seconds = internal::DaysFromCivil(local.year, local.month, local.day) * internal::kSecondsPerDay +
                                local.hour * 3600 + local.minute * 60 + local.second;
  const int64_t utc = internal::LocalToUtc(ref_, local_seconds);
  // Saturate rather than wrap for instants beyond the int64 microsecond range.
  const __int128 micros = static_cast<__int128>(utc) * internal::kMicrosPerSecond + local.micros;
  if (micros > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (micros < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(micros);
}

}  // namespace rp::logic
