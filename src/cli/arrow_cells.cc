#include "cli/arrow_cells.h"

#include <arrow/util/base64.h>

#include <cstdio>
#include <string_view>

#include "common/json_string.h"
#include "common/utf8.h"
#include "logic/spark_timestamp.h"

namespace rp::cli {
namespace {

std::string FormatDate(int32_t days) {
  logic::CivilTime t = logic::TimeZone::Utc().ToCivil(static_cast<int64_t>(days) * 86400LL * 1000000LL);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(t.year), t.month, t.day);
  return buf;
}

std::string FormatTimestamp(int64_t micros) {
  logic::CivilTime t = logic::TimeZone::Utc().ToCivil(micros);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d %02d:%02d:%02d", static_cast<long long>(t.year),
                        t.month, t.day, t.hour, t.minute, t.second);
  std::string s(buf, static_cast<size_t>(n));
  if (t.micros) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(t.micros));
    std::string frac(buf);
    while (frac.back() == '0') frac.pop_back();
    s += frac;
  }
  return s;
}

int64_t ToMicros(const arrow::TimestampArray& a, int64_t row) {
  int64_t v = a.Value(row);
  switch (std::static_pointer_cast<arrow::TimestampType>(a.type())->unit()) {
    case arrow::TimeUnit::SECOND:
      return v * 1000000;
    case arrow::TimeUnit::MILLI:
      return v * 1000;
    case arrow::TimeUnit::MICRO:
      return v;
    case arrow::TimeUnit::NANO:
      return v / 1000;
  }
  return v;
}

// The bytes of a BINARY or LARGE_BINARY value (the caller checked the type).
std::string_view BinaryBytes(const arrow::Array& column, int64_t row) {
  if (column.type_id() == arrow::Type::LARGE_BINARY) {
    return static_cast<const arrow::LargeBinaryArray&>(column).GetView(row);
  }
  return static_cast<const arrow::BinaryArray&>(column).GetView(row);
}

// Spark's show() form of bytes: upper-case hex pairs, space separated, in brackets.
void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('[');
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) out->push_back(' ');
    const auto b = static_cast<unsigned char>(bytes[i]);
    out->push_back(kHex[b >> 4]);
    out->push_back(kHex[b & 0xF]);
  }
  out->push_back(']');
}

// Whether show() prints bytes as text: valid UTF-8 without a control character
// that ShowTable would print raw (NUL, ESC, DEL, …) and so garble the table;
// the ones it escapes (EscapeShowCell: \n \r \t \f \b \v \a) are fine.
// Kafka keys such as big-endian integers or Confluent's 0x00 magic byte are
// valid UTF-8 yet not text, and read better in hex.
bool ShowsAsText(std::string_view bytes) {
  for (char c : bytes) {
    switch (c) {
      case '\n':
      case '\r':
      case '\t':
      case '\f':
      case '\b':
      case '\v':
      case '\a':
        continue;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
    }
  }
  return IsValidUtf8(bytes);
}

void AppendShow(const arrow::Array& column, int64_t row, std::string* out);

// A value inside an array, struct or map: Spark's ToPrettyString writes a null
// there as "NULL", the same word show() uses for a null cell.
void AppendShowNested(const arrow::Array& column, int64_t row, std::string* out) {
  if (column.IsNull(row)) {
    out->append("NULL");
  } else {
    AppendShow(column, row, out);
  }
}

// "[a, b]": ToStringBase's ", " between elements.
template <typename List>
void AppendShowList(const List& list, int64_t row, std::string* out) {
  const arrow::Array& values = *list.values();
  const int64_t begin = list.value_offset(row), end = begin + list.value_length(row);
  out->push_back('[');
  for (int64_t i = begin; i < end; ++i) {
    if (i > begin) out->append(", ");
    AppendShowNested(values, i, out);
  }
  out->push_back(']');
}

// "{k1 -> v1, k2 -> NULL}" (map keys are never null).
void AppendShowMap(const arrow::MapArray& map, int64_t row, std::string* out) {
  const arrow::Array& keys = *map.keys();
  const arrow::Array& items = *map.items();
  const int64_t begin = map.value_offset(row), end = begin + map.value_length(row);
  out->push_back('{');
  for (int64_t i = begin; i < end; ++i) {
    if (i > begin) out->append(", ");
    AppendShowNested(keys, i, out);
    out->append(" -> ");
    AppendShowNested(items, i, out);
  }
  out->push_back('}');
}

// "{a, b}": show() prints a struct's field values only, in braces.
void AppendShowStruct(const arrow::StructArray& s, int64_t row, std::string* out) {
  out->push_back('{');
  for (int f = 0; f < s.num_fields(); ++f) {
    if (f) out->append(", ");
    AppendShowNested(*s.field(f), row, out);  // field() has the struct's offset applied
  }
  out->push_back('}');
}

// Appends a non-null value in show() form.
void AppendShow(const arrow::Array& column, int64_t row, std::string* out) {
  switch (column.type_id()) {
    case arrow::Type::STRING:
      out->append(static_cast<const arrow::StringArray&>(column).GetView(row));
      return;
    case arrow::Type::LARGE_STRING:
      out->append(static_cast<const arrow::LargeStringArray&>(column).GetView(row));
      return;
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY: {
      // Text as a STRING cell would show it (ShowTable escapes control
      // characters for both); hex only for bytes that are not text.
      std::string_view bytes = BinaryBytes(column, row);
      if (ShowsAsText(bytes)) {
        out->append(bytes);
      } else {
        AppendHex(bytes, out);
      }
      return;
    }
    case arrow::Type::DATE32:
      out->append(FormatDate(static_cast<const arrow::Date32Array&>(column).Value(row)));
      return;
    case arrow::Type::TIMESTAMP:
      out->append(FormatTimestamp(ToMicros(static_cast<const arrow::TimestampArray&>(column), row)));
      return;
    case arrow::Type::LIST:
      AppendShowList(static_cast<const arrow::ListArray&>(column), row, out);
      return;
    case arrow::Type::LARGE_LIST:
      AppendShowList(static_cast<const arrow::LargeListArray&>(column), row, out);
      return;
    case arrow::Type::MAP:
      AppendShowMap(static_cast<const arrow::MapArray&>(column), row, out);
      return;
    case arrow::Type::STRUCT:
      AppendShowStruct(static_cast<const arrow::StructArray&>(column), row, out);
      return;
    default: {
      auto scalar = column.GetScalar(row);
      out->append(scalar.ok() ? (*scalar)->ToString() : std::string("?"));
    }
  }
}

template <typename List>
void AppendJsonList(const List& list, int64_t row, std::string* out) {
  const arrow::Array& values = *list.values();
  const int64_t begin = list.value_offset(row), end = begin + list.value_length(row);
  out->push_back('[');
  for (int64_t i = begin; i < end; ++i) {
    if (i > begin) out->push_back(',');
    AppendJsonCell(values, i, out);
  }
  out->push_back(']');
}

// An object keyed by each key's show() text, as Spark's to_json writes maps.
void AppendJsonMap(const arrow::MapArray& map, int64_t row, std::string* out) {
  const arrow::Array& keys = *map.keys();
  const arrow::Array& items = *map.items();
  const int64_t begin = map.value_offset(row), end = begin + map.value_length(row);
  std::string key;
  out->push_back('{');
  for (int64_t i = begin; i < end; ++i) {
    if (i > begin) out->push_back(',');
    key.clear();
    AppendShowNested(keys, i, &key);
    AppendJsonString(key, out);
    out->push_back(':');
    AppendJsonCell(items, i, out);
  }
  out->push_back('}');
}

void AppendJsonStruct(const arrow::StructArray& s, int64_t row, std::string* out) {
  const auto& type = static_cast<const arrow::StructType&>(*s.type());
  out->push_back('{');
  for (int f = 0; f < s.num_fields(); ++f) {
    if (f) out->push_back(',');
    AppendJsonString(type.field(f)->name(), out);
    out->push_back(':');
    AppendJsonCell(*s.field(f), row, out);
  }
  out->push_back('}');
}

}  // namespace

std::optional<std::string> ShowCell(const arrow::Array& column, int64_t row) {
  if (column.IsNull(row)) return std::nullopt;
  std::string s;
  AppendShow(column, row, &s);
  return s;
}

void AppendJsonCell(const arrow::Array& column, int64_t row, std::string* out) {
  if (column.IsNull(row)) {
    out->append("null");
    return;
  }
  switch (column.type_id()) {
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::UINT32:
    case arrow::Type::UINT64:
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
    case arrow::Type::BOOL:
      AppendShow(column, row, out);
      return;
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY: {
      // Any valid UTF-8 is a string here, control characters included (JSON
      // escapes them): the same test as `transform --records`, so these
      // values read back there unchanged.
      std::string_view bytes = BinaryBytes(column, row);
      if (IsValidUtf8(bytes)) {
        AppendJsonString(bytes, out);
      } else {
        // Arrow's encoder (standard alphabet, padded): rp_cli deliberately
        // links no OpenSSL of its own, and record_lines.cc keeps its
        // EVP-based one private.
        out->append("{\"base64\":");
        AppendJsonString(arrow::util::base64_encode(bytes), out);
        out->push_back('}');
      }
      return;
    }
    case arrow::Type::LIST:
      AppendJsonList(static_cast<const arrow::ListArray&>(column), row, out);
      return;
    case arrow::Type::LARGE_LIST:
      AppendJsonList(static_cast<const arrow::LargeListArray&>(column), row, out);
      return;
    case arrow::Type::MAP:
      AppendJsonMap(static_cast<const arrow::MapArray&>(column), row, out);
      return;
    case arrow::Type::STRUCT:
      AppendJsonStruct(static_cast<const arrow::StructArray&>(column), row, out);
      return;
    default: {
      std::string text;
      AppendShow(column, row, &text);
      AppendJsonString(text, out);
    }
  }
}

}  // namespace rp::cli
