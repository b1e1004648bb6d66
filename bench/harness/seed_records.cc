#include "seed_records.h"

#include <cstdio>

#include "logic/time_zone.h"

namespace rp::bench {
namespace {

const char* const kPages[] = {"home", "index", "page", "home-2", "index-2", "page-2", "contact", "about-us", "pricing"};

// 2025-09-03T00:00:00Z: the window is Sep 3 and 4.
constexpr int64_t kFirstSecond = 20334LL * 86400;

}  // namespace

void SeedShapedRecord(int64_t index, int64_t total, std::string* key, std::string* value) {
  if (total <= 0) total = 1;
  // Even spread over the window in index order (the order of production),
  // with a per-record microsecond part so no two timestamps look alike.
  const int64_t second = index * kEventSpanSeconds / total;
  const logic::CivilTime t = logic::TimeZone::Utc().ToCivil((kFirstSecond + second) * 1'000'000);
  const int64_t micros = (index * 7919) % 1000000;
  const int64_t visit = index / 10 + 1;
  char buf[192];
  int len = std::snprintf(buf, sizeof buf,
                          "{\"event_id\": \"click-%lld\", \"visit_id\": %lld, \"event_time\": "
                          "\"%04lld-%02d-%02dT%02d:%02d:%02d.%06lld\", \"page\": \"%s\"}",
                          static_cast<long long>(index + 1), static_cast<long long>(visit),
                          static_cast<long long>(t.year), t.month, t.day, t.hour, t.minute, t.second,
                          static_cast<long long>(micros), kPages[(index * 31 + visit) % 9]);
  value->assign(buf, static_cast<size_t>(len));
  *key = std::to_string(visit);
}

}  // namespace rp::bench
