#include "delta/scan_filter.h"

#include <charconv>
#include <limits>
#include <set>

#include "common/utf8.h"
#include "delta/time_text.h"

namespace rp::delta {
namespace {

constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();

enum class Kind { kInt, kDouble, kString };

// What a column is compared as: integers (ints, dates in days, timestamps in
// micros), doubles or byte strings.
std::optional<Kind> KindOf(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::DATE32:
    case arrow::Type::TIMESTAMP:
      return Kind::kInt;
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
      return Kind::kDouble;
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
      return Kind::kString;
    default:
      return std::nullopt;
  }
}

std::string LiteralText(const Literal& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, r.ptr);
  }
  return "'" + std::get<std::string>(v) + "'";
}

// Spark's order of doubles: NaN equals NaN and is above everything else.
int CompareDoubles(double a, double b) {
  bool na = a != a, nb = b != b;
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  return a < b ? -1 : (a > b ? 1 : 0);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t ToMicros(int64_t v, arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND: return v * 1'000'000;
    case arrow::TimeUnit::MILLI: return v * 1'000;
    case arrow::TimeUnit::MICRO: return v;
    case arrow::TimeUnit::NANO: return FloorDiv(v, 1'000);
  }
  return v;
}

template <typename T>
std::optional<T> ParseNumber(std::string_view text) {
  T v{};
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

struct BoundFilter::Range {
  std::string column;
  bool is_partition = false;
  std::shared_ptr<arrow::DataType> type;
  Kind kind = Kind::kInt;
  bool empty = false;  // no value can match
  int64_t ilo = kMinInt, ihi = kMaxInt;  // kInt, inclusive
  std::optional<double> dlo, dhi;        // kDouble
  std::optional<std::string> slo, shi;   // kString
  bool lo_inc = true, hi_inc = true;     // kDouble, kString

  bool MatchInt(int64_t v) const { return v >= ilo && v <= ihi; }
  bool MatchDouble(double v) const {
    if (dlo && (lo_inc ? CompareDoubles(v, *dlo) < 0 : CompareDoubles(v, *dlo) <= 0)) return false;
    if (dhi && (hi_inc ? CompareDoubles(v, *dhi) > 0 : CompareDoubles(v, *dhi) >= 0)) return false;
    return true;
  }
  bool MatchString(std::string_view v) const {
    if (slo && (lo_inc ? v < *slo : v <= *slo)) return false;
    if (shi && (hi_inc ? v > *shi : v >= *shi)) return false;
    return true;
  }

  // A value of this column as the log or stats spell it, in the compared form.
  std::optional<int64_t> IntFromText(std::string_view text) const {
    switch (type->id()) {
      case arrow::Type::DATE32: {
        auto d = ParseDate(text);
        return d ? std::optional<int64_t>(*d) : std::nullopt;
      }
      case arrow::Type::TIMESTAMP: return ParseTimestampMicros(text);
      default: return ParseNumber<int64_t>(text);
    }
  }

  // Partition ranges: nullopt means "cannot tell".
  std::optional<bool> MatchPartition(const std::optional<std::string>& text) const {
    if (empty || !text || text->empty()) return false;  // null never matches
    switch (kind) {
      case Kind::kInt: {
        auto v = IntFromText(*text);
        if (!v) return std::nullopt;
        return MatchInt(*v);
      }
      case Kind::kDouble: {
        auto v = ParseNumber<double>(*text);
        if (!v) return std::nullopt;
        return MatchDouble(*v);
      }
      case Kind::kString: return MatchString(*text);
    }
    return std::nullopt;
  }

  // False only when the stats prove no row of the file matches.
  bool MayMatchStats(const FileStats& stats) const {
    if (empty) return false;
    auto it = stats.columns.find(column);
    if (it == stats.columns.end()) return true;
    const ColumnStats& c = it->second;
    if (c.null_count && stats.num_records && *c.null_count >= *stats.num_records) return false;  // all null
    switch (kind) {
      case Kind::kInt: return MayMatchInt(c);
      case Kind::kDouble: return MayMatchDouble(c);
      case Kind::kString: return MayMatchString(c);
    }
    return true;
  }

 private:
  std::optional<int64_t> StatInt(const std::optional<StatValue>& v) const {
    if (!v) return std::nullopt;
    if (type->id() == arrow::Type::DATE32 || type->id() == arrow::Type::TIMESTAMP) {
      const auto* s = std::get_if<std::string>(&*v);
      return s ? IntFromText(*s) : std::nullopt;
    }
    const auto* i = std::get_if<int64_t>(&*v);
    return i ? std::optional<int64_t>(*i) : std::nullopt;
  }

  bool MayMatchInt(const ColumnStats& c) const {
    if (auto mn = StatInt(c.min); mn && *mn > ihi) return false;
    if (auto mx = StatInt(c.max)) {
      // Timestamp stats are truncated down to milliseconds: the true maximum
      // can be up to 999 microseconds later.
      int64_t bound = *mx;
      if (type->id() == arrow::Type::TIMESTAMP) bound = bound > kMaxInt - 999 ? kMaxInt : bound + 999;
      if (bound < ilo) return false;
    }
    return true;
  }

  std::optional<double> StatDouble(const std::optional<StatValue>& v) const {
    if (!v) return std::nullopt;
    double d;
    if (const auto* x = std::get_if<double>(&*v)) {
      d = *x;
    } else if (const auto* i = std::get_if<int64_t>(&*v)) {
      d = static_cast<double>(*i);
    } else {
      return std::nullopt;
    }
    // A float column's bound is written as the shortest text of the float
    // ("0.1"); read back as a double it must be rounded to that float again.
    if (type->id() == arrow::Type::FLOAT) d = static_cast<float>(d);
    return d;
  }

  bool MayMatchDouble(const ColumnStats& c) const {
    if (auto mn = StatDouble(c.min); mn && dhi && (hi_inc ? *mn > *dhi : *mn >= *dhi)) return false;
    if (auto mx = StatDouble(c.max); mx && dlo && (lo_inc ? *mx < *dlo : *mx <= *dlo)) return false;
    return true;
  }

  bool MayMatchString(const ColumnStats& c) const {
    // A stored minimum is a prefix of the true one, so never greater.
    if (c.min && shi) {
      if (const auto* mn = std::get_if<std::string>(&*c.min)) {
        if (hi_inc ? *mn > *shi : *mn >= *shi) return false;
      }
    }
    if (c.max && slo) {
      if (const auto* mx = std::get_if<std::string>(&*c.max)) {
        std::string_view m = *mx;
        // Writers cut long maxima to a prefix P of the true maximum and (we and
        // delta-spark) append a U+FFFD tie-breaker. A maximum that may be cut
        // only proves that every value is < lower when all strings starting
        // with P are, i.e. P < lower and lower does not start with P.
        constexpr std::string_view kTieBreaker = "\xEF\xBF\xBD";
        bool tie_breaker = m.size() >= 3 && m.substr(m.size() - 3) == kTieBreaker;
        bool maybe_cut = tie_breaker || Utf8PrefixBytes(m, kDefaultStringPrefixLength - 1) < m.size();
        if (maybe_cut) {
          std::string_view p = tie_breaker ? m.substr(0, m.size() - 3) : m;
          if (p < *slo && std::string_view(*slo).substr(0, p.size()) != p) return false;
        } else if (lo_inc ? m < *slo : m <= *slo) {
          return false;
        }
      }
    }
    return true;
  }
};

namespace {

using Range = BoundFilter::Range;

Status BindBound(const ColumnRange& r, const std::optional<Literal>& lit, bool inclusive, bool is_lower,
                 Range* out) {
  if (!lit) return Status::OK();
  auto wrong = [&]() {
    return Status::InvalidArgument("filter on '" + r.column + "' (" + out->type->ToString() +
                                   ") cannot compare with " + LiteralText(*lit));
  };
  switch (out->kind) {
    case Kind::kInt: {
      std::optional<int64_t> v;
      if (const auto* i = std::get_if<int64_t>(&*lit)) {
        v = *i;
      } else if (const auto* s = std::get_if<std::string>(&*lit)) {
        if (out->type->id() == arrow::Type::DATE32 || out->type->id() == arrow::Type::TIMESTAMP) {
          v = out->IntFromText(*s);
        }
      }
      if (!v) return wrong();
      // Integers make every bound inclusive: x > 5 is x >= 6.
      if (is_lower) {
        if (!inclusive && *v == kMaxInt) out->empty = true;
        out->ilo = std::max(out->ilo, inclusive ? *v : *v + (*v == kMaxInt ? 0 : 1));
      } else {
        if (!inclusive && *v == kMinInt) out->empty = true;
        out->ihi = std::min(out->ihi, inclusive ? *v : *v - (*v == kMinInt ? 0 : 1));
      }
      return Status::OK();
    }
    case Kind::kDouble: {
      double v;
      if (const auto* i = std::get_if<int64_t>(&*lit)) {
        v = static_cast<double>(*i);
      } else if (const auto* d = std::get_if<double>(&*lit)) {
        v = *d;
      } else {
        return wrong();
      }
      (is_lower ? out->dlo : out->dhi) = v;
      (is_lower ? out->lo_inc : out->hi_inc) = inclusive;
      return Status::OK();
    }
    case Kind::kString: {
      const auto* s = std::get_if<std::string>(&*lit);
      if (!s) return wrong();
      (is_lower ? out->slo : out->shi) = *s;
      (is_lower ? out->lo_inc : out->hi_inc) = inclusive;
      return Status::OK();
    }
  }
  return wrong();
}

template <typename ArrayT, typename Pred>
void AndMask(const arrow::Array& a, Pred&& pred, std::vector<uint8_t>* mask) {
  const auto& array = static_cast<const ArrayT&>(a);
  uint8_t* m = mask->data();
  for (int64_t i = 0; i < array.length(); ++i) {
    if (m[i]) m[i] = !array.IsNull(i) && pred(array.GetView(i));
  }
}

Status ApplyRange(const Range& r, const arrow::Array& a, std::vector<uint8_t>* mask) {
  if (r.empty) {
    std::fill(mask->begin(), mask->end(), 0);
    return Status::OK();
  }
  if (!a.type()->Equals(*r.type)) {
    return Status::Internal("filter column '" + r.column + "' read as " + a.type()->ToString() + ", expected " +
                            r.type->ToString());
  }
  auto int_pred = [&r](auto v) { return r.MatchInt(static_cast<int64_t>(v)); };
  switch (a.type_id()) {
    case arrow::Type::INT8: AndMask<arrow::Int8Array>(a, int_pred, mask); break;
    case arrow::Type::INT16: AndMask<arrow::Int16Array>(a, int_pred, mask); break;
    case arrow::Type::INT32: AndMask<arrow::Int32Array>(a, int_pred, mask); break;
    case arrow::Type::INT64: AndMask<arrow::Int64Array>(a, int_pred, mask); break;
    case arrow::Type::DATE32: AndMask<arrow::Date32Array>(a, int_pred, mask); break;
    case arrow::Type::TIMESTAMP: {
      auto unit = static_cast<const arrow::TimestampType&>(*a.type()).unit();
      AndMask<arrow::TimestampArray>(a, [&](int64_t v) { return r.MatchInt(ToMicros(v, unit)); }, mask);
      break;
    }
    case arrow::Type::FLOAT: AndMask<arrow::FloatArray>(a, [&](float v) { return r.MatchDouble(v); }, mask); break;
    case arrow::Type::DOUBLE: AndMask<arrow::DoubleArray>(a, [&](double v) { return r.MatchDouble(v); }, mask); break;
    case arrow::Type::STRING:
      AndMask<arrow::StringArray>(a, [&](std::string_view v) { return r.MatchString(v); }, mask);
      break;
    case arrow::Type::LARGE_STRING:
      AndMask<arrow::LargeStringArray>(a, [&](std::string_view v) { return r.MatchString(v); }, mask);
      break;
    default:
      return Status::Internal("filter on unsupported type " + a.type()->ToString());
  }
  return Status::OK();
}

}  // namespace

ColumnRange ColumnRange::Eq(std::string column, Literal value) {
  return ColumnRange{std::move(column), value, true, value, true};
}
ColumnRange ColumnRange::Between(std::string column, Literal lower, Literal upper) {
  return ColumnRange{std::move(column), std::move(lower), true, std::move(upper), true};
}
ColumnRange ColumnRange::Ge(std::string column, Literal value) {
  return ColumnRange{std::move(column), std::move(value), true, std::nullopt, true};
}
ColumnRange ColumnRange::Gt(std::string column, Literal value) {
  return ColumnRange{std::move(column), std::move(value), false, std::nullopt, true};
}
ColumnRange ColumnRange::Le(std::string column, Literal value) {
  return ColumnRange{std::move(column), std::nullopt, true, std::move(value), true};
}
ColumnRange ColumnRange::Lt(std::string column, Literal value) {
  return ColumnRange{std::move(column), std::nullopt, true, std::move(value), false};
}

std::string Filter::ToString() const {
  if (any_of.empty()) return "FALSE";
  std::string out;
  for (size_t i = 0; i < any_of.size(); ++i) {
    if (i > 0) out += " OR ";
    out += "(";
    if (any_of[i].empty()) out += "TRUE";
    for (size_t j = 0; j < any_of[i].size(); ++j) {
      const ColumnRange& r = any_of[i][j];
      if (j > 0) out += " AND ";
      std::string parts;
      if (r.lower) parts += r.column + (r.lower_inclusive ? " >= " : " > ") + LiteralText(*r.lower);
      if (r.upper) parts += (parts.empty() ? "" : " AND ") + r.column + (r.upper_inclusive ? " <= " : " < ") + LiteralText(*r.upper);
      out += parts.empty() ? r.column + " IS NOT NULL" : parts;
    }
    out += ")";
  }
  return out;
}

Result<BoundFilter> BoundFilter::Bind(const Filter& filter, const arrow::Schema& table_schema,
                                      const std::vector<std::string>& partition_columns) {
  std::set<std::string> partitions(partition_columns.begin(), partition_columns.end());
  BoundFilter bound;
  for (const auto& conj : filter.any_of) {
    std::vector<std::shared_ptr<const Range>> ranges;
    for (const auto& r : conj) {
      auto field = table_schema.GetFieldByName(r.column);
      if (!field) return Status::InvalidArgument("filter column '" + r.column + "' is not in the table");
      auto kind = KindOf(*field->type());
      if (!kind) {
        return Status::InvalidArgument("cannot filter on column '" + r.column + "' of type " +
                                       field->type()->ToString());
      }
      auto range = std::make_shared<Range>();
      range->column = r.column;
      range->is_partition = partitions.count(r.column) > 0;
      range->type = field->type();
      range->kind = *kind;
      RP_RETURN_IF_ERROR(BindBound(r, r.lower, r.lower_inclusive, true, range.get()));
      RP_RETURN_IF_ERROR(BindBound(r, r.upper, r.upper_inclusive, false, range.get()));
      if (range->kind == Kind::kInt && range->ilo > range->ihi) range->empty = true;
      ranges.push_back(std::move(range));
    }
    bound.any_of_.push_back(std::move(ranges));
  }
  return bound;
}

bool BoundFilter::MatchesEverything() const {
  for (const auto& conj : any_of_) {
    if (conj.empty()) return true;
  }
  return false;
}

bool BoundFilter::MayMatchPartitions(const PartitionValues& values) const {
  for (const auto& conj : any_of_) {
    bool may = true;
    for (const auto& r : conj) {
      if (!r->is_partition) continue;
      auto it = values.find(r->column);
      std::optional<bool> m = r->MatchPartition(it == values.end() ? std::nullopt : it->second);
      if (m.has_value() && !*m) {
        may = false;
        break;
      }
    }
    if (may) return true;
  }
  return false;
}

bool BoundFilter::MayMatchFile(const PartitionValues& values, const FileStats* stats) const {
  for (const auto& conj : any_of_) {
    bool may = true;
    for (const auto& r : conj) {
      if (r->is_partition) {
        auto it = values.find(r->column);
        std::optional<bool> m = r->MatchPartition(it == values.end() ? std::nullopt : it->second);
        may = !m.has_value() || *m;
      } else {
        may = stats == nullptr ? !r->empty : r->MayMatchStats(*stats);
      }
      if (!may) break;
    }
    if (may) return true;
  }
  return false;
}

std::vector<std::string> BoundFilter::Columns() const {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const auto& conj : any_of_) {
    for (const auto& r : conj) {
      if (seen.insert(r->column).second) out.push_back(r->column);
    }
  }
  return out;
}

Result<std::shared_ptr<arrow::Int64Array>> BoundFilter::SelectRows(const arrow::RecordBatch& batch) const {
  if (MatchesEverything()) return std::shared_ptr<arrow::Int64Array>();
  const int64_t n = batch.num_rows();
  std::vector<uint8_t> selected(n, 0), conj_mask(n);
  for (const auto& conj : any_of_) {
    std::fill(conj_mask.begin(), conj_mask.end(), 1);
    for (const auto& r : conj) {
      auto column = batch.GetColumnByName(r->column);
      if (!column) return Status::Internal("filter column '" + r->column + "' missing from the batch");
      RP_RETURN_IF_ERROR(ApplyRange(*r, *column, &conj_mask));
    }
    for (int64_t i = 0; i < n; ++i) selected[i] |= conj_mask[i];
  }
  int64_t count = 0;
  for (uint8_t s : selected) count += s;
  if (count == n) return std::shared_ptr<arrow::Int64Array>();
  arrow::Int64Builder builder;
  if (!builder.Reserve(count).ok()) return Status::Internal("out of memory selecting rows");
  for (int64_t i = 0; i < n; ++i) {
    if (selected[i]) builder.UnsafeAppend(i);
  }
  std::shared_ptr<arrow::Int64Array> out;
  if (!builder.Finish(&out).ok()) return Status::Internal("out of memory selecting rows");
  return out;
}

}  // namespace rp::delta
