#include "delta/action_json.h"

#include <limits>
#include <utility>

#include "delta/deletion_vector.h"
#include "delta/json_parse.h"

namespace rp::delta {
namespace json {

// add/remove.deletionVector (PROTOCOL.md "Deletion Vector Descriptor Schema");
// `what` is "add.deletionVector" or "remove.deletionVector".
Status ParseDeletionVector(object o, std::string_view what, DeletionVectorDescriptor* out) {
  *out = DeletionVectorDescriptor();
  RP_ASSIGN_OR_RETURN(auto storage_type, ReqString(o, what, "storageType"));
  out->storage_type = std::string(storage_type);
  RP_ASSIGN_OR_RETURN(auto path, ReqString(o, what, "pathOrInlineDv"));
  out->path_or_inline_dv = std::string(path);
  RP_ASSIGN_OR_RETURN(auto offset, OptInt(o, what, "offset"));
  RP_ASSIGN_OR_RETURN(int64_t size, ReqInt(o, what, "sizeInBytes"));
  RP_ASSIGN_OR_RETURN(out->cardinality, ReqInt(o, what, "cardinality"));
  // offset and sizeInBytes are Ints: a larger number must not wrap.
  for (auto [name, v] : {std::pair{"offset", offset.value_or(0)}, std::pair{"sizeInBytes", size}}) {
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      return Status::Corruption(std::string(what) + "." + name + ": out of range: " + std::to_string(v));
    }
  }
  if (offset) out->offset = static_cast<int32_t>(*offset);
  out->size_in_bytes = static_cast<int32_t>(size);
  return ValidateDeletionVector(*out).WithContext(what);
}

Status ParseProtocol(object o, Protocol* out) {
  constexpr std::string_view kWhat = "protocol";
  RP_ASSIGN_OR_RETURN(int64_t reader, ReqInt(o, kWhat, "minReaderVersion"));
  RP_ASSIGN_OR_RETURN(int64_t writer, ReqInt(o, kWhat, "minWriterVersion"));
  // Versions are ints; a larger number must not wrap into a supported one.
  for (auto [name, v] : {std::pair{"minReaderVersion", reader}, std::pair{"minWriterVersion", writer}}) {
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
      return Status::Corruption(std::string("protocol.") + name + ": out of range: " + std::to_string(v));
    }
  }
  out->min_reader_version = static_cast<int>(reader);
  out->min_writer_version = static_cast<int>(writer);
  out->reader_features.reset();
  out->writer_features.reset();
  RP_ASSIGN_OR_RETURN(auto rf, OptArray(o, kWhat, "readerFeatures"));
  if (rf) RP_RETURN_IF_ERROR(ReadStringList(*rf, "protocol.readerFeatures", &out->reader_features.emplace()));
  RP_ASSIGN_OR_RETURN(auto wf, OptArray(o, kWhat, "writerFeatures"));
  if (wf) RP_RETURN_IF_ERROR(ReadStringList(*wf, "protocol.writerFeatures", &out->writer_features.emplace()));
  return Status::OK();
}

Status ParseMetadata(object o, Metadata* out) {
  constexpr std::string_view kWhat = "metaData";
  *out = Metadata();
  RP_ASSIGN_OR_RETURN(auto id, ReqString(o, kWhat, "id"));
  out->id = std::string(id);
  RP_ASSIGN_OR_RETURN(auto name, OptString(o, kWhat, "name"));
  if (name) out->name = std::string(*name);
  RP_ASSIGN_OR_RETURN(auto description, OptString(o, kWhat, "description"));
  if (description) out->description = std::string(*description);
  RP_ASSIGN_OR_RETURN(auto format, OptObject(o, kWhat, "format"));
  if (format) {
    RP_ASSIGN_OR_RETURN(auto provider, OptString(*format, "metaData.format", "provider"));
    if (provider) out->format_provider = std::string(*provider);
    RP_ASSIGN_OR_RETURN(auto options, OptObject(*format, "metaData.format", "options"));
    if (options) RP_RETURN_IF_ERROR(ReadStringMap(*options, "metaData.format.options", &out->format_options));
  }
  RP_ASSIGN_OR_RETURN(auto schema, ReqString(o, kWhat, "schemaString"));
  out->schema_string = std::string(schema);
  RP_ASSIGN_OR_RETURN(auto partition_columns, OptArray(o, kWhat, "partitionColumns"));
  if (partition_columns) {
    RP_RETURN_IF_ERROR(
        ReadStringList(*partition_columns, "metaData.partitionColumns", &out->partition_columns));
  }
  RP_ASSIGN_OR_RETURN(auto configuration, OptObject(o, kWhat, "configuration"));
  if (configuration)
    RP_RETURN_IF_ERROR(ReadStringMap(*configuration, "metaData.configuration", &out->configuration));
  RP_ASSIGN_OR_RETURN(out->created_time, OptInt(o, kWhat, "createdTime"));
  return Status::OK();
}

Status ParseAddFile(object o, AddFile* out) {
  constexpr std::string_view kWhat = "add";
  *out = AddFile();
  RP_ASSIGN_OR_RETURN(auto path, ReqString(o, kWhat, "path"));
  out->path = std::string(path);
  RP_ASSIGN_OR_RETURN(auto partition_values, OptObject(o, kWhat, "partitionValues"));
  if (partition_values) {
    RP_RETURN_IF_ERROR(ReadPartitionValues(*partition_values, "add.partitionValues", &out->partition_values));
  }
  RP_ASSIGN_OR_RETURN(out->size, ReqInt(o, kWhat, "size"));
  RP_ASSIGN_OR_RETURN(auto modification_time, OptInt(o, kWhat, "modificationTime"));
  out->modification_time = modification_time.value_or(0);
  RP_ASSIGN_OR_RETURN(auto data_change, OptBool(o, kWhat, "dataChange"));
  out->data_change = data_change.value_or(true);
  RP_ASSIGN_OR_RETURN(auto stats, OptString(o, kWhat, "stats"));
  if (stats) out->stats = std::string(*stats);
  RP_ASSIGN_OR_RETURN(auto tags, OptObject(o, kWhat, "tags"));
  if (tags) RP_RETURN_IF_ERROR(ReadStringMap(*tags, "add.tags", &out->tags.emplace()));
  RP_ASSIGN_OR_RETURN(auto dv, OptObject(o, kWhat, "deletionVector"));
  if (dv) RP_RETURN_IF_ERROR(ParseDeletionVector(*dv, "add.deletionVector", &out->deletion_vector.emplace()));
  return Status::OK();
}

Status ParseRemoveFile(object o, RemoveFile* out) {
  constexpr std::string_view kWhat = "remove";
  *out = RemoveFile();
  RP_ASSIGN_OR_RETURN(auto path, ReqString(o, kWhat, "path"));
  out->path = std::string(path);
  RP_ASSIGN_OR_RETURN(out->deletion_timestamp, OptInt(o, kWhat, "deletionTimestamp"));
  RP_ASSIGN_OR_RETURN(auto data_change, OptBool(o, kWhat, "dataChange"));
  out->data_change = data_change.value_or(true);
  RP_ASSIGN_OR_RETURN(out->extended_file_metadata, OptBool(o, kWhat, "extendedFileMetadata"));
  RP_ASSIGN_OR_RETURN(auto partition_values, OptObject(o, kWhat, "partitionValues"));
  if (partition_values) {
    RP_RETURN_IF_ERROR(
        ReadPartitionValues(*partition_values, "remove.partitionValues", &out->partition_values.emplace()));
  }
  RP_ASSIGN_OR_RETURN(out->size, OptInt(o, kWhat, "size"));
  RP_ASSIGN_OR_RETURN(auto dv, OptObject(o, kWhat, "deletionVector"));
  if (dv) {
    RP_RETURN_IF_ERROR(ParseDeletionVector(*dv, "remove.deletionVector", &out->deletion_vector.emplace()));
  }
  return Status::OK();
}

Status ParseTxn(object o, Txn* out) {
  constexpr std::string_view kWhat = "txn";
  RP_ASSIGN_OR_RETURN(auto app_id, ReqString(o, kWhat, "appId"));
  out->app_id = std::string(app_id);
  RP_ASSIGN_OR_RETURN(out->version, ReqInt(o, kWhat, "version"));
  RP_ASSIGN_OR_RETURN(out->last_updated, OptInt(o, kWhat, "lastUpdated"));
  return Status::OK();
}

void ParseCommitInfo(object o, CommitInfo* out) {
  *out = CommitInfo();
  for (auto field : o) {
    const std::string_view key = field.key;
    element v = field.value;
    if (key == "timestamp") {
      int64_t ts;
      if (v.get_int64().get(ts) == simdjson::SUCCESS) out->timestamp = ts;
    } else if (key == "operation") {
      std::string_view s;
      if (v.get_string().get(s) == simdjson::SUCCESS) out->operation = std::string(s);
    } else if (key == "operationParameters" || key == "operationMetrics") {
      object params;
      if (v.get_object().get(params) != simdjson::SUCCESS) continue;
      auto& target = key == "operationParameters" ? out->operation_parameters : out->operation_metrics;
      for (auto p : params) target[std::string(p.key)] = simdjson::minify(p.value);
    } else if (key == "readVersion") {
      int64_t rv;
      if (v.get_int64().get(rv) == simdjson::SUCCESS) out->read_version = rv;
    } else if (key == "isBlindAppend") {
      bool b;
      if (v.get_bool().get(b) == simdjson::SUCCESS) out->is_blind_append = b;
    } else if (key == "engineInfo") {
      std::string_view s;
      if (v.get_string().get(s) == simdjson::SUCCESS) out->engine_info = std::string(s);
    } else if (key == "txnId") {
      std::string_view s;
      if (v.get_string().get(s) == simdjson::SUCCESS) out->txn_id = std::string(s);
    }
  }
}

}  // namespace json

namespace {

// Parses one line holding one action object into `out`.
Status ParseActionLine(json::element doc, LogActions* out) {
  json::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return Status::Corruption("expected a JSON object");
  for (auto field : obj) {
    const std::string_view key = field.key;
    json::object body;
    // A null action (or an unknown non-object one) carries nothing we use.
    if (field.value.get_object().get(body) != simdjson::SUCCESS) {
      if (field.value.is_null()) continue;
      if (key == "add" || key == "remove" || key == "metaData" || key == "protocol" || key == "txn") {
        return Status::Corruption(std::string(key) + ": expected an object");
      }
      continue;
    }
    if (key == "add") {
      RP_RETURN_IF_ERROR(json::ParseAddFile(body, &out->adds.emplace_back()));
    } else if (key == "remove") {
      RP_RETURN_IF_ERROR(json::ParseRemoveFile(body, &out->removes.emplace_back()));
    } else if (key == "metaData") {
      RP_RETURN_IF_ERROR(json::ParseMetadata(body, &out->metadata.emplace()));
    } else if (key == "protocol") {
      RP_RETURN_IF_ERROR(json::ParseProtocol(body, &out->protocol.emplace()));
    } else if (key == "txn") {
      RP_RETURN_IF_ERROR(json::ParseTxn(body, &out->txns.emplace_back()));
    } else if (key == "commitInfo") {
      json::ParseCommitInfo(body, &out->commit_info.emplace());
    }
    // Anything else (cdc, domainMetadata, checkpointMetadata, sidecar, future
    // actions) does not change what we read: the protocol says to ignore it.
  }
  return Status::OK();
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// Writes `raw` if it is one valid JSON value, else as a JSON string, so that a
// caller's malformed parameter can never corrupt a commit file.
void WriteRawOrString(const std::string& raw, simdjson::dom::parser* parser, JsonWriter* w) {
  json::element e;
  if (!raw.empty() && parser->parse(raw).get(e) == simdjson::SUCCESS) {
    w->Raw(raw);
  } else {
    w->String(raw);
  }
}

void WriteStringMap(const std::map<std::string, std::string>& m, JsonWriter* w) {
  w->BeginObject();
  for (const auto& [k, v] : m) w->Key(k).String(v);
  w->EndObject();
}

void WritePartitionValues(const PartitionValues& m, JsonWriter* w) {
  w->BeginObject();
  for (const auto& [k, v] : m) {
    w->Key(k);
    if (v) {
      w->String(*v);
    } else {
      w->Null();
    }
  }
  w->EndObject();
}

void WriteDeletionVector(const DeletionVectorDescriptor& dv, JsonWriter* w) {
  w->BeginObject();
  w->Key("storageType").String(dv.storage_type);
  w->Key("pathOrInlineDv").String(dv.path_or_inline_dv);
  if (dv.offset) w->Key("offset").Int(*dv.offset);
  w->Key("sizeInBytes").Int(dv.size_in_bytes);
  w->Key("cardinality").Int(dv.cardinality);
  w->EndObject();
}

void WriteStringList(const std::vector<std::string>& list, JsonWriter* w) {
  w->BeginArray();
  for (const auto& s : list) w->String(s);
  w->EndArray();
}

}  // namespace

Result<LogActions> ParseCommitFile(std::string_view content, std::string_view file_name) {
  if (IsBlank(content) || content.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::Corruption(std::string(file_name) + ": empty commit file");
  }
  // One padded copy of the whole file lets every line be parsed in place:
  // the bytes after a line (and the final padding) satisfy simdjson.
  simdjson::padded_string padded(content);
  simdjson::dom::parser parser;
  LogActions out;
  size_t pos = 0;
  int64_t line = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    ++line;
    std::string_view text = content.substr(pos, end - pos);
    const size_t start = pos;
    pos = end + 1;
    if (IsBlank(text)) continue;
    json::element doc;
    auto err = parser.parse(padded.data() + start, text.size(), false).get(doc);
    Status st = err != simdjson::SUCCESS
                    ? Status::Corruption(std::string("invalid JSON (") + simdjson::error_message(err) + ")")
                    : ParseActionLine(doc, &out);
    if (!st.ok()) {
      return Status::Corruption(std::string(file_name) + " line " + std::to_string(line) + ": " +
                                st.message());
    }
  }
  return out;
}

void WriteProtocol(const Protocol& p, JsonWriter* w) {
  w->BeginObject();
  w->Key("minReaderVersion").Int(p.min_reader_version);
  w->Key("minWriterVersion").Int(p.min_writer_version);
  if (p.reader_features) WriteStringList(*p.reader_features, &w->Key("readerFeatures"));
  if (p.writer_features) WriteStringList(*p.writer_features, &w->Key("writerFeatures"));
  w->EndObject();
}

void WriteMetadata(const Metadata& m, JsonWriter* w) {
  w->BeginObject();
  w->Key("id").String(m.id);
  if (m.name) w->Key("name").String(*m.name);
  if (m.description) w->Key("description").String(*m.description);
  w->Key("format").BeginObject();
  w->Key("provider").String(m.format_provider);
  WriteStringMap(m.format_options, &w->Key("options"));
  w->EndObject();
  w->Key("schemaString").String(m.schema_string);
  WriteStringList(m.partition_columns, &w->Key("partitionColumns"));
  WriteStringMap(m.configuration, &w->Key("configuration"));
  if (m.created_time) w->Key("createdTime").Int(*m.created_time);
  w->EndObject();
}

void WriteAddFile(const AddFile& a, JsonWriter* w) {
  w->BeginObject();
  w->Key("path").String(a.path);
  WritePartitionValues(a.partition_values, &w->Key("partitionValues"));
  w->Key("size").Int(a.size);
  w->Key("modificationTime").Int(a.modification_time);
  w->Key("dataChange").Bool(a.data_change);
  if (a.stats) w->Key("stats").String(*a.stats);
  if (a.tags) WriteStringMap(*a.tags, &w->Key("tags"));
  if (a.deletion_vector) WriteDeletionVector(*a.deletion_vector, &w->Key("deletionVector"));
  w->EndObject();
}

void WriteRemoveFile(const RemoveFile& r, JsonWriter* w) {
  w->BeginObject();
  w->Key("path").String(r.path);
  if (r.deletion_timestamp) w->Key("deletionTimestamp").Int(*r.deletion_timestamp);
  w->Key("dataChange").Bool(r.data_change);
  if (r.extended_file_metadata) w->Key("extendedFileMetadata").Bool(*r.extended_file_metadata);
  if (r.partition_values) WritePartitionValues(*r.partition_values, &w->Key("partitionValues"));
  if (r.size) w->Key("size").Int(*r.size);
  if (r.deletion_vector) WriteDeletionVector(*r.deletion_vector, &w->Key("deletionVector"));
  w->EndObject();
}

void WriteTxn(const Txn& t, JsonWriter* w) {
  w->BeginObject();
  w->Key("appId").String(t.app_id);
  w->Key("version").Int(t.version);
  if (t.last_updated) w->Key("lastUpdated").Int(*t.last_updated);
  w->EndObject();
}

void WriteCommitInfo(const CommitInfo& c, JsonWriter* w) {
  simdjson::dom::parser parser;
  w->BeginObject();
  w->Key("timestamp").Int(c.timestamp);
  w->Key("operation").String(c.operation);
  w->Key("operationParameters").BeginObject();
  for (const auto& [k, v] : c.operation_parameters) WriteRawOrString(v, &parser, &w->Key(k));
  w->EndObject();
  if (c.read_version) w->Key("readVersion").Int(*c.read_version);
  w->Key("isBlindAppend").Bool(c.is_blind_append);
  if (!c.operation_metrics.empty()) {
    w->Key("operationMetrics").BeginObject();
    for (const auto& [k, v] : c.operation_metrics) WriteRawOrString(v, &parser, &w->Key(k));
    w->EndObject();
  }
  if (!c.engine_info.empty()) w->Key("engineInfo").String(c.engine_info);
  if (c.txn_id) w->Key("txnId").String(*c.txn_id);
  w->EndObject();
}

std::string SerializeCommit(const LogActions& actions) {
  std::string out;
  auto line = [&out](const char* key, auto&& write_body) {
    JsonWriter w;
    w.BeginObject().Key(key);
    write_body(&w);
    w.EndObject();
    out.append(w.str());
    out.push_back('\n');
  };
  if (actions.commit_info)
    line("commitInfo", [&](JsonWriter* w) { WriteCommitInfo(*actions.commit_info, w); });
  if (actions.protocol) line("protocol", [&](JsonWriter* w) { WriteProtocol(*actions.protocol, w); });
  if (actions.metadata) line("metaData", [&](JsonWriter* w) { WriteMetadata(*actions.metadata, w); });
  for (const auto& t : actions.txns) line("txn", [&](JsonWriter* w) { WriteTxn(t, w); });
  for (const auto& r : actions.removes) line("remove", [&](JsonWriter* w) { WriteRemoveFile(r, w); });
  for (const auto& a : actions.adds) line("add", [&](JsonWriter* w) { WriteAddFile(a, w); });
  return out;
}

}  // namespace rp::delta
