#include "delta/file_stats.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "common/json_string.h"
#include "common/utf8.h"
#include "delta/time_text.h"

namespace rp::delta {
namespace {

// The three stats objects under construction, as JSON members ("a":1,"b":2).
struct StatsJson {
  std::string min, max, null_count;
  static void Member(std::string* obj, std::string_view name, std::string_view json_value) {
    if (!obj->empty()) obj->push_back(',');
    AppendJsonString(name, obj);
    obj->push_back(':');
    obj->append(json_value);
  }
};

template <typename T>
std::string Number(T v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}


template <typename ArrayT>
bool MinMax(const ArrayT& array, typename ArrayT::value_type* lo, typename ArrayT::value_type* hi) {
  bool any = false;
  const int64_t n = array.length();
  const auto* values = array.raw_values();
  if (array.null_count() == 0) {
    if (n == 0) return false;
    auto mn = values[0], mx = values[0];
    for (int64_t i = 1; i < n; ++i) {
      mn = values[i] < mn ? values[i] : mn;
      mx = values[i] > mx ? values[i] : mx;
    }
    *lo = mn;
    *hi = mx;
    return true;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (array.IsNull(i)) continue;
    if (!any || values[i] < *lo) *lo = values[i];
    if (!any || values[i] > *hi) *hi = values[i];
    any = true;
  }
  return any;
}

template <typename ArrayT>
void IntegerStats(const arrow::Array& a, std::string_view name, StatsJson* out) {
  typename ArrayT::value_type lo{}, hi{};
  if (!MinMax(static_cast<const ArrayT&>(a), &lo, &hi)) return;
  StatsJson::Member(&out->min, name, Number(static_cast<int64_t>(lo)));
  StatsJson::Member(&out->max, name, Number(static_cast<int64_t>(hi)));
}

template <typename ArrayT>
void FloatStats(const arrow::Array& a, std::string_view name, StatsJson* out) {
  const auto& array = static_cast<const ArrayT&>(a);
  // NaN and infinities have no JSON number form and NaN breaks the ordering:
  // leave such a column without bounds (readers then keep the file).
  for (int64_t i = 0; i < array.length(); ++i) {
    if (!array.IsNull(i) && !std::isfinite(array.Value(i))) return;
  }
  typename ArrayT::value_type lo{}, hi{};
  if (!MinMax(array, &lo, &hi)) return;
  StatsJson::Member(&out->min, name, Number(lo));
  StatsJson::Member(&out->max, name, Number(hi));
}

template <typename ArrayT>
void StringStats(const arrow::Array& a, std::string_view name, int prefix, StatsJson* out) {
  const auto& array = static_cast<const ArrayT&>(a);
  bool any = false;
  std::string_view lo, hi;
  for (int64_t i = 0; i < array.length(); ++i) {
    if (array.IsNull(i)) continue;
    std::string_view v = array.GetView(i);
    if (!any || v < lo) lo = v;
    if (!any || v > hi) hi = v;
    any = true;
  }
  // Invalid UTF-8 cannot go into JSON; no bounds is always safe.
  if (!any || !IsValidUtf8(lo) || !IsValidUtf8(hi)) return;
  StatsJson::Member(&out->min, name, JsonQuoted(TruncateMinString(lo, prefix)));
  StatsJson::Member(&out->max, name, JsonQuoted(TruncateMaxString(hi, prefix)));
}

void TimestampStats(const arrow::Array& a, std::string_view name, StatsJson* out) {
  const auto& type = static_cast<const arrow::TimestampType&>(*a.type());
  int64_t lo = 0, hi = 0;
  if (!MinMax(static_cast<const arrow::TimestampArray&>(a), &lo, &hi)) return;
  auto to_micros = [&](int64_t v) -> int64_t {
    switch (type.unit()) {
      case arrow::TimeUnit::SECOND: return v * 1'000'000;
      case arrow::TimeUnit::MILLI: return v * 1'000;
      case arrow::TimeUnit::MICRO: return v;
      case arrow::TimeUnit::NANO: return v / 1'000 - (v % 1'000 < 0);
    }
    return v;
  };
  bool utc = !type.timezone().empty();
  StatsJson::Member(&out->min, name, JsonQuoted(FormatStatsTimestamp(to_micros(lo), utc)));
  StatsJson::Member(&out->max, name, JsonQuoted(FormatStatsTimestamp(to_micros(hi), utc)));
}

void DateStats(const arrow::Array& a, std::string_view name, StatsJson* out) {
  int32_t lo = 0, hi = 0;
  if (!MinMax(static_cast<const arrow::Date32Array&>(a), &lo, &hi)) return;
  StatsJson::Member(&out->min, name, JsonQuoted(FormatDate(lo)));
  StatsJson::Member(&out->max, name, JsonQuoted(FormatDate(hi)));
}

void MinMaxStats(const arrow::Array& a, std::string_view name, int prefix, StatsJson* out) {
  switch (a.type_id()) {
    case arrow::Type::INT8: return IntegerStats<arrow::Int8Array>(a, name, out);
    case arrow::Type::INT16: return IntegerStats<arrow::Int16Array>(a, name, out);
    case arrow::Type::INT32: return IntegerStats<arrow::Int32Array>(a, name, out);
    case arrow::Type::INT64: return IntegerStats<arrow::Int64Array>(a, name, out);
    case arrow::Type::FLOAT: return FloatStats<arrow::FloatArray>(a, name, out);
    case arrow::Type::DOUBLE: return FloatStats<arrow::DoubleArray>(a, name, out);
    case arrow::Type::STRING: return StringStats<arrow::StringArray>(a, name, prefix, out);
    case arrow::Type::LARGE_STRING: return StringStats<arrow::LargeStringArray>(a, name, prefix, out);
    case arrow::Type::DATE32: return DateStats(a, name, out);
    case arrow::Type::TIMESTAMP: return TimestampStats(a, name, out);
    default: return;  // not skipping-eligible: nullCount only
  }
}

// Leaf columns a field counts for against num_indexed_cols.
int LeafCount(const arrow::DataType& type) {
  if (type.id() != arrow::Type::STRUCT) return 1;
  int n = 0;
  for (const auto& child : type.fields()) n += LeafCount(*child->type());
  return n;
}

std::optional<StatValue> ToStatValue(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::INT64: return StatValue(int64_t(e.get_int64().value_unsafe()));
    case simdjson::dom::element_type::DOUBLE: return StatValue(e.get_double().value_unsafe());
    case simdjson::dom::element_type::STRING: return StatValue(std::string(e.get_string().value_unsafe()));
    default: return std::nullopt;  // uint64 past int64, bool, null, nested: unusable bounds
  }
}

}  // namespace

std::string TruncateMinString(std::string_view value, int prefix) {
  return std::string(value.substr(0, Utf8PrefixBytes(value, prefix < 0 ? 0 : static_cast<size_t>(prefix))));
}

std::string TruncateMaxString(std::string_view value, int prefix) {
  size_t end = Utf8PrefixBytes(value, prefix < 0 ? 0 : static_cast<size_t>(prefix));
  if (end == value.size()) return std::string(value);
  // prefix + U+FFFD beats value unless the next code point is >= U+FFFD; take
  // those into the prefix too.
  while (end < value.size()) {
    size_t len = 0;
    char32_t cp = Utf8CodePointAt(value, end, &len);
    if (cp < 0xFFFD) break;
    end += len;
  }
  if (end == value.size()) return std::string(value);
  std::string out(value.substr(0, end));
  out.append("\xEF\xBF\xBD");  // U+FFFD
  return out;
}

Result<std::string> ComputeFileStats(const arrow::RecordBatch& data, const StatsOptions& options) {
  StatsJson stats;
  int budget = options.num_indexed_cols < 0 ? INT32_MAX : options.num_indexed_cols;
  const auto& schema = *data.schema();
  for (int i = 0; i < data.num_columns() && budget > 0; ++i) {
    const auto& field = *schema.field(i);
    budget -= LeafCount(*field.type());
    if (field.type()->id() == arrow::Type::STRUCT) continue;  // nested stats: not written
    const arrow::Array& column = *data.column(i);
    StatsJson::Member(&stats.null_count, field.name(), Number(column.null_count()));
    MinMaxStats(column, field.name(), options.string_prefix_length, &stats);
  }
  std::string json = "{\"numRecords\":" + Number(data.num_rows());
  json += ",\"minValues\":{" + stats.min + "}";
  json += ",\"maxValues\":{" + stats.max + "}";
  json += ",\"nullCount\":{" + stats.null_count + "}}";
  return json;
}

Result<FileStats> ParseFileStats(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size(), true).get(root) != simdjson::SUCCESS) {
    return Status::Corruption("add.stats is not valid JSON");
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return Status::Corruption("add.stats is not a JSON object");
  FileStats stats;
  for (auto [key, value] : obj) {
    if (key == "numRecords") {
      int64_t n;
      if (value.get_int64().get(n) == simdjson::SUCCESS) stats.num_records = n;
      continue;
    }
    enum { kMin, kMax, kNulls } which;
    if (key == "minValues") {
      which = kMin;
    } else if (key == "maxValues") {
      which = kMax;
    } else if (key == "nullCount") {
      which = kNulls;
    } else {
      continue;
    }
    simdjson::dom::object columns;
    if (value.get_object().get(columns) != simdjson::SUCCESS) continue;
    for (auto [name, v] : columns) {
      ColumnStats& col = stats.columns[std::string(name)];
      if (which == kNulls) {
        int64_t n;
        if (v.get_int64().get(n) == simdjson::SUCCESS) col.null_count = n;
      } else {
        (which == kMin ? col.min : col.max) = ToStatValue(v);
      }
    }
  }
  return stats;
}

}  // namespace rp::delta
