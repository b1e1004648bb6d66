#include "delta/partition_path.h"

#include <array>

#include "common/utf8.h"

namespace rp::delta {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

constexpr std::array<bool, 256> HiveEscapedBytes() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t[0x7F] = true;
  for (char c : std::string_view("\"#%'*/:=?\\{[]^")) t[static_cast<uint8_t>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kHiveEscaped = HiveEscapedBytes();

constexpr std::array<bool, 256> UriPlainBytes() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : std::string_view("-._~/=")) t[static_cast<uint8_t>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kUriPlain = UriPlainBytes();

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendEscaped(std::string* out, uint8_t byte) {
  out->push_back('%');
  out->push_back(kHex[byte >> 4]);
  out->push_back(kHex[byte & 0xF]);
}

// Shared by both decoders: %XX -> byte, everything else kept.
Result<std::string> PercentDecode(std::string_view text, const char* what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\0') return Status::Corruption(std::string(what) + ": NUL byte");
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (text.size() - i < 3) {
      return Status::Corruption(std::string(what) + ": truncated %-escape at byte " + std::to_string(i));
    }
    int h = HexValue(text[i + 1]);
    int l = HexValue(text[i + 2]);
    if (h < 0 || l < 0) {
      return Status::Corruption(std::string(what) + ": bad %-escape at byte " + std::to_string(i));
    }
    char decoded = static_cast<char>((h << 4) | l);
    if (decoded == '\0') return Status::Corruption(std::string(what) + ": encoded NUL byte");
    out.push_back(decoded);
    i += 2;
  }
  if (!IsValidUtf8(out)) return Status::Corruption(std::string(what) + ": not valid UTF-8 once decoded");
  return out;
}

}  // namespace

std::string HiveEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<uint8_t>(c);
    if (kHiveEscaped[byte]) {
      AppendEscaped(&out, byte);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::string> HiveUnescape(std::string_view text) { return PercentDecode(text, "partition directory"); }

std::string PartitionSegment(std::string_view column, const std::optional<std::string>& value) {
  std::string out = HiveEscape(column);
  out.push_back('=');
  if (!value || value->empty()) {
    out.append(kHiveDefaultPartition);
  } else {
    out.append(HiveEscape(*value));
  }
  return out;
}

Result<ParsedSegment> ParsePartitionSegment(std::string_view segment) {
  size_t eq = segment.find('=');
  if (eq == std::string_view::npos) {
    return Status::Corruption("partition directory without '=': " + HiveEscape(segment));
  }
  if (eq == 0) return Status::Corruption("partition directory without a column name");
  if (eq + 1 == segment.size()) {
    return Status::Corruption("empty partition value in directory " + HiveEscape(segment));
  }
  ParsedSegment parsed;
  RP_ASSIGN_OR_RETURN(parsed.column, HiveUnescape(segment.substr(0, eq)));
  std::string_view raw_value = segment.substr(eq + 1);
  if (raw_value != kHiveDefaultPartition) {
    RP_ASSIGN_OR_RETURN(parsed.value, HiveUnescape(raw_value));
  }
  return parsed;
}

Result<std::string> PartitionDirectory(const std::vector<std::string>& partition_columns,
                                       const PartitionValues& values) {
  std::string dir;
  for (const auto& column : partition_columns) {
    auto it = values.find(column);
    if (it == values.end()) {
      return Status::InvalidArgument("no value for partition column '" + column + "'");
    }
    if (!dir.empty()) dir.push_back('/');
    dir.append(PartitionSegment(column, it->second));
  }
  return dir;
}

Result<PartitionValues> ParsePartitionDirectories(std::string_view relative_file_path) {
  PartitionValues values;
  size_t start = 0;
  while (true) {
    size_t slash = relative_file_path.find('/', start);
    if (slash == std::string_view::npos) break;  // the last segment is the file name
    RP_ASSIGN_OR_RETURN(ParsedSegment seg, ParsePartitionSegment(relative_file_path.substr(start, slash - start)));
    if (!values.emplace(seg.column, seg.value).second) {
      return Status::Corruption("partition column '" + seg.column + "' appears twice in a path");
    }
    start = slash + 1;
  }
  return values;
}

std::string UriEncodePath(std::string_view path) {
  std::string out;
  out.reserve(path.size() + 8);
  for (char c : path) {
    auto byte = static_cast<uint8_t>(c);
    if (kUriPlain[byte]) {
      out.push_back(c);
    } else {
      AppendEscaped(&out, byte);
    }
  }
  return out;
}

Result<std::string> UriDecodePath(std::string_view uri) { return PercentDecode(uri, "add.path"); }

}  // namespace rp::delta
