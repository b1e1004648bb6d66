// Orders the rows of a table, e.g. a scan's output by (partition, offset) for
// the read-table command.
#pragma once

#include <arrow/api.h>

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace rp::delta {

// `table` with its rows in ascending order of `keys` (integer, floating point,
// date, timestamp or string columns), nulls first as Spark orders by default;
// rows with equal keys keep their input order.
Result<std::shared_ptr<arrow::Table>> SortTable(const std::shared_ptr<arrow::Table>& table,
                                                const std::vector<std::string>& keys);

}  // namespace rp::delta
