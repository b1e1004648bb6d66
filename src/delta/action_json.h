// Delta log actions <-> newline-delimited JSON, as found in _delta_log/N.json
// (PROTOCOL.md "Actions"). Parsing is tolerant the way the protocol asks:
// unknown actions and unknown fields are ignored, nulls mean "absent".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/json_writer.h"

namespace rp::delta {

// The actions of one commit file (or of a checkpoint), grouped by kind.
struct LogActions {
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::vector<Txn> txns;
  std::vector<RemoveFile> removes;
  std::vector<AddFile> adds;
  std::optional<CommitInfo> commit_info;
};

// Parses the content of a commit file. Any line that is not valid JSON, or an
// action missing a required field or holding a field of the wrong type, gives
// Corruption naming `file_name` and the 1-based line. Empty content is
// Corruption too: a writer never publishes an empty commit.
Result<LogActions> ParseCommitFile(std::string_view content, std::string_view file_name);

// One commit file: commitInfo first (as Spark writes it, and as in-commit
// timestamps require), then protocol, metaData, txn, remove and add lines.
// Every line ends with '\n'.
std::string SerializeCommit(const LogActions& actions);

// Bodies of single actions (the object inside {"add":…}), for embedding in
// other documents such as N.crc.
void WriteProtocol(const Protocol& protocol, JsonWriter* w);
void WriteMetadata(const Metadata& metadata, JsonWriter* w);
void WriteAddFile(const AddFile& add, JsonWriter* w);
void WriteRemoveFile(const RemoveFile& remove, JsonWriter* w);
void WriteTxn(const Txn& txn, JsonWriter* w);
void WriteCommitInfo(const CommitInfo& info, JsonWriter* w);

}  // namespace rp::delta
