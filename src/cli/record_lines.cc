#include "cli/record_lines.h"

#include <openssl/evp.h>
#include <simdjson.h>

#include "common/json_string.h"
#include "common/utf8.h"

namespace rp::cli {
namespace {

// Base64 by OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock (already linked for TLS).
std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t padding = 0;  // DecodeBlock counts the '=' padding as zero bytes
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

// B: null, a string, or {"base64": "…"}.
Status ReadBytes(simdjson::dom::element e, const char* what, std::optional<std::string>* out) {
  if (e.is_null()) {
    out->reset();
    return Status::OK();
  }
  std::string_view text;
  if (!e.get_string().get(text)) {
    out->emplace(text);
    return Status::OK();
  }
  simdjson::dom::object o;
  std::string_view b64;
  if (!e.get_object().get(o) && !o["base64"].get_string().get(b64)) {
    std::optional<std::string> bytes = Base64Decode(b64);
    if (!bytes) return Status::InvalidArgument(std::string(what) + ": invalid base64");
    *out = std::move(bytes);
    return Status::OK();
  }
  return Status::InvalidArgument(std::string(what) + " must be null, a string or {\"base64\": \"…\"}");
}

void AppendBytes(const std::optional<std::string>& bytes, std::string* out) {
  if (!bytes) {
    out->append("null");
  } else if (IsValidUtf8(*bytes)) {
    AppendJsonString(*bytes, out);
  } else {
    out->append("{\"base64\":");
    AppendJsonString(Base64Encode(*bytes), out);
    out->push_back('}');
  }
}

}  // namespace

Status ParseRecordLine(std::string_view line, int64_t default_offset, RecordLine* record) {
  *record = RecordLine();
  static thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(line.data(), line.size()).get(root)) {
    return Status::InvalidArgument(std::string("not JSON: ") + simdjson::error_message(error));
  }
  simdjson::dom::object o;
  if (root.get_object().get(o)) return Status::InvalidArgument("not a JSON object");
  simdjson::dom::element e;
  if (!o["value"].get(e)) RP_RETURN_IF_ERROR(ReadBytes(e, "value", &record->value));
  if (!o["key"].get(e)) RP_RETURN_IF_ERROR(ReadBytes(e, "key", &record->key));
  std::string_view topic;
  if (!o["topic"].get_string().get(topic)) record->topic = topic;
  int64_t partition = 0, offset = default_offset, timestamp = -1;
  if (o["partition"].get(e) == simdjson::SUCCESS && e.get_int64().get(partition)) {
    return Status::InvalidArgument("partition must be an integer");
  }
  if (o["offset"].get(e) == simdjson::SUCCESS && e.get_int64().get(offset)) {
    return Status::InvalidArgument("offset must be an integer");
  }
  if (o["timestamp"].get(e) == simdjson::SUCCESS && e.get_int64().get(timestamp)) {
    return Status::InvalidArgument("timestamp must be an integer");
  }
  simdjson::dom::array headers;
  if (o["headers"].get(e) == simdjson::SUCCESS) {
    if (e.get_array().get(headers)) return Status::InvalidArgument("headers must be an array of [name, value]");
    for (simdjson::dom::element h : headers) {
      simdjson::dom::array pair;
      std::string_view name;
      if (h.get_array().get(pair) || pair.size() != 2 || pair.at(0).get_string().get(name)) {
        return Status::InvalidArgument("headers must be an array of [name, value]");
      }
      std::optional<std::string> value;
      RP_RETURN_IF_ERROR(ReadBytes(pair.at(1).value_unsafe(), "a header value", &value));
      record->headers.emplace_back(std::string(name), std::move(value));
    }
  }
  for (const auto& [name, value] : record->headers) {
    record->header_views.push_back(
        {name, value ? std::optional<std::string_view>(*value) : std::optional<std::string_view>()});
  }
  auto& in = record->input;
  if (record->value) in.value = *record->value;
  if (record->key) in.key = *record->key;
  in.headers = record->header_views;
  in.topic = record->topic;
  in.partition = static_cast<int32_t>(partition);
  in.offset = offset;
  in.timestamp_ms = timestamp;
  return Status::OK();
}

std::string FormatRecordResult(const logic::InputRecord& in, logic::Outcome outcome, const logic::OutputRecord& out,
                               const logic::LogicRejection& rejection) {
  std::string line = "{\"partition\":" + std::to_string(in.partition) + ",\"offset\":" + std::to_string(in.offset);
  switch (outcome) {
    case logic::Outcome::kFiltered:
      line += ",\"outcome\":\"filtered\"}";
      return line;
    case logic::Outcome::kRejected:
      line += ",\"outcome\":\"rejected\",\"reason\":";
      AppendJsonString(ToValidUtf8(rejection.reason), &line);
      line += ",\"detail\":";
      AppendJsonString(ToValidUtf8(rejection.detail), &line);
      line += '}';
      return line;
    case logic::Outcome::kOutput:
      break;
  }
  line += ",\"outcome\":\"output\",\"value\":";
  AppendBytes(out.value, &line);
  line += ",\"key\":";
  AppendBytes(out.key, &line);
  line += ",\"headers\":[";
  for (size_t i = 0; i < out.headers.size(); ++i) {
    if (i) line += ',';
    line += '[';
    AppendJsonString(ToValidUtf8(out.headers[i].name), &line);
    line += ',';
    AppendBytes(out.headers[i].value, &line);
    line += ']';
  }
  line += "]}";
  return line;
}

}  // namespace rp::cli
