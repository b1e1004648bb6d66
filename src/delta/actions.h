// The Delta Lake log actions we read and write (delta-io/delta PROTOCOL.md).
// Plain data; JSON (de)serialization lives in action_json.h, Parquet
// checkpoint (de)serialization in checkpoint.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rp::delta {

struct Protocol {
  int min_reader_version = 1;
  int min_writer_version = 2;
  // Only present at reader version 3 / writer version 7.
  std::optional<std::vector<std::string>> reader_features;
  std::optional<std::vector<std::string>> writer_features;
};

struct Metadata {
  std::string id;  // uuid
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string format_provider = "parquet";
  std::map<std::string, std::string> format_options;
  std::string schema_string;  // Delta's JSON schema
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;
};

// Partition values are strings as in the log; nullopt is JSON null
// (directory __HIVE_DEFAULT_PARTITION__).
using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct AddFile {
  std::string path;  // URI-encoded, relative to the table root
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;  // ms since epoch
  bool data_change = true;
  std::optional<std::string> stats;  // JSON string: numRecords/minValues/maxValues/nullCount
  std::optional<std::map<std::string, std::string>> tags;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  std::optional<PartitionValues> partition_values;
  std::optional<int64_t> size;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;  // ms since epoch
};

struct CommitInfo {
  int64_t timestamp = 0;  // ms since epoch
  std::string operation;  // "WRITE", "CREATE TABLE", …
  std::map<std::string, std::string> operation_parameters;  // values are JSON text
  std::optional<int64_t> read_version;
  bool is_blind_append = false;
  std::map<std::string, std::string> operation_metrics;  // values are JSON text
  std::string engine_info;
  std::optional<std::string> txn_id;  // a uuid per commit attempt, as Spark writes
};

}  // namespace rp::delta
