#include "cli/arrow_cells.h"

#include <cstdio>

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
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d %02d:%02d:%02d", static_cast<long long>(t.year), t.month,
                        t.day, t.hour, t.minute, t.second);
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
    case arrow::TimeUnit::SECOND: return v * 1000000;
    case arrow::TimeUnit::MILLI: return v * 1000;
    case arrow::TimeUnit::MICRO: return v;
    case arrow::TimeUnit::NANO: return v / 1000;
  }
  return v;
}

}  // namespace

std::optional<std::string> ShowCell(const arrow::Array& column, int64_t row) {
  if (column.IsNull(row)) return std::nullopt;
  switch (column.type_id()) {
    case arrow::Type::STRING:
      return std::string(static_cast<const arrow::StringArray&>(column).GetView(row));
    case arrow::Type::LARGE_STRING:
      return std::string(static_cast<const arrow::LargeStringArray&>(column).GetView(row));
    case arrow::Type::BINARY: {
      auto bytes = static_cast<const arrow::BinaryArray&>(column).GetView(row);
      std::string s = "[";
      char hex[4];
      for (size_t i = 0; i < bytes.size(); ++i) {
        std::snprintf(hex, sizeof hex, "%02X", static_cast<unsigned char>(bytes[i]));
        if (i) s += ' ';
        s += hex;
      }
      return s + "]";
    }
    case arrow::Type::DATE32:
      return FormatDate(static_cast<const arrow::Date32Array&>(column).Value(row));
    case arrow::Type::TIMESTAMP:
      return FormatTimestamp(ToMicros(static_cast<const arrow::TimestampArray&>(column), row));
    default: {
      auto scalar = column.GetScalar(row);
      return scalar.ok() ? (*scalar)->ToString() : std::string("?");
    }
  }
}

void AppendJsonCell(const arrow::Array& column, int64_t row, std::string* out) {
  if (column.IsNull(row)) {
    out->append("null");
    return;
  }
  switch (column.type_id()) {
    case arrow::Type::INT8: case arrow::Type::INT16: case arrow::Type::INT32: case arrow::Type::INT64:
    case arrow::Type::UINT8: case arrow::Type::UINT16: case arrow::Type::UINT32: case arrow::Type::UINT64:
    case arrow::Type::FLOAT: case arrow::Type::DOUBLE: case arrow::Type::BOOL:
      out->append(*ShowCell(column, row));
      return;
    case arrow::Type::BINARY:
      AppendJsonString(ToValidUtf8(static_cast<const arrow::BinaryArray&>(column).GetView(row)), out);
      return;
    default:
      AppendJsonString(*ShowCell(column, row), out);
  }
}

}  // namespace rp::cli
