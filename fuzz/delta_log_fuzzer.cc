// The Delta log readers: a commit file (N.json), and the same text as an
// add.stats string, a _last_checkpoint hint and a version checksum (N.crc).
// What a commit holds goes further: its schemaString, partition values and
// paths. Everything that parses must survive our own serializer unchanged.
#include <arrow/api.h>
#include <simdjson.h>

#include <string>

#include "delta/action_json.h"
#include "delta/checkpoint.h"
#include "delta/file_stats.h"
#include "delta/partition_path.h"
#include "delta/partition_value.h"
#include "delta/protocol_check.h"
#include "delta/schema.h"
#include "delta/version_checksum.h"
#include "fuzz_targets.h"

namespace rp::fuzz {
namespace {

using namespace rp::delta;  // NOLINT: this file is about nothing else

bool Same(const Protocol& a, const Protocol& b) {
  return a.min_reader_version == b.min_reader_version && a.min_writer_version == b.min_writer_version &&
         a.reader_features == b.reader_features && a.writer_features == b.writer_features;
}

bool Same(const Metadata& a, const Metadata& b) {
  return a.id == b.id && a.name == b.name && a.description == b.description &&
         a.format_provider == b.format_provider && a.format_options == b.format_options &&
         a.schema_string == b.schema_string && a.partition_columns == b.partition_columns &&
         a.configuration == b.configuration && a.created_time == b.created_time;
}

bool Same(const Txn& a, const Txn& b) {
  return a.app_id == b.app_id && a.version == b.version && a.last_updated == b.last_updated;
}

bool Same(const AddFile& a, const AddFile& b) {
  return a.path == b.path && a.partition_values == b.partition_values && a.size == b.size &&
         a.modification_time == b.modification_time && a.data_change == b.data_change && a.stats == b.stats &&
         a.tags == b.tags && a.deletion_vector == b.deletion_vector;
}

bool Same(const RemoveFile& a, const RemoveFile& b) {
  return a.path == b.path && a.deletion_timestamp == b.deletion_timestamp && a.data_change == b.data_change &&
         a.extended_file_metadata == b.extended_file_metadata && a.partition_values == b.partition_values &&
         a.size == b.size && a.deletion_vector == b.deletion_vector;
}

bool Same(const CommitInfo& a, const CommitInfo& b) {
  return a.timestamp == b.timestamp && a.operation == b.operation &&
         a.operation_parameters == b.operation_parameters && a.read_version == b.read_version &&
         a.is_blind_append == b.is_blind_append && a.operation_metrics == b.operation_metrics &&
         a.engine_info == b.engine_info && a.txn_id == b.txn_id;
}

template <typename T>
bool Same(const std::optional<T>& a, const std::optional<T>& b) {
  return a.has_value() == b.has_value() && (!a || Same(*a, *b));
}

template <typename T>
bool Same(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!Same(a[i], b[i])) return false;
  }
  return true;
}

bool Same(const LogActions& a, const LogActions& b) {
  return Same(a.protocol, b.protocol) && Same(a.metadata, b.metadata) && Same(a.txns, b.txns) &&
         Same(a.removes, b.removes) && Same(a.adds, b.adds) && Same(a.commit_info, b.commit_info);
}

// A schemaString that parses serializes to one that parses to the same schema.
std::shared_ptr<arrow::Schema> CheckSchema(const std::string& schema_string) {
  Result<std::shared_ptr<arrow::Schema>> schema = SchemaFromDeltaJson(schema_string);
  if (!schema.ok()) return nullptr;
  Result<std::string> json = SchemaToDeltaJson(**schema);
  RP_FUZZ_CHECK(json.ok(), "schema " + Printable(schema_string) + ": " + json.status().ToString());
  Result<std::shared_ptr<arrow::Schema>> again = SchemaFromDeltaJson(*json);
  RP_FUZZ_CHECK(again.ok() && (*again)->Equals(**schema),
                "schema " + Printable(schema_string) + " re-serialized as " + Printable(*json));
  return *schema;
}

// A partition value that parses as its column's type prints back as text that
// parses to the same value.
void CheckPartitionValue(const std::optional<std::string>& value,
                         const std::shared_ptr<arrow::DataType>& type) {
  Result<std::shared_ptr<arrow::Scalar>> scalar = ParsePartitionValue(value, type);
  if (!scalar.ok()) return;
  const std::string context =
      "partition value " + (value ? Printable(*value) : "null") + " as " + type->ToString();
  arrow::Result<std::shared_ptr<arrow::Array>> array = arrow::MakeArrayFromScalar(**scalar, 1);
  RP_FUZZ_CHECK(array.ok(), context);
  Result<std::optional<std::string>> text = SerializePartitionValue(**array, 0);
  RP_FUZZ_CHECK(text.ok(), context + ": " + text.status().ToString());
  Result<std::shared_ptr<arrow::Scalar>> again = ParsePartitionValue(*text, type);
  RP_FUZZ_CHECK(again.ok() && (*again)->Equals(**scalar),
                context + " printed as " + (*text ? Printable(**text) : "null"));
}

// The protocol as a plain JSON reading of the commit sees it: the versions of
// the last "protocol" action, exactly as written.
void CheckProtocolVersions(std::string_view text, const Protocol& parsed) {
  static simdjson::dom::parser parser;
  std::optional<std::pair<int64_t, int64_t>> last;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string line(text.substr(pos, end - pos));
    pos = end + 1;
    simdjson::dom::object action;
    if (parser.parse(line).get_object().get(action) != simdjson::SUCCESS) continue;  // blank
    for (auto [key, body] : action) {
      int64_t reader = 0, writer = 0;
      if (key == "protocol" && body["minReaderVersion"].get_int64().get(reader) == simdjson::SUCCESS &&
          body["minWriterVersion"].get_int64().get(writer) == simdjson::SUCCESS) {
        last.emplace(reader, writer);
      }
    }
  }
  RP_FUZZ_CHECK(last && last->first == parsed.min_reader_version && last->second == parsed.min_writer_version,
                "input " + Printable(text) + "\nread as minReaderVersion " +
                    std::to_string(parsed.min_reader_version) + ", minWriterVersion " +
                    std::to_string(parsed.min_writer_version));
}

void CheckCommit(std::string_view text) {
  Result<LogActions> parsed = ParseCommitFile(text, "00000000000000000007.json");
  if (!parsed.ok()) {
    RP_FUZZ_CHECK(parsed.status().code() == Status::Code::kCorruption, parsed.status().ToString());
    return;
  }
  const std::string serialized = SerializeCommit(*parsed);
  // Only unknown actions (which readers ignore): nothing to write back.
  if (serialized.empty()) {
    RP_FUZZ_CHECK(Same(*parsed, LogActions()),
                  "input " + Printable(text) + " gave actions that serialize to nothing");
    return;
  }
  Result<LogActions> again = ParseCommitFile(serialized, "again.json");
  RP_FUZZ_CHECK(again.ok(), "input " + Printable(text) + "\nserialized " + Printable(serialized) + "\n" +
                                again.status().ToString());
  RP_FUZZ_CHECK(Same(*parsed, *again), "input " + Printable(text) + "\nserialized " + Printable(serialized));
  const std::string serialized_again = SerializeCommit(*again);
  RP_FUZZ_CHECK(serialized_again == serialized,
                "serialized " + Printable(serialized) + "\nthen " + Printable(serialized_again));

  if (parsed->protocol) CheckProtocolVersions(text, *parsed->protocol);

  // What a reader does next with the actions.
  std::shared_ptr<arrow::Schema> schema;
  if (parsed->metadata) {
    schema = CheckSchema(parsed->metadata->schema_string);
    if (parsed->protocol) (void)CheckReadSupported(*parsed->protocol, *parsed->metadata);
  }
  for (const AddFile& add : parsed->adds) {
    if (add.stats) (void)ParseFileStats(*add.stats);
    if (Result<std::string> path = UriDecodePath(add.path); path.ok()) (void)ParsePartitionDirectories(*path);
    if (!schema) continue;
    for (const auto& [column, value] : add.partition_values) {
      const std::shared_ptr<arrow::Field> field = schema->GetFieldByName(column);
      if (field && IsSupportedPartitionType(*field->type())) CheckPartitionValue(value, field->type());
    }
  }
}

void CheckLastCheckpoint(std::string_view text) {
  Result<LastCheckpoint> hint = ParseLastCheckpoint(text);
  if (!hint.ok()) return;
  const std::string serialized = SerializeLastCheckpoint(*hint);
  Result<LastCheckpoint> again = ParseLastCheckpoint(serialized);
  RP_FUZZ_CHECK(again.ok() && again->version == hint->version && again->size == hint->size &&
                    again->parts == hint->parts && again->size_in_bytes == hint->size_in_bytes &&
                    again->num_of_add_files == hint->num_of_add_files,
                "input " + Printable(text) + "\nserialized " + serialized);
}

void CheckVersionChecksum(std::string_view text) {
  Result<VersionChecksum> crc = ParseVersionChecksum(text, "00000000000000000007.crc");
  if (!crc.ok()) return;
  const std::string serialized = SerializeVersionChecksum(*crc);
  Result<VersionChecksum> again = ParseVersionChecksum(serialized, "again.crc");
  RP_FUZZ_CHECK(again.ok(), "input " + Printable(text) + "\nserialized " + Printable(serialized) + "\n" +
                                again.status().ToString());
  RP_FUZZ_CHECK(again->txn_id == crc->txn_id && again->table_size_bytes == crc->table_size_bytes &&
                    again->num_files == crc->num_files && again->num_metadata == crc->num_metadata &&
                    again->num_protocol == crc->num_protocol &&
                    again->set_transactions.has_value() == crc->set_transactions.has_value() &&
                    (!crc->set_transactions || Same(*again->set_transactions, *crc->set_transactions)) &&
                    Same(again->metadata, crc->metadata) && Same(again->protocol, crc->protocol),
                "input " + Printable(text) + "\nserialized " + Printable(serialized));
}

}  // namespace

void DeltaLogTarget(const uint8_t* data, size_t size) {
  const std::string_view text = AsText(data, size);
  CheckCommit(text);
  (void)ParseFileStats(text);
  CheckLastCheckpoint(text);
  CheckVersionChecksum(text);
}

}  // namespace rp::fuzz

RP_FUZZ_ENTRY(rp::fuzz::DeltaLogTarget)
