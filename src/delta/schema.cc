#include "delta/schema.h"

#include <arrow/api.h>
#include <simdjson.h>

#include <charconv>

#include "delta/json_writer.h"

namespace rp::delta {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Result<std::shared_ptr<arrow::DataType>> ParseType(element type, const std::string& column);

Result<std::shared_ptr<arrow::DataType>> ParsePrimitive(std::string_view name, const std::string& column) {
  if (name == "string") return arrow::utf8();
  if (name == "long") return arrow::int64();
  if (name == "integer") return arrow::int32();
  if (name == "short") return arrow::int16();
  if (name == "byte") return arrow::int8();
  if (name == "boolean") return arrow::boolean();
  if (name == "float") return arrow::float32();
  if (name == "double") return arrow::float64();
  if (name == "binary") return arrow::binary();
  if (name == "date") return arrow::date32();
  if (name == "timestamp") return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  if (name == "timestamp_ntz") return arrow::timestamp(arrow::TimeUnit::MICRO);
  if (name.substr(0, 8) == "decimal(" && name.back() == ')') {
    // "decimal(10,2)", possibly with a space after the comma.
    std::string_view args = name.substr(8, name.size() - 9);
    size_t comma = args.find(',');
    int precision = 0, scale = 0;
    if (comma != std::string_view::npos) {
      std::string_view p = args.substr(0, comma), s = args.substr(comma + 1);
      while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
      auto r1 = std::from_chars(p.data(), p.data() + p.size(), precision);
      auto r2 = std::from_chars(s.data(), s.data() + s.size(), scale);
      if (r1.ec == std::errc() && r2.ec == std::errc() && precision >= 1 && precision <= 38 && scale >= 0 &&
          scale <= precision) {
        return arrow::decimal128(precision, scale);
      }
    }
    return Status::Corruption("column '" + column + "': bad decimal type '" + std::string(name) + "'");
  }
  return Status::Unsupported("column '" + column + "' has Delta type '" + std::string(name) +
                             "', which is not supported");
}

Result<std::shared_ptr<arrow::Field>> ParseField(element e, const std::string& parent) {
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) {
    return Status::Corruption("schema: field of '" + parent + "' is not an object");
  }
  std::string_view name;
  if (o["name"].get_string().get(name) != simdjson::SUCCESS) {
    return Status::Corruption("schema: field of '" + parent + "' has no name");
  }
  std::string path = parent.empty() ? std::string(name) : parent + "." + std::string(name);
  element type;
  if (o["type"].get(type) != simdjson::SUCCESS) return Status::Corruption("schema: column '" + path + "' has no type");
  bool nullable = true;
  element n;
  if (o["nullable"].get(n) == simdjson::SUCCESS && n.get_bool().get(nullable) != simdjson::SUCCESS) {
    return Status::Corruption("schema: column '" + path + "': nullable is not a boolean");
  }
  RP_ASSIGN_OR_RETURN(auto arrow_type, ParseType(type, path));
  return arrow::field(std::string(name), std::move(arrow_type), nullable);
}

Result<std::shared_ptr<arrow::DataType>> ParseType(element type, const std::string& column) {
  std::string_view name;
  if (type.get_string().get(name) == simdjson::SUCCESS) return ParsePrimitive(name, column);
  object o;
  if (type.get_object().get(o) != simdjson::SUCCESS || o["type"].get_string().get(name) != simdjson::SUCCESS) {
    return Status::Corruption("schema: column '" + column + "' has a malformed type");
  }
  if (name == "struct") {
    simdjson::dom::array fields;
    if (o["fields"].get_array().get(fields) != simdjson::SUCCESS) {
      return Status::Corruption("schema: struct '" + column + "' has no fields array");
    }
    arrow::FieldVector children;
    for (element f : fields) {
      RP_ASSIGN_OR_RETURN(auto child, ParseField(f, column));
      children.push_back(std::move(child));
    }
    return arrow::struct_(std::move(children));
  }
  if (name == "array") {
    element elem;
    if (o["elementType"].get(elem) != simdjson::SUCCESS) {
      return Status::Corruption("schema: array '" + column + "' has no elementType");
    }
    bool contains_null = true;
    if (o["containsNull"].get_bool().get(contains_null) != simdjson::SUCCESS) contains_null = true;
    RP_ASSIGN_OR_RETURN(auto elem_type, ParseType(elem, column + ".element"));
    return arrow::list(arrow::field("element", std::move(elem_type), contains_null));
  }
  if (name == "map") {
    element key, value;
    if (o["keyType"].get(key) != simdjson::SUCCESS || o["valueType"].get(value) != simdjson::SUCCESS) {
      return Status::Corruption("schema: map '" + column + "' lacks keyType or valueType");
    }
    bool value_contains_null = true;
    if (o["valueContainsNull"].get_bool().get(value_contains_null) != simdjson::SUCCESS) value_contains_null = true;
    RP_ASSIGN_OR_RETURN(auto key_type, ParseType(key, column + ".key"));
    RP_ASSIGN_OR_RETURN(auto value_type, ParseType(value, column + ".value"));
    return std::static_pointer_cast<arrow::DataType>(std::make_shared<arrow::MapType>(
        arrow::field("key", std::move(key_type), false), arrow::field("value", std::move(value_type), value_contains_null)));
  }
  return Status::Unsupported("column '" + column + "' has Delta type '" + std::string(name) +
                             "', which is not supported");
}

Status WriteType(const arrow::DataType& type, const std::string& column, JsonWriter* w);

Status WriteField(const arrow::Field& f, const std::string& parent, JsonWriter* w) {
  std::string path = parent.empty() ? f.name() : parent + "." + f.name();
  w->BeginObject();
  w->Key("name").String(f.name());
  w->Key("type");
  RP_RETURN_IF_ERROR(WriteType(*f.type(), path, w));
  w->Key("nullable").Bool(f.nullable());
  w->Key("metadata").BeginObject().EndObject();
  w->EndObject();
  return Status::OK();
}

Status WriteType(const arrow::DataType& type, const std::string& column, JsonWriter* w) {
  switch (type.id()) {
    case arrow::Type::STRUCT: {
      w->BeginObject().Key("type").String("struct").Key("fields").BeginArray();
      for (const auto& child : type.fields()) RP_RETURN_IF_ERROR(WriteField(*child, column, w));
      w->EndArray().EndObject();
      return Status::OK();
    }
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST: {
      const auto& elem = *type.field(0);
      w->BeginObject().Key("type").String("array").Key("elementType");
      RP_RETURN_IF_ERROR(WriteType(*elem.type(), column + ".element", w));
      w->Key("containsNull").Bool(elem.nullable()).EndObject();
      return Status::OK();
    }
    case arrow::Type::MAP: {
      const auto& map = static_cast<const arrow::MapType&>(type);
      w->BeginObject().Key("type").String("map").Key("keyType");
      RP_RETURN_IF_ERROR(WriteType(*map.key_type(), column + ".key", w));
      w->Key("valueType");
      RP_RETURN_IF_ERROR(WriteType(*map.item_type(), column + ".value", w));
      w->Key("valueContainsNull").Bool(map.item_field()->nullable()).EndObject();
      return Status::OK();
    }
    default: {
      auto name = DeltaTypeName(type);
      if (!name.ok()) return name.status().WithContext("column '" + column + "'");
      w->String(*name);
      return Status::OK();
    }
  }
}

}  // namespace

Result<std::string> DeltaTypeName(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING: return std::string("string");
    case arrow::Type::INT64: return std::string("long");
    case arrow::Type::INT32: return std::string("integer");
    case arrow::Type::INT16: return std::string("short");
    case arrow::Type::INT8: return std::string("byte");
    case arrow::Type::BOOL: return std::string("boolean");
    case arrow::Type::FLOAT: return std::string("float");
    case arrow::Type::DOUBLE: return std::string("double");
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY: return std::string("binary");
    case arrow::Type::DATE32: return std::string("date");
    case arrow::Type::TIMESTAMP: {
      const auto& ts = static_cast<const arrow::TimestampType&>(type);
      return std::string(ts.timezone().empty() ? "timestamp_ntz" : "timestamp");
    }
    case arrow::Type::DECIMAL128: {
      const auto& d = static_cast<const arrow::Decimal128Type&>(type);
      return "decimal(" + std::to_string(d.precision()) + "," + std::to_string(d.scale()) + ")";
    }
    default:
      return Status::InvalidArgument("Arrow type " + type.ToString() + " has no Delta equivalent");
  }
}

Result<std::shared_ptr<arrow::Schema>> SchemaFromDeltaJson(std::string_view schema_string) {
  simdjson::dom::parser parser;
  element root;
  auto err = parser.parse(schema_string.data(), schema_string.size()).get(root);
  if (err != simdjson::SUCCESS) {
    return Status::Corruption(std::string("schemaString is not valid JSON: ") + simdjson::error_message(err));
  }
  object o;
  std::string_view type;
  simdjson::dom::array fields;
  if (root.get_object().get(o) != simdjson::SUCCESS || o["type"].get_string().get(type) != simdjson::SUCCESS ||
      type != "struct" || o["fields"].get_array().get(fields) != simdjson::SUCCESS) {
    return Status::Corruption("schemaString is not a struct with fields");
  }
  arrow::FieldVector out;
  for (element f : fields) {
    RP_ASSIGN_OR_RETURN(auto field, ParseField(f, ""));
    out.push_back(std::move(field));
  }
  return arrow::schema(std::move(out));
}

Result<std::string> SchemaToDeltaJson(const arrow::Schema& schema) {
  JsonWriter w;
  w.BeginObject().Key("type").String("struct").Key("fields").BeginArray();
  for (const auto& f : schema.fields()) RP_RETURN_IF_ERROR(WriteField(*f, "", &w));
  w.EndArray().EndObject();
  return w.Release();
}

}  // namespace rp::delta
