#include "cli/show_table.h"

#include <algorithm>
#include <cstdint>

namespace rp::cli {
namespace {

// Decodes one UTF-8 code point at s[i]; invalid bytes count as one code point each.
uint32_t NextCodePoint(const std::string& s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (*i + len > s.size()) len = 1;
  uint32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  *i += len;
  return cp;
}

// The ranges Spark's Utils.stringHalfWidth treats as full width.
bool IsFullWidth(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6);
}

}  // namespace

size_t DisplayWidth(const std::string& utf8) {
  size_t width = 0;
  for (size_t i = 0; i < utf8.size();) width += IsFullWidth(NextCodePoint(utf8, &i)) ? 2 : 1;
  return width;
}

std::string EscapeShowCell(const std::string& cell) {
  if (cell.find_first_of("\n\r\t\f\b\v\a") == std::string::npos) return cell;
  std::string out;
  out.reserve(cell.size() + 8);
  for (char c : cell) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\f': out += "\\f"; break;
      case '\b': out += "\\b"; break;
      case '\v': out += "\\v"; break;
      case '\a': out += "\\a"; break;
      default: out += c;
    }
  }
  return out;
}

void ShowTable(const std::vector<std::string>& header, const std::vector<std::vector<Cell>>& rows,
               std::ostream& out) {
  const size_t n = header.size();
  std::vector<std::vector<std::string>> text(rows.size());
  std::vector<size_t> width(n, 3);
  for (size_t c = 0; c < n; ++c) width[c] = std::max(width[c], DisplayWidth(header[c]));
  for (size_t r = 0; r < rows.size(); ++r) {
    text[r].reserve(n);
    for (size_t c = 0; c < n; ++c) {
      const Cell& cell = c < rows[r].size() ? rows[r][c] : Cell();
      text[r].push_back(cell ? EscapeShowCell(*cell) : "NULL");
      width[c] = std::max(width[c], DisplayWidth(text[r].back()));
    }
  }
  std::string sep = "+";
  for (size_t c = 0; c < n; ++c) sep += std::string(width[c], '-') + "+";
  auto line = [&](const std::vector<std::string>& cells) {
    out << '|';
    for (size_t c = 0; c < n; ++c) out << cells[c] << std::string(width[c] - DisplayWidth(cells[c]), ' ') << '|';
    out << '\n';
  };
  out << sep << '\n';
  line(header);
  out << sep << '\n';
  for (const auto& row : text) line(row);
  out << sep << '\n';
}

}  // namespace rp::cli
