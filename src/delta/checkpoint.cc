#include "delta/checkpoint.h"

#include <arrow/api.h>
#include <arrow/io/interfaces.h>
#include <arrow/io/memory.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/exception.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "delta/deletion_vector.h"
#include "delta/json_parse.h"
#include "delta/json_writer.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/snapshot.h"
#include "delta/table_properties.h"

namespace rp::delta {

// ---------------------------------------------------------------------------
// _last_checkpoint

std::string SerializeLastCheckpoint(const LastCheckpoint& h) {
  JsonWriter w;
  w.BeginObject();
  w.Key("version").Int(h.version);
  w.Key("size").Int(h.size);
  if (h.parts) w.Key("parts").Int(*h.parts);
  if (h.size_in_bytes) w.Key("sizeInBytes").Int(*h.size_in_bytes);
  if (h.num_of_add_files) w.Key("numOfAddFiles").Int(*h.num_of_add_files);
  w.EndObject();
  return w.Release();
}

Result<LastCheckpoint> ParseLastCheckpoint(std::string_view content) {
  simdjson::dom::parser parser;
  json::element root;
  json::object o;
  if (parser.parse(content.data(), content.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(o) != simdjson::SUCCESS) {
    return Status::Corruption("_last_checkpoint is not a JSON object");
  }
  LastCheckpoint h;
  RP_ASSIGN_OR_RETURN(h.version, json::ReqInt(o, "_last_checkpoint", "version"));
  RP_ASSIGN_OR_RETURN(auto size, json::OptInt(o, "_last_checkpoint", "size"));
  h.size = size.value_or(0);
  RP_ASSIGN_OR_RETURN(h.parts, json::OptInt(o, "_last_checkpoint", "parts"));
  RP_ASSIGN_OR_RETURN(h.size_in_bytes, json::OptInt(o, "_last_checkpoint", "sizeInBytes"));
  RP_ASSIGN_OR_RETURN(h.num_of_add_files, json::OptInt(o, "_last_checkpoint", "numOfAddFiles"));
  if (h.version < 0) return Status::Corruption("_last_checkpoint has a negative version");
  return h;
}

std::optional<LastCheckpoint> ReadLastCheckpoint(const LogStore& store) {
  auto content = store.Read(kLastCheckpointFileName);
  if (!content.ok()) return std::nullopt;
  auto hint = ParseLastCheckpoint(*content);
  if (!hint.ok()) return std::nullopt;
  return *hint;
}

// ---------------------------------------------------------------------------
// Reading: columns by name, tolerant of extra and missing optional ones.

namespace {

using ArrayPtr = std::shared_ptr<arrow::Array>;

// A struct column's child by name, or null when absent.
ArrayPtr Child(const arrow::StructArray& s, const char* name) { return s.GetFieldByName(name); }

std::optional<std::string> GetString(const ArrayPtr& a, int64_t i) {
  if (!a || a->IsNull(i)) return std::nullopt;
  switch (a->type_id()) {
    case arrow::Type::STRING:
    case arrow::Type::BINARY:
      return std::string(static_cast<const arrow::BinaryArray&>(*a).GetView(i));
    case arrow::Type::LARGE_STRING:
    case arrow::Type::LARGE_BINARY:
      return std::string(static_cast<const arrow::LargeBinaryArray&>(*a).GetView(i));
    default:
      return std::nullopt;
  }
}

std::optional<int64_t> GetInt(const ArrayPtr& a, int64_t i) {
  if (!a || a->IsNull(i)) return std::nullopt;
  switch (a->type_id()) {
    case arrow::Type::INT64:
      return static_cast<const arrow::Int64Array&>(*a).Value(i);
    case arrow::Type::INT32:
      return static_cast<const arrow::Int32Array&>(*a).Value(i);
    case arrow::Type::INT16:
      return static_cast<const arrow::Int16Array&>(*a).Value(i);
    case arrow::Type::INT8:
      return static_cast<const arrow::Int8Array&>(*a).Value(i);
    default:
      return std::nullopt;
  }
}

std::optional<bool> GetBool(const ArrayPtr& a, int64_t i) {
  if (!a || a->IsNull(i) || a->type_id() != arrow::Type::BOOL) return std::nullopt;
  return static_cast<const arrow::BooleanArray&>(*a).Value(i);
}

bool IsStringType(const arrow::DataType& t) {
  return t.id() == arrow::Type::STRING || t.id() == arrow::Type::LARGE_STRING ||
         t.id() == arrow::Type::BINARY || t.id() == arrow::Type::LARGE_BINARY;
}

// Reads map<string,string> row `i`. `keep_nulls` keeps null values (partition
// values); otherwise they are dropped. A non-map column is Corruption.
template <typename MapT>
Status GetMap(const ArrayPtr& a, int64_t i, const char* what, bool keep_nulls, MapT* out) {
  out->clear();
  if (!a || a->IsNull(i)) return Status::OK();
  if (a->type_id() != arrow::Type::MAP) return Status::Corruption(std::string(what) + " is not a map column");
  const auto& m = static_cast<const arrow::MapArray&>(*a);
  if (!IsStringType(*m.keys()->type()) || !IsStringType(*m.items()->type())) {
    return Status::Corruption(std::string(what) + " is not a map<string,string> column");
  }
  const int64_t begin = m.value_offset(i), end = begin + m.value_length(i);
  for (int64_t j = begin; j < end; ++j) {
    auto key = GetString(m.keys(), j);
    if (!key) return Status::Corruption(std::string(what) + " has a null key");
    auto value = GetString(m.items(), j);
    if constexpr (std::is_same_v<MapT, PartitionValues>) {
      (*out)[*key] = std::move(value);
    } else {
      if (value || keep_nulls) (*out)[*key] = value.value_or("");
    }
  }
  return Status::OK();
}

Status GetStringList(const ArrayPtr& a, int64_t i, const char* what, std::vector<std::string>* out) {
  out->clear();
  if (!a || a->IsNull(i)) return Status::OK();
  ArrayPtr values;
  int64_t begin = 0, end = 0;
  if (a->type_id() == arrow::Type::LIST) {
    const auto& l = static_cast<const arrow::ListArray&>(*a);
    values = l.values();
    begin = l.value_offset(i);
    end = begin + l.value_length(i);
  } else if (a->type_id() == arrow::Type::LARGE_LIST) {
    const auto& l = static_cast<const arrow::LargeListArray&>(*a);
    values = l.values();
    begin = l.value_offset(i);
    end = begin + l.value_length(i);
  } else {
    return Status::Corruption(std::string(what) + " is not a list column");
  }
  for (int64_t j = begin; j < end; ++j) {
    auto s = GetString(values, j);
    if (!s) return Status::Corruption(std::string(what) + " holds a null or non-string element");
    out->push_back(std::move(*s));
  }
  return Status::OK();
}

Status Missing(const char* field) { return Status::Corruption(std::string(field) + " is null or missing"); }

// add/remove.deletionVector, a struct column; absent or null is no DV. The
// same checks as the JSON reader's (ValidateDeletionVector).
Status ReadDeletionVectorRow(const arrow::StructArray& s, int64_t i, const std::string& what,
                             std::optional<DeletionVectorDescriptor>* out) {
  out->reset();
  auto column = Child(s, "deletionVector");
  if (!column || column->IsNull(i)) return Status::OK();
  if (column->type_id() != arrow::Type::STRUCT) return Status::Corruption(what + " is not a struct column");
  const auto& dv = static_cast<const arrow::StructArray&>(*column);
  DeletionVectorDescriptor d;
  auto storage_type = GetString(Child(dv, "storageType"), i);
  auto path = GetString(Child(dv, "pathOrInlineDv"), i);
  auto offset = GetInt(Child(dv, "offset"), i);
  auto size = GetInt(Child(dv, "sizeInBytes"), i);
  auto cardinality = GetInt(Child(dv, "cardinality"), i);
  if (!storage_type) return Status::Corruption(what + ".storageType is null or missing");
  if (!path) return Status::Corruption(what + ".pathOrInlineDv is null or missing");
  if (!size) return Status::Corruption(what + ".sizeInBytes is null or missing");
  if (!cardinality) return Status::Corruption(what + ".cardinality is null or missing");
  for (int64_t v : {offset.value_or(0), *size}) {
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      return Status::Corruption(what + ": value out of range: " + std::to_string(v));
    }
  }
  d.storage_type = std::move(*storage_type);
  d.path_or_inline_dv = std::move(*path);
  if (offset) d.offset = static_cast<int32_t>(*offset);
  d.size_in_bytes = static_cast<int32_t>(*size);
  d.cardinality = *cardinality;
  RP_RETURN_IF_ERROR(ValidateDeletionVector(d).WithContext(what));
  *out = std::move(d);
  return Status::OK();
}

Status ReadProtocolRow(const arrow::StructArray& s, int64_t i, Protocol* p) {
  auto reader = GetInt(Child(s, "minReaderVersion"), i);
  auto writer = GetInt(Child(s, "minWriterVersion"), i);
  if (!reader) return Missing("protocol.minReaderVersion");
  if (!writer) return Missing("protocol.minWriterVersion");
  // Versions are ints; a larger number must not wrap into a supported one.
  for (int64_t v : {*reader, *writer}) {
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
      return Status::Corruption("protocol version out of range: " + std::to_string(v));
    }
  }
  p->min_reader_version = static_cast<int>(*reader);
  p->min_writer_version = static_cast<int>(*writer);
  for (auto [name, target] :
       {std::pair{"readerFeatures", &p->reader_features}, std::pair{"writerFeatures", &p->writer_features}}) {
    auto col = Child(s, name);
    if (col && !col->IsNull(i)) {
      RP_RETURN_IF_ERROR(GetStringList(col, i, name, &target->emplace()));
    }
  }
  return Status::OK();
}

Status ReadMetadataRow(const arrow::StructArray& s, int64_t i, Metadata* m) {
  auto id = GetString(Child(s, "id"), i);
  if (!id) return Missing("metaData.id");
  m->id = std::move(*id);
  m->name = GetString(Child(s, "name"), i);
  m->description = GetString(Child(s, "description"), i);
  if (auto format = Child(s, "format");
      format && format->type_id() == arrow::Type::STRUCT && !format->IsNull(i)) {
    const auto& f = static_cast<const arrow::StructArray&>(*format);
    if (auto provider = GetString(Child(f, "provider"), i)) m->format_provider = std::move(*provider);
    RP_RETURN_IF_ERROR(GetMap(Child(f, "options"), i, "metaData.format.options", false, &m->format_options));
  }
  auto schema = GetString(Child(s, "schemaString"), i);
  if (!schema) return Missing("metaData.schemaString");
  m->schema_string = std::move(*schema);
  RP_RETURN_IF_ERROR(
      GetStringList(Child(s, "partitionColumns"), i, "metaData.partitionColumns", &m->partition_columns));
  RP_RETURN_IF_ERROR(
      GetMap(Child(s, "configuration"), i, "metaData.configuration", false, &m->configuration));
  m->created_time = GetInt(Child(s, "createdTime"), i);
  return Status::OK();
}

Status ReadAddRow(const arrow::StructArray& s, int64_t i, AddFile* a) {
  auto path = GetString(Child(s, "path"), i);
  if (!path) return Missing("add.path");
  a->path = std::move(*path);
  RP_RETURN_IF_ERROR(
      GetMap(Child(s, "partitionValues"), i, "add.partitionValues", true, &a->partition_values));
  auto size = GetInt(Child(s, "size"), i);
  if (!size) return Missing("add.size");
  a->size = *size;
  a->modification_time = GetInt(Child(s, "modificationTime"), i).value_or(0);
  a->data_change = GetBool(Child(s, "dataChange"), i).value_or(false);
  a->stats = GetString(Child(s, "stats"), i);
  if (auto tags = Child(s, "tags"); tags && !tags->IsNull(i)) {
    RP_RETURN_IF_ERROR(GetMap(tags, i, "add.tags", false, &a->tags.emplace()));
  }
  RP_RETURN_IF_ERROR(ReadDeletionVectorRow(s, i, "add.deletionVector", &a->deletion_vector));
  return Status::OK();
}

Status ReadRemoveRow(const arrow::StructArray& s, int64_t i, RemoveFile* r) {
  auto path = GetString(Child(s, "path"), i);
  if (!path) return Missing("remove.path");
  r->path = std::move(*path);
  r->deletion_timestamp = GetInt(Child(s, "deletionTimestamp"), i);
  r->data_change = GetBool(Child(s, "dataChange"), i).value_or(false);
  r->extended_file_metadata = GetBool(Child(s, "extendedFileMetadata"), i);
  if (auto pv = Child(s, "partitionValues"); pv && !pv->IsNull(i)) {
    RP_RETURN_IF_ERROR(GetMap(pv, i, "remove.partitionValues", true, &r->partition_values.emplace()));
  }
  r->size = GetInt(Child(s, "size"), i);
  RP_RETURN_IF_ERROR(ReadDeletionVectorRow(s, i, "remove.deletionVector", &r->deletion_vector));
  return Status::OK();
}

Status ReadTxnRow(const arrow::StructArray& s, int64_t i, Txn* t) {
  auto app_id = GetString(Child(s, "appId"), i);
  if (!app_id) return Missing("txn.appId");
  auto version = GetInt(Child(s, "version"), i);
  if (!version) return Missing("txn.version");
  t->app_id = std::move(*app_id);
  t->version = *version;
  t->last_updated = GetInt(Child(s, "lastUpdated"), i);
  return Status::OK();
}

// Decodes every non-null row of one top-level action column.
Status ReadActionColumn(const std::string& name, const arrow::ChunkedArray& column, LogActions* out) {
  int64_t row_base = 0;
  for (const auto& chunk : column.chunks()) {
    if (chunk->type_id() != arrow::Type::STRUCT)
      return Status::Corruption("column " + name + " is not a struct");
    const auto& s = static_cast<const arrow::StructArray&>(*chunk);
    for (int64_t i = 0; i < s.length(); ++i) {
      if (s.IsNull(i)) continue;
      Status st;
      if (name == "add") {
        st = ReadAddRow(s, i, &out->adds.emplace_back());
      } else if (name == "remove") {
        st = ReadRemoveRow(s, i, &out->removes.emplace_back());
      } else if (name == "txn") {
        st = ReadTxnRow(s, i, &out->txns.emplace_back());
      } else if (name == "metaData") {
        st = ReadMetadataRow(s, i, &out->metadata.emplace());
      } else if (name == "protocol") {
        st = ReadProtocolRow(s, i, &out->protocol.emplace());
      }
      if (!st.ok()) return st.WithContext("row " + std::to_string(row_base + i));
    }
    row_base += s.length();
  }
  return Status::OK();
}

Result<LogActions> DecodeCheckpoint(const std::shared_ptr<arrow::io::RandomAccessFile>& input, bool removes) {
  auto reader = parquet::arrow::OpenFile(input, arrow::default_memory_pool());
  if (!reader.ok()) return Status::Corruption("not a readable Parquet file: " + reader.status().ToString());
  std::shared_ptr<arrow::Schema> schema;
  auto st = (*reader)->GetSchema(&schema);
  if (!st.ok()) return Status::Corruption("unreadable Parquet schema: " + st.ToString());
  LogActions out;
  bool any = false;
  for (int i = 0; i < schema->num_fields(); ++i) {
    const std::string& name = schema->field(i)->name();
    if (name != "add" && name != "remove" && name != "txn" && name != "metaData" && name != "protocol")
      continue;
    any = true;
    if (name == "remove" && !removes) continue;
    std::shared_ptr<arrow::ChunkedArray> column;
    st = (*reader)->ReadColumn(i, &column);
    if (!st.ok()) return Status::Corruption("cannot read column " + name + ": " + st.ToString());
    RP_RETURN_IF_ERROR(ReadActionColumn(name, *column, &out));
  }
  if (!any) return Status::Corruption("no action columns (add/remove/metaData/protocol/txn)");
  if (!out.protocol) return Status::Corruption("no protocol row");
  if (!out.metadata) return Status::Corruption("no metaData row");
  return out;
}

}  // namespace

Result<LogActions> ReadCheckpoint(const LogStore& store, int64_t version, bool removes) {
  const std::string name = CheckpointFileName(version);
  RP_ASSIGN_OR_RETURN(auto input, store.storage()->OpenForRead(LogStore::KeyOf(name)));
  // Arrow and Parquet may throw on malformed input; nothing escapes this layer.
  try {
    auto actions = DecodeCheckpoint(input, removes);
    if (!actions.ok())
      return Status::Corruption("checkpoint " + store.PathOf(name) + ": " + actions.status().message());
    return actions;
  } catch (const std::exception& e) {
    return Status::Corruption("checkpoint " + store.PathOf(name) + ": " + e.what());
  }
}

// ---------------------------------------------------------------------------
// Writing

namespace {

std::shared_ptr<arrow::DataType> StringMap(bool values_nullable) {
  return arrow::map(arrow::utf8(), arrow::field("value", arrow::utf8(), values_nullable));
}

std::shared_ptr<arrow::DataType> StringList() {
  return arrow::list(arrow::field("element", arrow::utf8(), false));
}

// add/remove.deletionVector (PROTOCOL.md "Deletion Vector Descriptor Schema").
std::shared_ptr<arrow::DataType> DeletionVectorType() {
  using arrow::field;
  return arrow::struct_({
      field("storageType", arrow::utf8(), false),
      field("pathOrInlineDv", arrow::utf8(), false),
      field("offset", arrow::int32()),
      field("sizeInBytes", arrow::int32(), false),
      field("cardinality", arrow::int64(), false),
  });
}

// The column layout delta-rs and Spark read; required fields are non-null as
// delta-kernel expects, everything optional is nullable. add and remove get a
// deletionVector column only on tables that may hold deletion vectors, so the
// checkpoints of every other table keep their layout.
std::shared_ptr<arrow::Schema> CheckpointSchema(bool with_deletion_vectors) {
  using arrow::field;
  auto protocol = arrow::struct_({
      field("minReaderVersion", arrow::int32(), false),
      field("minWriterVersion", arrow::int32(), false),
      field("readerFeatures", StringList()),
      field("writerFeatures", StringList()),
  });
  auto metadata = arrow::struct_({
      field("id", arrow::utf8(), false),
      field("name", arrow::utf8()),
      field("description", arrow::utf8()),
      field("format",
            arrow::struct_(
                {field("provider", arrow::utf8(), false), field("options", StringMap(false), false)}),
            false),
      field("schemaString", arrow::utf8(), false),
      field("partitionColumns", StringList(), false),
      field("createdTime", arrow::int64()),
      field("configuration", StringMap(false), false),
  });
  auto txn = arrow::struct_({
      field("appId", arrow::utf8(), false),
      field("version", arrow::int64(), false),
      field("lastUpdated", arrow::int64()),
  });
  arrow::FieldVector add_fields = {
      field("path", arrow::utf8(), false),
      field("partitionValues", StringMap(true), false),
      field("size", arrow::int64(), false),
      field("modificationTime", arrow::int64(), false),
      field("dataChange", arrow::boolean(), false),
      field("stats", arrow::utf8()),
      field("tags", StringMap(false)),
  };
  arrow::FieldVector remove_fields = {
      field("path", arrow::utf8(), false),          field("deletionTimestamp", arrow::int64()),
      field("dataChange", arrow::boolean(), false), field("extendedFileMetadata", arrow::boolean()),
      field("partitionValues", StringMap(true)),    field("size", arrow::int64()),
  };
  if (with_deletion_vectors) {
    add_fields.push_back(field("deletionVector", DeletionVectorType()));
    remove_fields.push_back(field("deletionVector", DeletionVectorType()));
  }
  auto add = arrow::struct_(add_fields);
  auto remove = arrow::struct_(remove_fields);
  return arrow::schema({field("protocol", protocol), field("metaData", metadata), field("txn", txn),
                        field("add", add), field("remove", remove)});
}

template <typename B>
B* As(arrow::ArrayBuilder* b) {
  return static_cast<B*>(b);
}

arrow::Status AppendOptString(arrow::ArrayBuilder* b, const std::optional<std::string>& v) {
  return v ? As<arrow::StringBuilder>(b)->Append(*v) : b->AppendNull();
}

arrow::Status AppendOptInt(arrow::ArrayBuilder* b, const std::optional<int64_t>& v) {
  return v ? As<arrow::Int64Builder>(b)->Append(*v) : b->AppendNull();
}

arrow::Status AppendDeletionVector(arrow::ArrayBuilder* b,
                                   const std::optional<DeletionVectorDescriptor>& dv) {
  if (!dv) return b->AppendNull();
  auto* sb = As<arrow::StructBuilder>(b);
  ARROW_RETURN_NOT_OK(sb->Append());
  ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(sb->field_builder(0))->Append(dv->storage_type));
  ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(sb->field_builder(1))->Append(dv->path_or_inline_dv));
  auto* offset = As<arrow::Int32Builder>(sb->field_builder(2));
  ARROW_RETURN_NOT_OK(dv->offset ? offset->Append(*dv->offset) : offset->AppendNull());
  ARROW_RETURN_NOT_OK(As<arrow::Int32Builder>(sb->field_builder(3))->Append(dv->size_in_bytes));
  return As<arrow::Int64Builder>(sb->field_builder(4))->Append(dv->cardinality);
}

// Whether the checkpoint needs deletionVector columns: the table supports
// the feature, or (a log that never declared it) some file has a DV anyway.
bool MayHaveDeletionVectors(const Snapshot& snap) {
  const auto& features = snap.protocol().reader_features;
  if (features && std::find(features->begin(), features->end(), "deletionVectors") != features->end())
    return true;
  for (const auto& [key, a] : snap.files()) {
    if (a.deletion_vector) return true;
  }
  for (const auto& [key, r] : snap.tombstones()) {
    if (r.deletion_vector) return true;
  }
  return false;
}

arrow::Status AppendStringList(arrow::ArrayBuilder* b, const std::vector<std::string>& list) {
  auto* lb = As<arrow::ListBuilder>(b);
  ARROW_RETURN_NOT_OK(lb->Append());
  auto* vb = As<arrow::StringBuilder>(lb->value_builder());
  for (const auto& s : list) ARROW_RETURN_NOT_OK(vb->Append(s));
  return arrow::Status::OK();
}

arrow::Status AppendStringMap(arrow::ArrayBuilder* b, const std::map<std::string, std::string>& m) {
  auto* mb = As<arrow::MapBuilder>(b);
  ARROW_RETURN_NOT_OK(mb->Append());
  for (const auto& [k, v] : m) {
    ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(mb->key_builder())->Append(k));
    ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(mb->item_builder())->Append(v));
  }
  return arrow::Status::OK();
}

arrow::Status AppendPartitionValues(arrow::ArrayBuilder* b, const PartitionValues& m) {
  auto* mb = As<arrow::MapBuilder>(b);
  ARROW_RETURN_NOT_OK(mb->Append());
  for (const auto& [k, v] : m) {
    ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(mb->key_builder())->Append(k));
    ARROW_RETURN_NOT_OK(AppendOptString(mb->item_builder(), v));
  }
  return arrow::Status::OK();
}

// Accumulates checkpoint rows, one non-null top-level struct per row.
class RowBuilder {
 public:
  static arrow::Result<RowBuilder> Make(std::shared_ptr<arrow::Schema> schema) {
    RowBuilder rb;
    rb.schema_ = std::move(schema);
    for (const auto& f : rb.schema_->fields()) {
      ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(f->type()));
      rb.builders_.emplace_back(static_cast<arrow::StructBuilder*>(builder.release()));
    }
    return rb;
  }

  // Starts a row whose only non-null column is `column`; returns its builder.
  arrow::Result<arrow::StructBuilder*> Row(int column) {
    for (int i = 0; i < static_cast<int>(builders_.size()); ++i) {
      if (i != column) ARROW_RETURN_NOT_OK(builders_[i]->AppendNull());
    }
    ARROW_RETURN_NOT_OK(builders_[column]->Append());
    ++rows_;
    return builders_[column].get();
  }

  arrow::Result<std::shared_ptr<arrow::Table>> Finish() {
    arrow::ArrayVector columns;
    for (auto& b : builders_) {
      ARROW_ASSIGN_OR_RAISE(auto array, b->Finish());
      columns.push_back(std::move(array));
    }
    return arrow::Table::Make(schema_, columns, rows_);
  }

  int64_t rows() const { return rows_; }

 private:
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<std::unique_ptr<arrow::StructBuilder>> builders_;
  int64_t rows_ = 0;
};

enum Column { kProtocol = 0, kMetadata = 1, kTxn = 2, kAdd = 3, kRemove = 4 };

// delta.deletedFileRetentionDuration, e.g. "interval 1 week"; default 7 days.
// How long tombstones stay in checkpoints. A value that does not parse keeps
// every tombstone: dropping one too early could let vacuum (ours or another
// engine's) delete a file an older version still needs.
int64_t TombstoneRetentionMs(const Metadata& m) {
  auto retention = DeletedFileRetentionMs(m);
  return retention.ok() ? *retention : std::numeric_limits<int64_t>::max() / 4;
}

arrow::Result<EncodedCheckpoint> Encode(const Snapshot& snap, int64_t now_ms) {
  const bool with_dvs = MayHaveDeletionVectors(snap);
  ARROW_ASSIGN_OR_RAISE(RowBuilder rows, RowBuilder::Make(CheckpointSchema(with_dvs)));
  {
    const Protocol& p = snap.protocol();
    ARROW_ASSIGN_OR_RAISE(auto* b, rows.Row(kProtocol));
    ARROW_RETURN_NOT_OK(As<arrow::Int32Builder>(b->field_builder(0))->Append(p.min_reader_version));
    ARROW_RETURN_NOT_OK(As<arrow::Int32Builder>(b->field_builder(1))->Append(p.min_writer_version));
    // Features are written only where the protocol version defines them.
    if (p.reader_features && p.min_reader_version >= 3) {
      ARROW_RETURN_NOT_OK(AppendStringList(b->field_builder(2), *p.reader_features));
    } else {
      ARROW_RETURN_NOT_OK(b->field_builder(2)->AppendNull());
    }
    if (p.writer_features && p.min_writer_version >= 7) {
      ARROW_RETURN_NOT_OK(AppendStringList(b->field_builder(3), *p.writer_features));
    } else {
      ARROW_RETURN_NOT_OK(b->field_builder(3)->AppendNull());
    }
  }
  {
    const Metadata& m = snap.metadata();
    ARROW_ASSIGN_OR_RAISE(auto* b, rows.Row(kMetadata));
    ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(b->field_builder(0))->Append(m.id));
    ARROW_RETURN_NOT_OK(AppendOptString(b->field_builder(1), m.name));
    ARROW_RETURN_NOT_OK(AppendOptString(b->field_builder(2), m.description));
    auto* format = As<arrow::StructBuilder>(b->field_builder(3));
    ARROW_RETURN_NOT_OK(format->Append());
    ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(format->field_builder(0))->Append(m.format_provider));
    ARROW_RETURN_NOT_OK(AppendStringMap(format->field_builder(1), m.format_options));
    ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(b->field_builder(4))->Append(m.schema_string));
    ARROW_RETURN_NOT_OK(AppendStringList(b->field_builder(5), m.partition_columns));
    ARROW_RETURN_NOT_OK(AppendOptInt(b->field_builder(6), m.created_time));
    ARROW_RETURN_NOT_OK(AppendStringMap(b->field_builder(7), m.configuration));
  }
  for (const auto& [app_id, t] : snap.txns()) {
    ARROW_ASSIGN_OR_RAISE(auto* b, rows.Row(kTxn));
    ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(b->field_builder(0))->Append(t.app_id));
    ARROW_RETURN_NOT_OK(As<arrow::Int64Builder>(b->field_builder(1))->Append(t.version));
    ARROW_RETURN_NOT_OK(AppendOptInt(b->field_builder(2), t.last_updated));
  }
  auto it = snap.metadata().configuration.find("delta.checkpoint.writeStatsAsJson");
  const bool write_stats = it == snap.metadata().configuration.end() || it->second != "false";
  for (const auto& [path, a] : snap.files()) {
    ARROW_ASSIGN_OR_RAISE(auto* b, rows.Row(kAdd));
    ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(b->field_builder(0))->Append(a.path));
    ARROW_RETURN_NOT_OK(AppendPartitionValues(b->field_builder(1), a.partition_values));
    ARROW_RETURN_NOT_OK(As<arrow::Int64Builder>(b->field_builder(2))->Append(a.size));
    ARROW_RETURN_NOT_OK(As<arrow::Int64Builder>(b->field_builder(3))->Append(a.modification_time));
    ARROW_RETURN_NOT_OK(As<arrow::BooleanBuilder>(b->field_builder(4))->Append(a.data_change));
    ARROW_RETURN_NOT_OK(AppendOptString(b->field_builder(5), write_stats ? a.stats : std::nullopt));
    if (a.tags) {
      ARROW_RETURN_NOT_OK(AppendStringMap(b->field_builder(6), *a.tags));
    } else {
      ARROW_RETURN_NOT_OK(b->field_builder(6)->AppendNull());
    }
    if (with_dvs) ARROW_RETURN_NOT_OK(AppendDeletionVector(b->field_builder(7), a.deletion_vector));
  }
  const int64_t retention = TombstoneRetentionMs(snap.metadata());
  for (const auto& [path, r] : snap.tombstones()) {
    // A tombstone without a timestamp cannot be aged; keep it.
    if (r.deletion_timestamp && *r.deletion_timestamp < now_ms - retention) continue;
    ARROW_ASSIGN_OR_RAISE(auto* b, rows.Row(kRemove));
    ARROW_RETURN_NOT_OK(As<arrow::StringBuilder>(b->field_builder(0))->Append(r.path));
    ARROW_RETURN_NOT_OK(AppendOptInt(b->field_builder(1), r.deletion_timestamp));
    ARROW_RETURN_NOT_OK(As<arrow::BooleanBuilder>(b->field_builder(2))->Append(r.data_change));
    if (r.extended_file_metadata) {
      ARROW_RETURN_NOT_OK(As<arrow::BooleanBuilder>(b->field_builder(3))->Append(*r.extended_file_metadata));
    } else {
      ARROW_RETURN_NOT_OK(b->field_builder(3)->AppendNull());
    }
    if (r.partition_values) {
      ARROW_RETURN_NOT_OK(AppendPartitionValues(b->field_builder(4), *r.partition_values));
    } else {
      ARROW_RETURN_NOT_OK(b->field_builder(4)->AppendNull());
    }
    ARROW_RETURN_NOT_OK(AppendOptInt(b->field_builder(5), r.size));
    if (with_dvs) ARROW_RETURN_NOT_OK(AppendDeletionVector(b->field_builder(6), r.deletion_vector));
  }
  const int64_t num_rows = rows.rows();
  ARROW_ASSIGN_OR_RAISE(auto table, rows.Finish());
  ARROW_ASSIGN_OR_RAISE(auto sink, arrow::io::BufferOutputStream::Create());
  auto props = parquet::WriterProperties::Builder().compression(parquet::Compression::SNAPPY)->build();
  ARROW_RETURN_NOT_OK(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink,
                                                 parquet::DEFAULT_MAX_ROW_GROUP_LENGTH, props));
  ARROW_ASSIGN_OR_RAISE(auto buffer, sink->Finish());
  EncodedCheckpoint out;
  out.parquet = buffer->ToString();
  out.hint.version = snap.version();
  out.hint.size = num_rows;
  out.hint.size_in_bytes = static_cast<int64_t>(out.parquet.size());
  out.hint.num_of_add_files = snap.num_files();
  return out;
}

}  // namespace

Result<EncodedCheckpoint> EncodeCheckpoint(const Snapshot& snapshot, int64_t now_ms) {
  if (!snapshot.keeps_tombstones()) {
    return Status::Internal("a checkpoint needs the tombstones, and this snapshot was loaded without them");
  }
  try {
    auto encoded = Encode(snapshot, now_ms);
    if (!encoded.ok()) return Status::IOError("encoding checkpoint: " + encoded.status().ToString());
    return std::move(*encoded);
  } catch (const std::exception& e) {
    return Status::IOError(std::string("encoding checkpoint: ") + e.what());
  }
}

Result<LastCheckpoint> WriteCheckpoint(const LogStore& store, const Snapshot& snapshot, int64_t now_ms) {
  if (snapshot.version() < 0) return Status::InvalidArgument("cannot checkpoint an empty snapshot");
  RP_ASSIGN_OR_RETURN(EncodedCheckpoint cp, EncodeCheckpoint(snapshot, now_ms));
  // Put-if-absent: a checkpoint already there for this version holds the same
  // state, and the hint must only ever name a complete file.
  RP_ASSIGN_OR_RETURN(bool written, store.PutIfAbsent(CheckpointFileName(snapshot.version()), cp.parquet));
  (void)written;
  auto current = ReadLastCheckpoint(store);
  if (!current || current->version < cp.hint.version) {
    RP_RETURN_IF_ERROR(store.PutReplace(kLastCheckpointFileName, SerializeLastCheckpoint(cp.hint)));
  }
  return cp.hint;
}

}  // namespace rp::delta
