// Prints rows the way Spark's Dataset.show(truncate = false) does, so our
// tools' output can be compared with the seed's expected files byte for byte.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace rp::cli {

using Cell = std::optional<std::string>;  // nullopt prints as NULL

// Header, separator, rows, separator: cells left-aligned and right-padded to
// max(3, widest cell or header), measured in display width.
void ShowTable(const std::vector<std::string>& header, const std::vector<std::vector<Cell>>& rows,
               std::ostream& out);

// Spark's show escapes control characters in cells (\n -> "\\n", …).
std::string EscapeShowCell(const std::string& cell);

// Display width as Spark measures it: code points, with East Asian full-width
// characters counting twice.
size_t DisplayWidth(const std::string& utf8);

}  // namespace rp::cli
