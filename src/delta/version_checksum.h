// N.crc, the version checksum written after each commit (PROTOCOL.md
// "Version Checksum File"). Optional for readers, but if written it must be
// exact: totals over the live files after reconciliation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "delta/actions.h"

namespace rp::delta {

class LogStore;
class Snapshot;

struct VersionChecksum {
  std::optional<std::string> txn_id;
  int64_t table_size_bytes = 0;
  int64_t num_files = 0;
  int64_t num_metadata = 1;
  int64_t num_protocol = 1;
  std::optional<std::vector<Txn>> set_transactions;  // every live txn, when present
  Metadata metadata;
  Protocol protocol;
};

// The checksum of `snapshot` (with its live txns as setTransactions).
VersionChecksum ChecksumOf(const Snapshot& snapshot, std::optional<std::string> txn_id = std::nullopt);

// One JSON object, in Spark's field order.
std::string SerializeVersionChecksum(const VersionChecksum& checksum);
// Corruption naming `file_name` if a required field is missing or malformed.
Result<VersionChecksum> ParseVersionChecksum(std::string_view content, std::string_view file_name);

// Writes <version>.crc for `snapshot` unless it exists (never overwritten).
Status WriteVersionChecksum(const LogStore& store, const Snapshot& snapshot,
                            std::optional<std::string> txn_id = std::nullopt);

}  // namespace rp::delta
