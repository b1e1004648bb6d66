// Partition directories and add.path URIs. The input is tried as an add.path
// (URI-decoded, then split into partition directories, as a reader does), as
// one Hive-escaped name and as one "col=value" segment. Every decoder must
// agree with its encoder: decode(encode(decode(x))) == decode(x).
#include <string>
#include <vector>

#include "delta/partition_path.h"
#include "fuzz_targets.h"

namespace rp::fuzz {
namespace {

using namespace rp::delta;  // NOLINT: this file is about nothing else

std::string Show(const PartitionValues& values) {
  std::string out = "{";
  for (const auto& [k, v] : values) out += Printable(k) + ":" + (v ? Printable(*v) : "null") + " ";
  return out + "}";
}

void CheckUri(std::string_view uri) {
  Result<std::string> path = UriDecodePath(uri);
  if (!path.ok()) {
    RP_FUZZ_CHECK(path.status().code() == Status::Code::kCorruption, path.status().ToString());
    return;
  }
  const std::string encoded = UriEncodePath(*path);
  Result<std::string> again = UriDecodePath(encoded);
  RP_FUZZ_CHECK(again.ok() && *again == *path,
                "input " + Printable(uri) + "\ndecoded " + Printable(*path) + "\nencoded " + Printable(encoded));
  // Encoding is canonical: already-encoded text is unchanged.
  RP_FUZZ_CHECK(UriEncodePath(*again) == encoded, "input " + Printable(uri));

  Result<PartitionValues> values = ParsePartitionDirectories(*path);
  if (!values.ok()) return;
  // The directories of these values (in any column order) parse back to them.
  std::vector<std::string> columns;
  for (const auto& [column, value] : *values) columns.push_back(column);
  Result<std::string> dir = PartitionDirectory(columns, *values);
  RP_FUZZ_CHECK(dir.ok(), "values " + Show(*values) + ": " + dir.status().ToString());
  Result<PartitionValues> reparsed = ParsePartitionDirectories(*dir + (dir->empty() ? "" : "/") + "part-0.parquet");
  PartitionValues expected = *values;
  for (auto& [column, value] : expected) {
    if (value == std::string(kHiveDefaultPartition)) value.reset();  // see CheckSegment
  }
  RP_FUZZ_CHECK(reparsed.ok() && *reparsed == expected,
                "input " + Printable(uri) + "\nvalues " + Show(*values) + "\ndirectory " + Printable(*dir));
}

void CheckHiveName(std::string_view name) {
  Result<std::string> text = HiveUnescape(name);
  if (!text.ok()) return;
  const std::string escaped = HiveEscape(*text);
  Result<std::string> again = HiveUnescape(escaped);
  RP_FUZZ_CHECK(again.ok() && *again == *text, "input " + Printable(name) + "\nescaped " + Printable(escaped));
  RP_FUZZ_CHECK(escaped.find('/') == std::string::npos && escaped.find('=') == std::string::npos,
                "escaped name holds a separator: " + Printable(escaped));
}

void CheckSegment(std::string_view segment) {
  Result<ParsedSegment> parsed = ParsePartitionSegment(segment);
  if (!parsed.ok()) return;
  RP_FUZZ_CHECK(!parsed->column.empty() && (!parsed->value || !parsed->value->empty()), "input " + Printable(segment));
  const std::string printed = PartitionSegment(parsed->column, parsed->value);
  Result<ParsedSegment> again = ParsePartitionSegment(printed);
  // The one ambiguity Hive has too: a value spelled like the null directory
  // (with escapes, "__HIVE_DEFAULT_PARTITION%5F_") reads back as null.
  const bool null_spelling = parsed->value == std::string(kHiveDefaultPartition);
  RP_FUZZ_CHECK(again.ok() && again->column == parsed->column &&
                    (again->value == parsed->value || (null_spelling && !again->value)),
                "input " + Printable(segment) + "\nprinted " + Printable(printed));
}

}  // namespace

void PartitionPathTarget(const uint8_t* data, size_t size) {
  const std::string_view text = AsText(data, size);
  CheckUri(text);
  CheckHiveName(text);
  CheckSegment(text);
}

}  // namespace rp::fuzz

RP_FUZZ_ENTRY(rp::fuzz::PartitionPathTarget)
