#include "delta/json_parse.h"

namespace rp::delta::json {
namespace {

Status TypeError(std::string_view what, const char* key, const char* expected) {
  return Status::Corruption(std::string(what) + "." + key + ": expected " + expected);
}

// The field, or nullopt when it is missing or JSON null.
std::optional<element> Field(object o, const char* key) {
  element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  return e;
}

std::optional<int64_t> AsInt(element e) {
  int64_t v;
  if (e.get_int64().get(v) == simdjson::SUCCESS) return v;
  return std::nullopt;
}

}  // namespace

Result<std::optional<std::string_view>> OptString(object o, std::string_view what, const char* key) {
  auto e = Field(o, key);
  if (!e) return std::optional<std::string_view>();
  std::string_view s;
  if (e->get_string().get(s) != simdjson::SUCCESS) return TypeError(what, key, "a string");
  return std::optional<std::string_view>(s);
}

Result<std::optional<int64_t>> OptInt(object o, std::string_view what, const char* key) {
  auto e = Field(o, key);
  if (!e) return std::optional<int64_t>();
  auto v = AsInt(*e);
  if (!v) return TypeError(what, key, "an integer");
  return v;
}

Result<std::optional<bool>> OptBool(object o, std::string_view what, const char* key) {
  auto e = Field(o, key);
  if (!e) return std::optional<bool>();
  bool b;
  if (e->get_bool().get(b) != simdjson::SUCCESS) return TypeError(what, key, "a boolean");
  return std::optional<bool>(b);
}

Result<std::string_view> ReqString(object o, std::string_view what, const char* key) {
  RP_ASSIGN_OR_RETURN(auto v, OptString(o, what, key));
  if (!v) return Status::Corruption(std::string(what) + "." + key + ": missing");
  return *v;
}

Result<int64_t> ReqInt(object o, std::string_view what, const char* key) {
  RP_ASSIGN_OR_RETURN(auto v, OptInt(o, what, key));
  if (!v) return Status::Corruption(std::string(what) + "." + key + ": missing");
  return *v;
}

Result<std::optional<object>> OptObject(object o, std::string_view what, const char* key) {
  auto e = Field(o, key);
  if (!e) return std::optional<object>();
  object obj;
  if (e->get_object().get(obj) != simdjson::SUCCESS) return TypeError(what, key, "an object");
  return std::optional<object>(obj);
}

Result<std::optional<simdjson::dom::array>> OptArray(object o, std::string_view what, const char* key) {
  auto e = Field(o, key);
  if (!e) return std::optional<simdjson::dom::array>();
  simdjson::dom::array arr;
  if (e->get_array().get(arr) != simdjson::SUCCESS) return TypeError(what, key, "an array");
  return std::optional<simdjson::dom::array>(arr);
}

Status ReadStringMap(object o, std::string_view what, std::map<std::string, std::string>* out) {
  out->clear();
  for (auto field : o) {
    if (field.value.is_null()) continue;
    std::string_view v;
    if (field.value.get_string().get(v) != simdjson::SUCCESS) {
      return Status::Corruption(std::string(what) + "." + std::string(field.key) + ": expected a string");
    }
    (*out)[std::string(field.key)] = std::string(v);
  }
  return Status::OK();
}

Status ReadPartitionValues(object o, std::string_view what, PartitionValues* out) {
  out->clear();
  for (auto field : o) {
    if (field.value.is_null()) {
      (*out)[std::string(field.key)] = std::nullopt;
      continue;
    }
    std::string_view v;
    if (field.value.get_string().get(v) != simdjson::SUCCESS) {
      return Status::Corruption(std::string(what) + "." + std::string(field.key) + ": expected a string or null");
    }
    (*out)[std::string(field.key)] = std::string(v);
  }
  return Status::OK();
}

Status ReadStringList(simdjson::dom::array a, std::string_view what, std::vector<std::string>* out) {
  out->clear();
  for (auto e : a) {
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) {
      return Status::Corruption(std::string(what) + ": expected an array of strings");
    }
    out->emplace_back(v);
  }
  return Status::OK();
}

}  // namespace rp::delta::json
