#include "delta/partition_value.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "delta/time_text.h"

namespace rp::delta {
namespace {

int64_t TimestampToMicros(int64_t v, arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND: return v * 1'000'000;
    case arrow::TimeUnit::MILLI: return v * 1'000;
    case arrow::TimeUnit::MICRO: return v;
    case arrow::TimeUnit::NANO: return v / 1'000 - (v % 1'000 < 0);
  }
  return v;
}

// Inverse of TimestampToMicros; nullopt when the value does not fit the unit exactly.
std::optional<int64_t> MicrosToTimestamp(int64_t micros, arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      if (micros % 1'000'000 != 0) return std::nullopt;
      return micros / 1'000'000;
    case arrow::TimeUnit::MILLI:
      if (micros % 1'000 != 0) return std::nullopt;
      return micros / 1'000;
    case arrow::TimeUnit::MICRO: return micros;
    case arrow::TimeUnit::NANO:
      if (micros > std::numeric_limits<int64_t>::max() / 1'000 || micros < std::numeric_limits<int64_t>::min() / 1'000) {
        return std::nullopt;
      }
      return micros * 1'000;
  }
  return std::nullopt;
}

template <typename T>
std::string Decimal(T v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

template <typename T>
std::optional<T> ParseNumber(const std::string& text) {
  T v{};
  const char* end = text.data() + text.size();
  auto res = std::from_chars(text.data(), end, v);
  if (res.ec != std::errc() || res.ptr != end) return std::nullopt;
  return v;
}

using Text = std::optional<std::string>;

Status BadValue(const std::string& text, const arrow::DataType& type) {
  return Status::Corruption("partition value '" + text + "' is not a valid " + type.ToString());
}

}  // namespace

bool IsSupportedPartitionType(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::BOOL:
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::DATE32:
    case arrow::Type::TIMESTAMP:
      return true;
    default:
      return false;
  }
}

Result<std::optional<std::string>> SerializePartitionValue(const arrow::Array& array, int64_t row) {
  if (row < 0 || row >= array.length()) return Status::InvalidArgument("partition value row out of range");
  if (array.IsNull(row)) return Text();
  switch (array.type_id()) {
    case arrow::Type::INT8: return Text(Decimal(static_cast<const arrow::Int8Array&>(array).Value(row)));
    case arrow::Type::INT16: return Text(Decimal(static_cast<const arrow::Int16Array&>(array).Value(row)));
    case arrow::Type::INT32: return Text(Decimal(static_cast<const arrow::Int32Array&>(array).Value(row)));
    case arrow::Type::INT64: return Text(Decimal(static_cast<const arrow::Int64Array&>(array).Value(row)));
    case arrow::Type::BOOL:
      return Text(static_cast<const arrow::BooleanArray&>(array).Value(row) ? "true" : "false");
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE: {
      double v = array.type_id() == arrow::Type::FLOAT ? static_cast<const arrow::FloatArray&>(array).Value(row)
                                                       : static_cast<const arrow::DoubleArray&>(array).Value(row);
      if (std::isnan(v)) return Text("NaN");
      if (std::isinf(v)) return Text(v > 0 ? "Infinity" : "-Infinity");
      return Text(Decimal(v));
    }
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING: {
      std::string v = array.type_id() == arrow::Type::STRING
                          ? std::string(static_cast<const arrow::StringArray&>(array).GetView(row))
                          : std::string(static_cast<const arrow::LargeStringArray&>(array).GetView(row));
      // The protocol reads an empty partition value as null; say so up front.
      if (v.empty()) return Text();
      return Text(std::move(v));
    }
    case arrow::Type::DATE32: return Text(FormatDate(static_cast<const arrow::Date32Array&>(array).Value(row)));
    case arrow::Type::TIMESTAMP: {
      const auto& ts = static_cast<const arrow::TimestampArray&>(array);
      const auto& type = static_cast<const arrow::TimestampType&>(*array.type());
      return Text(FormatPartitionTimestamp(TimestampToMicros(ts.Value(row), type.unit()), !type.timezone().empty()));
    }
    default:
      return Status::Unsupported("partition column of type " + array.type()->ToString());
  }
}

Result<std::shared_ptr<arrow::Scalar>> ParsePartitionValue(const std::optional<std::string>& value,
                                                           const std::shared_ptr<arrow::DataType>& type) {
  if (!IsSupportedPartitionType(*type)) return Status::Unsupported("partition column of type " + type->ToString());
  // The protocol reads an empty value of any type as null.
  if (!value || value->empty()) return arrow::MakeNullScalar(type);
  const std::string& text = *value;
  switch (type->id()) {
    case arrow::Type::INT8: {
      auto v = ParseNumber<int8_t>(text);
      if (!v) return BadValue(text, *type);
      return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::Int8Scalar>(*v));
    }
    case arrow::Type::INT16: {
      auto v = ParseNumber<int16_t>(text);
      if (!v) return BadValue(text, *type);
      return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::Int16Scalar>(*v));
    }
    case arrow::Type::INT32: {
      auto v = ParseNumber<int32_t>(text);
      if (!v) return BadValue(text, *type);
      return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::Int32Scalar>(*v));
    }
    case arrow::Type::INT64: {
      auto v = ParseNumber<int64_t>(text);
      if (!v) return BadValue(text, *type);
      return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::Int64Scalar>(*v));
    }
    case arrow::Type::BOOL:
      if (text == "true") return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::BooleanScalar>(true));
      if (text == "false") return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::BooleanScalar>(false));
      return BadValue(text, *type);
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE: {
      std::optional<double> v;
      if (text == "NaN") {
        v = std::numeric_limits<double>::quiet_NaN();
      } else if (text == "Infinity") {
        v = std::numeric_limits<double>::infinity();
      } else if (text == "-Infinity") {
        v = -std::numeric_limits<double>::infinity();
      } else {
        v = ParseNumber<double>(text);
      }
      if (!v) return BadValue(text, *type);
      if (type->id() == arrow::Type::FLOAT) {
        return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::FloatScalar>(static_cast<float>(*v)));
      }
      return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::DoubleScalar>(*v));
    }
    case arrow::Type::STRING:
      return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::StringScalar>(text));
    case arrow::Type::LARGE_STRING:
      return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::LargeStringScalar>(text));
    case arrow::Type::DATE32: {
      auto v = ParseDate(text);
      if (!v) return BadValue(text, *type);
      return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::Date32Scalar>(*v));
    }
    case arrow::Type::TIMESTAMP: {
      auto micros = ParseTimestampMicros(text);
      if (!micros) return BadValue(text, *type);
      auto v = MicrosToTimestamp(*micros, static_cast<const arrow::TimestampType&>(*type).unit());
      if (!v) return BadValue(text, *type);
      return std::shared_ptr<arrow::Scalar>(std::make_shared<arrow::TimestampScalar>(*v, type));
    }
    default:
      return Status::Unsupported("partition column of type " + type->ToString());
  }
}

}  // namespace rp::delta
