// Per-file statistics (PROTOCOL.md, "Per-file Statistics"): the add.stats JSON
// string {"numRecords":N,"minValues":{…},"maxValues":{…},"nullCount":{…}}
// that lets readers skip files by min/max.
//
// Written as delta-spark writes them: the first 32 data columns
// (delta.dataSkippingNumIndexedCols), partition columns excluded; min/max only
// for skipping-eligible types (integers, floats, strings, dates, timestamps),
// nullCount for every indexed column; strings cut to a 32-code-point prefix, the
// maximum extended so it stays >= every value; timestamps as UTC milliseconds
// (truncated down); no min/max for a column whose values are all null.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"

namespace rp::delta {

inline constexpr int kDefaultNumIndexedCols = 32;
inline constexpr int kDefaultStringPrefixLength = 32;

struct StatsOptions {
  int num_indexed_cols = kDefaultNumIndexedCols;  // negative: every column
  int string_prefix_length = kDefaultStringPrefixLength;
};

// The stats JSON of a data file holding exactly `data` (only the columns stored
// in the file, in file order).
Result<std::string> ComputeFileStats(const arrow::RecordBatch& data, const StatsOptions& options = {});

// The minimum as stored: the first `prefix` code points (a prefix is <= the
// value). `value` must be valid UTF-8.
std::string TruncateMinString(std::string_view value, int prefix);
// The maximum as stored: `value` itself when it has at most `prefix` code
// points, otherwise its prefix extended over any code points >= U+FFFD and then
// U+FFFD appended, which is greater than `value` in UTF-8 byte order (the rule of
// delta-spark's truncateMaxStringAgg, by code points instead of UTF-16 units).
std::string TruncateMaxString(std::string_view value, int prefix);

// A min/max as found in stats JSON: an integer, a floating point number or a
// string (dates and timestamps are strings there).
using StatValue = std::variant<int64_t, double, std::string>;

struct ColumnStats {
  std::optional<StatValue> min;
  std::optional<StatValue> max;
  std::optional<int64_t> null_count;
};

struct FileStats {
  std::optional<int64_t> num_records;
  std::map<std::string, ColumnStats, std::less<>> columns;  // top-level columns only
};

// Parses an add.stats string. Malformed JSON is Corruption; unknown keys,
// nested columns and values of other JSON types are ignored.
Result<FileStats> ParseFileStats(std::string_view json);

}  // namespace rp::delta
