#include "delta/table_sort.h"

#include <arrow/array/concatenate.h>
#include <arrow/compute/api_vector.h>

#include <algorithm>
#include <numeric>
#include <string_view>

namespace rp::delta {
namespace {

// One sort key, its values laid out flat so comparisons need no dispatch.
struct SortKey {
  enum class Kind { kInt, kDouble, kString } kind = Kind::kInt;
  std::shared_ptr<arrow::Array> array;  // keeps string views alive
  std::vector<uint8_t> is_null;
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<std::string_view> strings;

  int Compare(int64_t a, int64_t b) const {
    if (is_null[a] || is_null[b]) return static_cast<int>(is_null[b]) - static_cast<int>(is_null[a]);
    switch (kind) {
      case Kind::kInt: return ints[a] < ints[b] ? -1 : (ints[a] > ints[b] ? 1 : 0);
      case Kind::kDouble: {
        double x = doubles[a], y = doubles[b];
        bool nx = x != x, ny = y != y;  // NaN sorts last, as in Spark
        if (nx || ny) return static_cast<int>(nx) - static_cast<int>(ny);
        return x < y ? -1 : (x > y ? 1 : 0);
      }
      case Kind::kString: {
        int c = strings[a].compare(strings[b]);
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
      }
    }
    return 0;
  }
};

template <typename ArrayT, typename Out, typename Get>
void Fill(const arrow::Array& a, std::vector<Out>* out, Get get) {
  const auto& array = static_cast<const ArrayT&>(a);
  out->resize(array.length());
  for (int64_t i = 0; i < array.length(); ++i) (*out)[i] = array.IsNull(i) ? Out{} : get(array, i);
}

Result<SortKey> MakeKey(const std::shared_ptr<arrow::Array>& a, const std::string& name) {
  SortKey key;
  key.array = a;
  key.is_null.resize(a->length());
  for (int64_t i = 0; i < a->length(); ++i) key.is_null[i] = a->IsNull(i);
  auto value = [](const auto& arr, int64_t i) { return static_cast<int64_t>(arr.Value(i)); };
  switch (a->type_id()) {
    case arrow::Type::INT8: Fill<arrow::Int8Array>(*a, &key.ints, value); break;
    case arrow::Type::INT16: Fill<arrow::Int16Array>(*a, &key.ints, value); break;
    case arrow::Type::INT32: Fill<arrow::Int32Array>(*a, &key.ints, value); break;
    case arrow::Type::INT64: Fill<arrow::Int64Array>(*a, &key.ints, value); break;
    case arrow::Type::DATE32: Fill<arrow::Date32Array>(*a, &key.ints, value); break;
    case arrow::Type::TIMESTAMP: Fill<arrow::TimestampArray>(*a, &key.ints, value); break;
    case arrow::Type::FLOAT:
      key.kind = SortKey::Kind::kDouble;
      Fill<arrow::FloatArray>(*a, &key.doubles, [](const auto& arr, int64_t i) { return double(arr.Value(i)); });
      break;
    case arrow::Type::DOUBLE:
      key.kind = SortKey::Kind::kDouble;
      Fill<arrow::DoubleArray>(*a, &key.doubles, [](const auto& arr, int64_t i) { return arr.Value(i); });
      break;
    case arrow::Type::STRING:
      key.kind = SortKey::Kind::kString;
      Fill<arrow::StringArray>(*a, &key.strings, [](const auto& arr, int64_t i) { return arr.GetView(i); });
      break;
    case arrow::Type::LARGE_STRING:
      key.kind = SortKey::Kind::kString;
      Fill<arrow::LargeStringArray>(*a, &key.strings, [](const auto& arr, int64_t i) { return arr.GetView(i); });
      break;
    default:
      return Status::InvalidArgument("cannot sort by column '" + name + "' of type " + a->type()->ToString());
  }
  return key;
}

}  // namespace

Result<std::shared_ptr<arrow::Table>> SortTable(const std::shared_ptr<arrow::Table>& table,
                                                const std::vector<std::string>& keys) {
  const int64_t n = table->num_rows();
  std::vector<SortKey> sort_keys;
  for (const auto& name : keys) {
    auto column = table->GetColumnByName(name);
    if (!column) return Status::InvalidArgument("no column '" + name + "' to sort by");
    std::shared_ptr<arrow::Array> flat;
    if (column->num_chunks() == 1) {
      flat = column->chunk(0);
    } else {
      auto joined = column->num_chunks() == 0 ? arrow::MakeEmptyArray(column->type())
                                              : arrow::Concatenate(column->chunks());
      if (!joined.ok()) return Status::Internal("sorting: " + joined.status().ToString());
      flat = *joined;
    }
    RP_ASSIGN_OR_RETURN(SortKey key, MakeKey(flat, name));
    sort_keys.push_back(std::move(key));
  }
  auto less = [&](int64_t a, int64_t b) {
    for (const auto& k : sort_keys) {
      int c = k.Compare(a, b);
      if (c != 0) return c < 0;
    }
    return false;
  };
  bool sorted = true;
  for (int64_t i = 1; i < n && sorted; ++i) sorted = !less(i, i - 1);
  if (sorted) return table;  // the usual case for data written in order

  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), less);
  auto indices = std::make_shared<arrow::Int64Array>(n, arrow::Buffer::Wrap(order.data(), order.size()));
  auto taken = arrow::compute::Take(table, indices);
  if (!taken.ok()) return Status::Internal("sorting: " + taken.status().ToString());
  return taken->table();
}

}  // namespace rp::delta
