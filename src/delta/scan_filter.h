// Row filters a scan understands: an OR of conjunctions of per-column ranges,
// e.g. (partition = 0 AND offset BETWEEN 3 AND 7) OR (partition = 1 AND offset >= 10).
//
// A bound filter answers three questions: can a file with these partition
// values hold a match (pruning), can a file with these stats hold one
// (skipping; missing stats always mean "maybe"), and which rows of a batch
// match (exact). Ranges never match null, as in SQL.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/file_stats.h"

namespace rp::delta {

// A bound of a range. Integer columns take integers; float columns integers or
// doubles; string columns strings; date columns days since the epoch or
// "yyyy-MM-dd"; timestamp columns microseconds since the epoch (UTC) or text
// such as "2025-09-04T07:00:00Z" (no zone: UTC).
using Literal = std::variant<int64_t, double, std::string>;

struct ColumnRange {
  std::string column;
  std::optional<Literal> lower;  // nullopt: unbounded
  bool lower_inclusive = true;
  std::optional<Literal> upper;
  bool upper_inclusive = true;

  static ColumnRange Eq(std::string column, Literal value);
  static ColumnRange Between(std::string column, Literal lower, Literal upper);  // both inclusive
  static ColumnRange Ge(std::string column, Literal value);
  static ColumnRange Gt(std::string column, Literal value);
  static ColumnRange Le(std::string column, Literal value);
  static ColumnRange Lt(std::string column, Literal value);
};

using Conjunction = std::vector<ColumnRange>;  // every range must hold

struct Filter {
  // A row matches if any conjunction holds. {{}} (the default) matches every
  // row; {} matches none.
  std::vector<Conjunction> any_of = {Conjunction{}};

  static Filter All() { return Filter{}; }
  static Filter Where(Conjunction all_of) { return Filter{{std::move(all_of)}}; }
  static Filter AnyOf(std::vector<Conjunction> any_of) { return Filter{std::move(any_of)}; }
  std::string ToString() const;
};

// A Filter checked against a table schema, ready to evaluate.
class BoundFilter {
 public:
  // Unknown columns, boolean/nested columns and literals of the wrong kind are
  // InvalidArgument.
  static Result<BoundFilter> Bind(const Filter& filter, const arrow::Schema& table_schema,
                                  const std::vector<std::string>& partition_columns);

  // False when no row of a file with these partition values can match, judged
  // by the partition-column ranges only. Unparseable values count as "maybe".
  bool MayMatchPartitions(const PartitionValues& values) const;
  // Same, also using the file's stats for the data-column ranges (nullptr: none).
  bool MayMatchFile(const PartitionValues& values, const FileStats* stats) const;

  // The names of the columns the row filter reads.
  std::vector<std::string> Columns() const;
  // The indices of the rows of `batch` that match, in order; nullptr when every
  // row matches. `batch` must hold every column of Columns() under its table
  // name with its table type (partition columns included).
  Result<std::shared_ptr<arrow::Int64Array>> SelectRows(const arrow::RecordBatch& batch) const;

  bool MatchesEverything() const;
  bool MatchesNothing() const { return any_of_.empty(); }

  struct Range;  // defined in the .cc

 private:
  std::vector<std::vector<std::shared_ptr<const Range>>> any_of_;
};

}  // namespace rp::delta
