// TimeZone: the zone in which timestamps without an explicit zone are read,
// and in which output timestamps and table partitions are expressed
// (Spark's spark.sql.session.timeZone).
//
// Rules come from the OS tz database through date/tz, extended past its last
// listed transition (2037 in Debian's files) with the zone's POSIX rule, as
// java.time extends its own. A JVM uses its bundled tzdb, so zones whose
// rules changed recently may differ until both databases agree. A TimeZone
// is immutable and may be shared between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "logic/zone_rules.h"

namespace rp::logic {

// Local civil time split into fields; used for table partition values.
struct CivilTime {
  int64_t year;
  int month, day, hour, minute, second;
  int64_t micros;  // 0..999999
};

class TimeZone {
 public:
  TimeZone() = default;  // UTC
  // Region ids ("Europe/Paris"), "UTC"/"Z", fixed offsets ("+02:00", "-05", "UTC+1").
  // Accepts exactly what Spark's spark.sql.session.timeZone accepts (getZoneId),
  // including Java's short ids ("PST", "EST") and the old "+h:mm" form.
  static Result<TimeZone> Find(std::string_view id);
  // The machine's local zone (TZ, then /etc/localtime), falling back to UTC.
  static TimeZone Local();
  static TimeZone Utc();

  // java.time's ZoneId.getId(): "Europe/Paris", "Z", "+02:00", "UTC+01:00".
  const std::string& name() const { return name_; }
  // Offset from UTC in seconds at the given instant (micros since epoch).
  int64_t OffsetAt(int64_t epoch_micros) const;
  CivilTime ToCivil(int64_t epoch_micros) const;
  // Local date-time to instant, resolving DST as java.time does: in a gap the
  // time moves forward by the gap length; in an overlap the earlier offset wins.
  int64_t FromCivil(const CivilTime& local) const;

  // For the logic layer's own hot paths (see zone_rules.h).
  internal::ZoneRef ref() const { return ref_; }

 private:
  TimeZone(std::string name, internal::ZoneRef ref) : name_(std::move(name)), ref_(ref) {}

  std::string name_ = "UTC";
  internal::ZoneRef ref_;  // a region (date::time_zone plus its POSIX tail rule) or a fixed offset
};

}  // namespace rp::logic
