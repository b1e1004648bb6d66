// The Delta table properties (metaData.configuration) that decide what
// maintenance may delete, read the way delta-spark reads them
// (DeltaConfigs.scala): a bad value is an error naming the property, never a
// silent fallback, because guessing a retention could delete what a reader
// still needs.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "delta/actions.h"

namespace rp::delta {

// A Delta interval property in milliseconds, as DeltaConfigs.parseCalendarInterval
// accepts it for these properties: an optional "interval" keyword, then one
// or more "<integer> <unit>" pairs, case-insensitive, with units week, day,
// hour, minute, second, millisecond or microsecond, singular or plural
// ("interval 7 days", "1 week", "INTERVAL 1 day 12 hours"). Months and
// years are refused (Delta refuses them: their length varies), and so is a
// negative total. Fractional numbers are not accepted (Spark takes
// "1.5 seconds"; nobody writes retentions that way). Microseconds are
// truncated to whole milliseconds, as DeltaConfigs.getMilliSeconds does.
// InvalidArgument on anything else.
Result<int64_t> ParseIntervalMs(std::string_view text);

// delta.deletedFileRetentionDuration: how long a removed data file must stay
// on disk for readers of older versions (default "interval 1 week").
inline constexpr std::string_view kDeletedFileRetentionProperty = "delta.deletedFileRetentionDuration";
// delta.logRetentionDuration: how long log history stays readable (time
// travel) before metadata cleanup may delete it (default "interval 30 days").
inline constexpr std::string_view kLogRetentionProperty = "delta.logRetentionDuration";
// delta.enableExpiredLogCleanup: whether writers run metadata cleanup after a
// checkpoint (default true).
inline constexpr std::string_view kEnableExpiredLogCleanupProperty = "delta.enableExpiredLogCleanup";

// reprocessor.exactLogRetention (ours; default false): metadata cleanup cuts
// at exactly now - delta.logRetentionDuration instead of the protocol's
// midnight UTC before it. Raw tables set it: at a commit per 500 ms the day
// the protocol's rule keeps on top of the retention is most of their log.
// Other engines ignore it and cut at midnight, which keeps more, never less.
inline constexpr std::string_view kExactLogRetentionProperty = "reprocessor.exactLogRetention";

inline constexpr int64_t kDefaultDeletedFileRetentionMs = 7LL * 24 * 3600 * 1000;
inline constexpr int64_t kDefaultLogRetentionMs = 30LL * 24 * 3600 * 1000;

// The property's value, or its default when unset. InvalidArgument naming the
// property and its value when it does not parse.
Result<int64_t> DeletedFileRetentionMs(const Metadata& metadata);
Result<int64_t> LogRetentionMs(const Metadata& metadata);
// "true"/"false" in any case, as Scala's String.toBoolean reads it.
Result<bool> ExpiredLogCleanupEnabled(const Metadata& metadata);
Result<bool> ExactLogRetention(const Metadata& metadata);

}  // namespace rp::delta
