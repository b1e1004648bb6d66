#include "support/seed.h"

#include <sstream>

#include "support/process.h"

namespace rp::testing {

std::string SeedPath(const std::string& name) { return std::string(RP_SEED_DIR) + "/" + name; }

std::vector<std::string> SeedInputRecords() {
  std::vector<std::string> lines;
  std::istringstream in(ReadFile(SeedPath("input_records.jsonl")));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> ShowTableFirstColumn(const std::string& table_text) {
  std::vector<std::string> cells;
  std::istringstream in(table_text);
  bool header_seen = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '|') continue;
    if (!header_seen) {
      header_seen = true;
      continue;
    }
    std::string cell = line.substr(1, line.find('|', 1) - 1);
    cell.erase(cell.find_last_not_of(' ') + 1);
    cells.push_back(cell);
  }
  return cells;
}

}  // namespace rp::testing
