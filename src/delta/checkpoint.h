// Classic single-file Parquet checkpoints (%020d.checkpoint.parquet) and the
// _last_checkpoint hint (PROTOCOL.md "Checkpoints", "Checkpoint Schema",
// "Last Checkpoint File Schema").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "delta/action_json.h"

namespace rp::delta {

class LogStore;
class Snapshot;

struct LastCheckpoint {
  int64_t version = 0;
  int64_t size = 0;  // number of actions (rows) in the checkpoint
  std::optional<int64_t> parts;
  std::optional<int64_t> size_in_bytes;
  std::optional<int64_t> num_of_add_files;
};

std::string SerializeLastCheckpoint(const LastCheckpoint& hint);
Result<LastCheckpoint> ParseLastCheckpoint(std::string_view content);
// The hint, or nullopt when it is missing or unreadable: it is only a hint,
// readers fall back to listing the log.
std::optional<LastCheckpoint> ReadLastCheckpoint(const LogStore& store);

// Reads the classic checkpoint of `version`. Columns are found by name;
// extra columns (stats_parsed, sidecar, domainMetadata, …) and missing
// optional ones are tolerated; add/remove.deletionVector are read. Returned
// adds/removes/txns are in file order; commit_info is never set. NotFound if the file does not exist;
// Corruption naming the file if it is not a readable checkpoint. Without
// `removes` the remove column is not even decoded (LoadOptions::tombstones).
Result<LogActions> ReadCheckpoint(const LogStore& store, int64_t version, bool removes = true);

// Encodes a snapshot as checkpoint rows: protocol, metaData, txns, live adds,
// and the tombstones younger than delta.deletedFileRetentionDuration (default
// one week) at `now_ms`. Returns the Parquet bytes and the hint describing them.
struct EncodedCheckpoint {
  std::string parquet;
  LastCheckpoint hint;
};
Result<EncodedCheckpoint> EncodeCheckpoint(const Snapshot& snapshot, int64_t now_ms);

// Writes the checkpoint of `snapshot` (put-if-absent: an existing checkpoint of
// the same version holds the same state) and then, once it is durable, points
// _last_checkpoint at it unless the hint already names a newer checkpoint.
Result<LastCheckpoint> WriteCheckpoint(const LogStore& store, const Snapshot& snapshot, int64_t now_ms);

}  // namespace rp::delta
