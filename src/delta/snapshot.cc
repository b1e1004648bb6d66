#include "delta/snapshot.h"

#include <algorithm>
#include <charconv>

#include "delta/checkpoint.h"
#include "delta/deletion_vector.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/protocol_check.h"
#include "delta/schema.h"

namespace rp::delta {

std::optional<int64_t> Snapshot::TxnVersion(std::string_view app_id) const {
  auto it = txns_.find(app_id);
  if (it == txns_.end()) return std::nullopt;
  return it->second.version;
}

int64_t Snapshot::ExpireTombstones(int64_t cutoff_ms) {
  return static_cast<int64_t>(std::erase_if(tombstones_, [cutoff_ms](const auto& entry) {
    const auto& ts = entry.second.deletion_timestamp;
    return ts && *ts < cutoff_ms;
  }));
}

int64_t Snapshot::checkpoint_interval() const {
  constexpr int64_t kDefault = 10;
  auto it = metadata_.configuration.find("delta.checkpointInterval");
  if (it == metadata_.configuration.end()) return kDefault;
  int64_t v = 0;
  const std::string& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v <= 0) return kDefault;
  return v;
}

bool Snapshot::append_only() const {
  auto it = metadata_.configuration.find("delta.appendOnly");
  return it != metadata_.configuration.end() && it->second == "true";
}

void Snapshot::ApplyActions(const LogActions& actions) {
  if (actions.protocol) {
    protocol_ = *actions.protocol;
    has_protocol_ = true;
  }
  if (actions.metadata) {
    const bool schema_changed = !has_metadata_ || actions.metadata->schema_string != metadata_.schema_string;
    metadata_ = *actions.metadata;
    has_metadata_ = true;
    if (schema_changed) {
      auto schema = SchemaFromDeltaJson(metadata_.schema_string);
      schema_status_ = schema.status();
      schema_ = schema.ok() ? *schema : nullptr;
    }
  }
  for (const auto& r : actions.removes) {
    auto it = files_.find(r.path);
    if (it != files_.end()) {
      table_size_bytes_ -= it->second.size;
      files_.erase(it);
    }
    if (keeps_tombstones_) tombstones_.insert_or_assign(LogicalFileKey(r.path, r.deletion_vector), r);
  }
  for (const auto& a : actions.adds) {
    auto [it, inserted] = files_.try_emplace(a.path, a);
    if (!inserted) {
      table_size_bytes_ -= it->second.size;
      it->second = a;
    }
    table_size_bytes_ += a.size;
    // Only the tombstone of this logical file: a DELETE that adds (p, dv2)
    // leaves the tombstone of (p, dv1), which keeps dv1's file from vacuum.
    if (keeps_tombstones_) tombstones_.erase(LogicalFileKey(a.path, a.deletion_vector));
  }
  for (const auto& t : actions.txns) txns_.insert_or_assign(t.app_id, t);
}

Status Snapshot::Apply(int64_t version, const LogActions& actions) {
  if (version != version_ + 1) {
    return Status::Internal("cannot apply commit " + std::to_string(version) + " to a snapshot at version " +
                            std::to_string(version_));
  }
  ApplyActions(actions);
  version_ = version;
  return Status::OK();
}

Status Snapshot::ApplyCheckpoint(int64_t version, const LogActions& actions) {
  if (version_ != -1) return Status::Internal("a checkpoint can only start an empty snapshot");
  ApplyActions(actions);
  version_ = version;
  return Status::OK();
}

Status Snapshot::Validate() const {
  const std::string at = "table state at version " + std::to_string(version_);
  if (!has_protocol_) return Status::Corruption(at + " has no protocol action");
  if (!has_metadata_) return Status::Corruption(at + " has no metaData action");
  RP_RETURN_IF_ERROR(CheckReadSupported(protocol_, metadata_));
  if (!schema_status_.ok()) return schema_status_.WithContext("schema of the table");
  return Status::OK();
}

namespace {

Status ReplayCommit(const LogStore& store, int64_t version, Snapshot* snapshot) {
  const std::string name = CommitFileName(version);
  auto content = store.Read(name);
  if (!content.ok()) {
    if (content.status().IsNotFound()) {
      return Status::Corruption("missing commit file " + store.PathOf(name) + ": the log is not contiguous");
    }
    return content.status();
  }
  RP_ASSIGN_OR_RETURN(LogActions actions, ParseCommitFile(*content, store.PathOf(name)));
  return snapshot->Apply(version, actions);
}

}  // namespace

Result<std::shared_ptr<Snapshot>> LoadSnapshot(const LogStore& store, std::optional<int64_t> version,
                                               LoadOptions options) {
  if (version && *version < 0)
    return Status::InvalidArgument("negative table version " + std::to_string(*version));
  // The hint lets us list only from its version on; a missing, stale or
  // unreadable hint just means listing everything.
  LogStore::Listing listing;
  bool listed = false;
  if (auto hint = ReadLastCheckpoint(store); hint && (!version || hint->version <= *version)) {
    auto partial = store.List(hint->version);
    if (partial.ok() &&
        std::binary_search(partial->checkpoints.begin(), partial->checkpoints.end(), hint->version)) {
      listing = std::move(*partial);
      listed = true;
    }
  }
  if (!listed) {
    auto full = store.List(0);
    if (!full.ok()) {
      if (full.status().IsNotFound()) return Status::NotFound("no Delta table at " + store.table_root());
      return full.status();
    }
    listing = std::move(*full);
  }
  if (listing.commits.empty() && listing.checkpoints.empty()) {
    return Status::NotFound("no Delta table at " + store.table_root() + " (_delta_log has no commits)");
  }
  const int64_t latest = std::max(listing.commits.empty() ? -1 : listing.commits.back(),
                                  listing.checkpoints.empty() ? -1 : listing.checkpoints.back());
  const int64_t target = version.value_or(latest);
  if (target > latest) {
    return Status::NotFound("table " + store.table_root() + " has no version " + std::to_string(target) +
                            " (latest is " + std::to_string(latest) + ")");
  }
  auto snapshot = std::make_shared<Snapshot>(options);
  auto cp = std::upper_bound(listing.checkpoints.begin(), listing.checkpoints.end(), target);
  int64_t next = 0;
  if (cp != listing.checkpoints.begin()) {
    const int64_t cp_version = *std::prev(cp);
    RP_ASSIGN_OR_RETURN(LogActions actions, ReadCheckpoint(store, cp_version, options.tombstones));
    RP_RETURN_IF_ERROR(snapshot->ApplyCheckpoint(cp_version, actions));
    next = cp_version + 1;
  } else if (listing.commits.empty() || listing.commits.front() != 0) {
    const std::string oldest = listing.commits.empty() ? "none" : std::to_string(listing.commits.front());
    if (version) {
      return Status::NotFound(
          "version " + std::to_string(target) + " of " + store.table_root() +
          " cannot be reconstructed: no checkpoint at or below it and the oldest commit is " + oldest);
    }
    return Status::Corruption("missing commit file " + store.PathOf(CommitFileName(0)) +
                              " and no checkpoint covers it (oldest commit is " + oldest + ")");
  }
  // Replay the commits after the checkpoint; a hole in the listing is a gap.
  auto it = std::lower_bound(listing.commits.begin(), listing.commits.end(), next);
  for (int64_t v = next; v <= target; ++v, ++it) {
    if (it == listing.commits.end() || *it != v) {
      return Status::Corruption("missing commit file " + store.PathOf(CommitFileName(v)) +
                                ": the log is not contiguous");
    }
    RP_RETURN_IF_ERROR(ReplayCommit(store, v, snapshot.get()));
  }
  RP_RETURN_IF_ERROR(snapshot->Validate());
  return snapshot;
}

Result<int64_t> UpdateSnapshot(const LogStore& store, Snapshot* snapshot) {
  int64_t applied = 0;
  for (;;) {
    const int64_t v = snapshot->version() + 1;
    auto content = store.Read(CommitFileName(v));
    if (!content.ok()) {
      if (content.status().IsNotFound()) break;
      return content.status();
    }
    RP_ASSIGN_OR_RETURN(LogActions actions, ParseCommitFile(*content, store.PathOf(CommitFileName(v))));
    RP_RETURN_IF_ERROR(snapshot->Apply(v, actions));
    ++applied;
  }
  if (applied > 0) RP_RETURN_IF_ERROR(snapshot->Validate());
  return applied;
}

}  // namespace rp::delta
