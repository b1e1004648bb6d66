#include "seed_records.h"

#include <cstdio>

namespace rp::bench {
namespace {

const char* const kPages[] = {"home", "index", "page", "home-2", "index-2", "page-2", "contact", "about-us", "pricing"};

// 2025-09-03T00:00:00 as days since the epoch: the window is Sep 3 and 4.
constexpr int64_t kFirstDay = 20334;

void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  // Howard Hinnant's days_from_civil inverse (public domain algorithm).
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

}  // namespace

void SeedShapedRecord(int64_t index, int64_t total, std::string* key, std::string* value) {
  if (total <= 0) total = 1;
  // Even spread over the window in index order (the order of production),
  // with a per-record microsecond part so no two timestamps look alike.
  const int64_t second = index * kEventSpanSeconds / total;
  const int64_t micros = (index * 7919) % 1000000;
  int year;
  unsigned month, day;
  CivilFromDays(kFirstDay + second / 86400, &year, &month, &day);
  const int64_t in_day = second % 86400;
  const int64_t visit = index / 10 + 1;
  char buf[192];
  int len = std::snprintf(buf, sizeof buf,
                          "{\"event_id\": \"click-%lld\", \"visit_id\": %lld, \"event_time\": "
                          "\"%04d-%02u-%02uT%02lld:%02lld:%02lld.%06lld\", \"page\": \"%s\"}",
                          static_cast<long long>(index + 1), static_cast<long long>(visit), year, month, day,
                          static_cast<long long>(in_day / 3600), static_cast<long long>(in_day / 60 % 60),
                          static_cast<long long>(in_day % 60), static_cast<long long>(micros),
                          kPages[(index * 31 + visit) % 9]);
  value->assign(buf, static_cast<size_t>(len));
  *key = std::to_string(visit);
}

}  // namespace rp::bench
