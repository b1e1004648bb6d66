// A version's data files that storage no longer holds, and the later
// versions whose files are all there: what time travel to a vacuumed version
// must tell its reader instead of "file not found".
//
// Vacuum deletes files that a version removed long enough ago; versions from
// before that removal still list them and can no longer be read. A file that
// even the latest version lists but storage lacks was not vacuumed but lost.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/log_store.h"
#include "delta/snapshot.h"

namespace rp::delta {

struct MissingDataFiles {
  // Log paths of the snapshot's live files that storage lacks, in path order.
  std::vector<std::string> paths;
  // The first version after the snapshot's from which every version up to
  // the latest has all its live files in storage; nullopt if the latest
  // lacks some (they are lost) or nothing is missing.
  std::optional<int64_t> complete_from;
};

// Lists the table once, then replays the commits after `snapshot` up to the
// latest (through a checkpoint where the log has a gap).
Result<MissingDataFiles> FindMissingDataFiles(const LogStore& store, const Snapshot& snapshot);

// The one line a reader of `snapshot` should see when opening one of its data
// files failed with NotFound (`failure`): which version, the first missing
// file, and which versions can be read instead (NotFound). `failure` itself
// if every file is there after all.
Status ExplainMissingDataFiles(const LogStore& store, const Snapshot& snapshot, const Status& failure);

}  // namespace rp::delta
