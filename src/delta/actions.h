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

// Where the rows of a data file that are deleted without rewriting it are
// recorded (PROTOCOL.md "Deletion Vector Descriptor Schema"); decoding and
// loading in deletion_vector.h.
struct DeletionVectorDescriptor {
  std::string storage_type;       // "u" (relative file), "i" (inline) or "p" (absolute file)
  std::string path_or_inline_dv;  // u: random prefix + Z85 UUID; i: Z85 bytes; p: URI
  std::optional<int32_t> offset;  // where the DV starts in its file; absent when inline
  int32_t size_in_bytes = 0;      // the serialized DV's size (decoded size when inline)
  int64_t cardinality = 0;        // rows it deletes

  bool operator==(const DeletionVectorDescriptor&) const = default;
};

struct AddFile {
  std::string path;  // URI-encoded, relative to the table root
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;  // ms since epoch
  bool data_change = true;
  std::optional<std::string> stats;  // JSON string: numRecords/minValues/maxValues/nullCount
  std::optional<std::map<std::string, std::string>> tags;
  // The rows of the file that are no longer in the table. A logical file is
  // (path, deletion vector): a DELETE replaces (p, none) by (p, dv).
  std::optional<DeletionVectorDescriptor> deletion_vector;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  std::optional<PartitionValues> partition_values;
  std::optional<int64_t> size;
  // The deletion vector of the logical file removed (its add's).
  std::optional<DeletionVectorDescriptor> deletion_vector;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;  // ms since epoch
};

struct CommitInfo {
  int64_t timestamp = 0;                                    // ms since epoch
  std::string operation;                                    // "WRITE", "CREATE TABLE", …
  std::map<std::string, std::string> operation_parameters;  // values are JSON text
  std::optional<int64_t> read_version;
  bool is_blind_append = false;
  std::map<std::string, std::string> operation_metrics;  // values are JSON text
  std::string engine_info;
  std::optional<std::string> txn_id;  // a uuid per commit attempt, as Spark writes
};

}  // namespace rp::delta
