// Test support: the seed scenario's files (../shared/seed/expected).
#pragma once

#include <string>
#include <vector>

namespace rp::testing {

std::string SeedPath(const std::string& name);
// The lines of input_records.jsonl.
std::vector<std::string> SeedInputRecords();
// The first column's cells of a Spark show() table file, right padding removed.
std::vector<std::string> ShowTableFirstColumn(const std::string& table_text);

}  // namespace rp::testing
