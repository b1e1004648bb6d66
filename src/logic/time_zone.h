// TimeZone: the zone in which timestamps without an explicit zone are read,
// and in which output timestamps and table partitions are expressed
// (Spark's spark.sql.session.timeZone).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace date { class time_zone; }

namespace rp::logic {

// Local civil time split into fields; used for table partition values.
struct CivilTime {
  int64_t year;
  int month, day, hour, minute, second;
  int64_t micros;  // 0..999999
};

class TimeZone {
 public:
  // Region ids ("Europe/Paris"), "UTC"/"Z", fixed offsets ("+02:00", "-05", "UTC+1").
  static Result<TimeZone> Find(std::string_view id);
  // The machine's local zone (TZ, then /etc/localtime), falling back to UTC.
  static TimeZone Local();
  static TimeZone Utc();

  const std::string& name() const { return name_; }
  // Offset from UTC in seconds at the given instant (micros since epoch).
  int64_t OffsetAt(int64_t epoch_micros) const;
  CivilTime ToCivil(int64_t epoch_micros) const;
  // Local date-time to instant, resolving DST as java.time does: in a gap the
  // time moves forward by the gap length; in an overlap the earlier offset wins.
  int64_t FromCivil(const CivilTime& local) const;

 private:
  std::string name_;
  const date::time_zone* region_ = nullptr;  // null for a fixed offset
  int64_t fixed_offset_seconds_ = 0;
};

}  // namespace rp::logic
