// Internal zone machinery shared by TimeZone and the timestamp parser, which
// resolves a zone written in each record and must do so without allocating.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rp::logic::internal {

struct Region;  // an interned tz database zone; lives until the process ends

// A resolved zone without its display name: two words, cheap to copy.
struct ZoneRef {
  const Region* region = nullptr;  // null for a fixed offset
  int32_t fixed_offset = 0;        // seconds east of UTC when region is null
};

// Spark's DateTimeUtils.getZoneId: the pre-Spark-3 "+h:mm" / "+hh:m" fix-ups,
// then java.time ZoneId.of(id, ZoneId.SHORT_IDS). Returns false when Java
// would throw. When `name` is given it receives the ZoneId's getId().
bool ParseZoneId(std::string_view id, ZoneRef* zone, std::string* name);

// Offset from UTC in seconds at an instant (seconds since the epoch).
int32_t OffsetAt(ZoneRef zone, int64_t utc_seconds);

// Local date-time (seconds since 1970-01-01T00:00 local) to an instant, as
// java.time's ZonedDateTime.of does: a time in a gap moves forward by the gap
// length, a time in an overlap takes the earlier offset.
int64_t LocalToUtc(ZoneRef zone, int64_t local_seconds);

}  // namespace rp::logic::internal
