#include "logic/json_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include "common/json_string.h"

namespace rp::logic::internal {

namespace od = simdjson::ondemand;

std::string_view TrimJsonSpace(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  return s;
}

JsonNumberKind ClassifyJsonNumber(std::string_view t) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i - start;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (i >= t.size() || t[i] < '1' || t[i] > '9' || digits() == 0) {
    return JsonNumberKind::kInvalid;
  }
  JsonNumberKind kind = JsonNumberKind::kInteger;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (digits() == 0) return JsonNumberKind::kInvalid;
    kind = JsonNumberKind::kFloat;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (digits() == 0) return JsonNumberKind::kInvalid;
    kind = JsonNumberKind::kFloat;
  }
  return i == t.size() ? kind : JsonNumberKind::kInvalid;
}

bool ParseJsonInt64(std::string_view t, int64_t* value) {
  const char* first = t.data();
  const char* last = t.data() + t.size();
  const auto [ptr, ec] = std::from_chars(first, last, *value);
  return ec == std::errc() && ptr == last;
}

double ParseJsonDouble(std::string_view t) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc::result_out_of_range) return v;
  // Out of range: overflow or underflow? Find the decimal exponent of the
  // first significant digit and add the written exponent.
  const bool negative = !t.empty() && t[0] == '-';
  int64_t significant_int_digits = 0, leading_fraction_zeros = 0;
  bool after_point = false, seen_nonzero = false;
  size_t i = negative ? 1 : 0;
  for (; i < t.size() && t[i] != 'e' && t[i] != 'E'; ++i) {
    if (t[i] == '.') {
      after_point = true;
    } else if (!after_point) {
      if (seen_nonzero || t[i] != '0') seen_nonzero = true, ++significant_int_digits;
    } else if (!seen_nonzero) {
      if (t[i] == '0') ++leading_fraction_zeros;
      else seen_nonzero = true;
    }
  }
  int64_t exp = 0;
  if (i + 1 < t.size()) {
    const char* p = t.data() + i + 1;
    if (*p == '+') ++p;
    const auto [eptr, eec] = std::from_chars(p, t.data() + t.size(), exp);
    static_cast<void>(eptr);
    if (eec == std::errc::result_out_of_range) exp = *p == '-' ? -(int64_t{1} << 40) : (int64_t{1} << 40);
  }
  const int64_t first_digit_exp =
      significant_int_digits > 0 ? significant_int_digits - 1 : -(leading_fraction_zeros + 1);
  const bool overflow = exp + first_digit_exp > 0;
  const double magnitude = overflow ? std::numeric_limits<double>::infinity() : 0.0;
  return negative ? -magnitude : magnitude;
}

void AppendJacksonDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
    return;
  }
  if (std::isinf(v)) {
    out->append(v < 0 ? "\"-Infinity\"" : "\"Infinity\"");
    return;
  }
  if (v == 0) {
    out->append(std::signbit(v) ? "-0.0" : "0.0");
    return;
  }
  // Shortest round-tripping digits, as d.ddde±x.
  std::array<char, 40> buf;
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<size_t>(res.ptr - buf.data()));
  // Java (JDK 19+) prefers a closer 2-digit decimal when the shortest has 1
  // digit (e.g. 4.9E-324 rather than 5E-324).
  std::array<char, 40> buf2;
  const bool negative = v < 0;
  const size_t mantissa_start = negative ? 1 : 0;
  if (sci.size() > mantissa_start + 1 && sci[mantissa_start + 1] == 'e') {
    auto res2 = std::to_chars(buf2.data(), buf2.data() + buf2.size(), v, std::chars_format::scientific, 1);
    std::string_view two(buf2.data(), static_cast<size_t>(res2.ptr - buf2.data()));
    double back = 0;
    std::from_chars(two.data(), two.data() + two.size(), back);
    if (back == v && two[mantissa_start + 2] != '0') sci = two;
  }
  // Split into digits and exponent: value = d1.d2d3… × 10^exp.
  std::array<char, 24> digits;
  size_t nd = 0;
  size_t i = mantissa_start;
  for (; i < sci.size() && sci[i] != 'e'; ++i) {
    if (sci[i] != '.') digits[nd++] = sci[i];
  }
  int exp = 0;
  {
    const char* p = sci.data() + i + 1;
    if (*p == '+') ++p;
    std::from_chars(p, sci.data() + sci.size(), exp);
  }
  while (nd > 1 && digits[nd - 1] == '0') --nd;

  if (negative) out->push_back('-');
  const double a = std::fabs(v);
  if (a >= 1e-3 && a < 1e7) {
    if (exp >= 0) {
      const size_t int_digits = static_cast<size_t>(exp) + 1;
      for (size_t k = 0; k < int_digits; ++k) out->push_back(k < nd ? digits[k] : '0');
      out->push_back('.');
      if (nd > int_digits) {
        out->append(digits.data() + int_digits, nd - int_digits);
      } else {
        out->push_back('0');
      }
    } else {
      out->append("0.");
      out->append(static_cast<size_t>(-exp - 1), '0');
      out->append(digits.data(), nd);
    }
    return;
  }
  out->push_back(digits[0]);
  out->push_back('.');
  if (nd > 1) {
    out->append(digits.data() + 1, nd - 1);
  } else {
    out->push_back('0');
  }
  out->push_back('E');
  char eb[8];
  auto er = std::to_chars(eb, eb + sizeof(eb), exp);
  out->append(eb, static_cast<size_t>(er.ptr - eb));
}

bool OdNumber(std::string_view raw, JsonScalar* s, std::string* render) {
  const std::string_view token = TrimJsonSpace(raw);
  switch (ClassifyJsonNumber(token)) {
    case JsonNumberKind::kInvalid:
      return false;
    case JsonNumberKind::kInteger:
      if (ParseJsonInt64(token, &s->integer)) {
        s->kind = JsonKind::kInteger;
        if (render) AppendJsonInt64(s->integer, render);  // canonical: "-0" -> "0"
      } else {
        s->kind = JsonKind::kBigInteger;
        if (render) render->append(token);  // BigInteger.toString == the JSON digits
      }
      return true;
    case JsonNumberKind::kFloat:
      s->kind = JsonKind::kFloat;
      if (render) AppendJacksonDouble(ParseJsonDouble(token), render);
      return true;
  }
  return false;
}

bool OdValue(od::value v, int depth, JsonScalar* s, std::string* render) {
  if (depth > kMaxDepth) return false;
  od::json_type type;
  if (v.type().get(type)) return false;
  switch (type) {
    case od::json_type::object: {
      s->kind = JsonKind::kObject;
      od::object obj;
      if (v.get_object().get(obj)) return false;
      if (render) render->push_back('{');
      bool first = true;
      for (auto field_result : obj) {
        od::field field;
        std::string_view key;
        if (std::move(field_result).get(field) || field.unescaped_key().get(key)) return false;
        if (render) {
          if (!first) render->push_back(',');
          AppendJsonStringUtf16Escaped(key, render);
          render->push_back(':');
        }
        first = false;
        JsonScalar inner{};
        if (!OdValue(field.value(), depth + 1, &inner, render)) return false;
      }
      if (render) render->push_back('}');
      return true;
    }
    case od::json_type::array: {
      s->kind = JsonKind::kArray;
      od::array arr;
      if (v.get_array().get(arr)) return false;
      if (render) render->push_back('[');
      bool first = true;
      for (auto element_result : arr) {
        od::value element;
        if (std::move(element_result).get(element)) return false;
        if (render && !first) render->push_back(',');
        first = false;
        JsonScalar inner{};
        if (!OdValue(element, depth + 1, &inner, render)) return false;
      }
      if (render) render->push_back(']');
      return true;
    }
    case od::json_type::string: {
      s->kind = JsonKind::kString;
      if (v.get_string().get(s->text)) return false;
      if (render) AppendJsonStringUtf16Escaped(s->text, render);
      return true;
    }
    case od::json_type::number:
      return OdNumber(v.raw_json_token(), s, render);
    case od::json_type::boolean: {
      const std::string_view token = TrimJsonSpace(v.raw_json_token());
      if (token != "true" && token != "false") return false;
      s->kind = JsonKind::kBool;
      if (render) render->append(token);
      return true;
    }
    case od::json_type::null: {
      if (TrimJsonSpace(v.raw_json_token()) != "null") return false;
      s->kind = JsonKind::kNull;
      if (render) render->append("null");
      return true;
    }
  }
  return false;
}

}  // namespace rp::logic::internal
