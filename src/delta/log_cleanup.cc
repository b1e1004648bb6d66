#include "delta/log_cleanup.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "delta/checkpoint.h"
#include "delta/log_paths.h"
#include "delta/protocol_check.h"
#include "delta/table_properties.h"

namespace rp::delta {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

// The version in the first `digits` characters of `name`, or nullopt.
std::optional<int64_t> LeadingNumber(std::string_view name, size_t digits) {
  if (name.size() < digits) return std::nullopt;
  int64_t v = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

// How a log file name relates to a version, for deciding whether it goes.
enum class Kind { kCommit, kChecksum, kClassicCheckpoint, kMultiPartCheckpoint, kCompaction, kOther };

struct Classified {
  Kind kind = Kind::kOther;
  int64_t version = -1;  // for compaction files: the start version
};

Classified Classify(std::string_view name) {
  if (auto v = ParseCommitFileName(name)) return {Kind::kCommit, *v};
  if (auto v = ParseCheckpointFileName(name)) return {Kind::kClassicCheckpoint, *v};
  auto v = LeadingNumber(name, 20);
  if (!v) return {};
  std::string_view rest = name.substr(20);
  if (rest == ".crc") return {Kind::kChecksum, *v};
  // %020d.checkpoint.%010d.%010d.parquet
  if (rest.size() == 41 && rest.substr(0, 12) == ".checkpoint." && LeadingNumber(rest.substr(12), 10) &&
      rest[22] == '.' && LeadingNumber(rest.substr(23), 10) && rest.substr(33) == ".parquet") {
    return {Kind::kMultiPartCheckpoint, *v};
  }
  // %020d.%020d.compacted.json
  if (rest.size() == 36 && rest[0] == '.' && LeadingNumber(rest.substr(1), 20) &&
      rest.substr(21) == ".compacted.json") {
    return {Kind::kCompaction, *v};
  }
  return {};
}

int64_t MidnightUtcAtOrBefore(int64_t ms) {
  const int64_t into_day = ((ms % kDayMs) + kDayMs) % kDayMs;
  return ms - into_day;
}

}  // namespace

Result<LogCleanupPlan> PlanLogCleanup(const LogStore& store, int64_t retention_ms, int64_t now_ms,
                                      bool exact) {
  LogCleanupPlan plan;
  plan.cutoff_ms = exact ? now_ms - retention_ms : MidnightUtcAtOrBefore(now_ms - retention_ms);
  RP_ASSIGN_OR_RETURN(std::vector<LogStore::FileInfo> files, store.ListFiles());

  std::map<int64_t, int64_t> commit_times;  // version -> modification time
  std::map<int64_t, int64_t> classic_checkpoint_sizes;
  for (const auto& f : files) {
    Classified c = Classify(f.name);
    if (c.kind == Kind::kCommit) commit_times[c.version] = f.modification_time_ms;
    if (c.kind == Kind::kClassicCheckpoint) classic_checkpoint_sizes[c.version] = f.size;
  }

  // Step 2, with delta-spark's monotonic adjustment: once one commit is newer
  // than the cutoff, every later one is too.
  std::optional<int64_t> previous_time;
  for (const auto& [version, mtime] : commit_times) {
    const int64_t time = previous_time && mtime <= *previous_time ? *previous_time + 1 : mtime;
    if (time > plan.cutoff_ms) break;
    plan.cutoff_commit = version;
    previous_time = time;
  }
  if (!plan.cutoff_commit) return plan;

  // Step 3, bounded by the checkpoint the hint names.
  const std::optional<LastCheckpoint> hint = ReadLastCheckpoint(store);
  if (!hint) return plan;
  const int64_t highest = std::min(*plan.cutoff_commit, hint->version);
  for (auto it = classic_checkpoint_sizes.rbegin(); it != classic_checkpoint_sizes.rend(); ++it) {
    if (it->first <= highest && it->second > 0) {
      plan.cutoff_checkpoint = it->first;
      break;
    }
  }
  if (!plan.cutoff_checkpoint) return plan;
  const int64_t keep_from = *plan.cutoff_checkpoint;

  // Step 4.
  std::vector<std::pair<int64_t, std::string>> doomed;
  for (const auto& f : files) {
    Classified c = Classify(f.name);
    bool goes = false;
    switch (c.kind) {
      case Kind::kCommit:
      case Kind::kChecksum:
      case Kind::kClassicCheckpoint:
      case Kind::kMultiPartCheckpoint:
        goes = c.version < keep_from;
        break;
      case Kind::kCompaction:
        goes = c.version <= keep_from;
        break;
      case Kind::kOther:
        break;
    }
    if (goes) doomed.emplace_back(c.version, f.name);
  }
  std::sort(doomed.begin(), doomed.end());
  for (auto& [version, name] : doomed) plan.files.push_back(std::move(name));
  return plan;
}

Result<LogCleanupResult> CleanUpExpiredLogs(const LogStore& store, const Snapshot& snapshot, int64_t now_ms) {
  LogCleanupResult result;
  RP_ASSIGN_OR_RETURN(result.enabled, ExpiredLogCleanupEnabled(snapshot.metadata()));
  if (!result.enabled) return result;
  RP_RETURN_IF_ERROR(CheckWriteSupported(snapshot.protocol(), snapshot.metadata()));
  RP_ASSIGN_OR_RETURN(int64_t retention_ms, LogRetentionMs(snapshot.metadata()));
  RP_ASSIGN_OR_RETURN(bool exact, ExactLogRetention(snapshot.metadata()));
  RP_ASSIGN_OR_RETURN(result.plan, PlanLogCleanup(store, retention_ms, now_ms, exact));
  for (const auto& name : result.plan.files) {
    auto deleted = store.Delete(name);
    if (!deleted.ok()) {
      return deleted.status().WithContext("metadata cleanup (deleted " +
                                          std::to_string(result.files_deleted) + " of " +
                                          std::to_string(result.plan.files.size()) + " expired log files)");
    }
    if (*deleted) ++result.files_deleted;
  }
  return result;
}

}  // namespace rp::delta
