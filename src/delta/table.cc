#include "delta/table.h"

#include <arrow/api.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "common/json_string.h"
#include "common/uuid.h"
#include "delta/action_json.h"
#include "delta/checkpoint.h"
#include "delta/json_writer.h"
#include "delta/log_cleanup.h"
#include "delta/log_paths.h"
#include "delta/protocol_check.h"
#include "delta/schema.h"
#include "delta/table_properties.h"
#include "delta/version_checksum.h"

namespace rp::delta {
namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void LogMaintenanceError(const Status& st) {
  std::fprintf(stderr, "[rp::delta] post-commit maintenance failed (the commit stands): %s\n",
               st.ToString().c_str());
}

TableOptions WithDefaults(TableOptions options) {
  if (!options.clock) options.clock = SystemNowMs;
  if (!options.on_maintenance_error) options.on_maintenance_error = LogMaintenanceError;
  if (options.max_commit_attempts < 1) options.max_commit_attempts = 1;
  return options;
}

bool HasTimestampNtz(const arrow::DataType& type) {
  if (type.id() == arrow::Type::TIMESTAMP) {
    return static_cast<const arrow::TimestampType&>(type).timezone().empty();
  }
  for (const auto& child : type.fields()) {
    if (HasTimestampNtz(*child->type())) return true;
  }
  return false;
}

Status ValidateNewTable(const arrow::Schema& schema, const std::vector<std::string>& partition_columns) {
  if (schema.num_fields() == 0) return Status::InvalidArgument("a table needs at least one column");
  std::set<std::string> lower_names;
  for (const auto& f : schema.fields()) {
    std::string lower = f->name();
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!lower_names.insert(lower).second) {
      return Status::InvalidArgument("duplicate column name (case-insensitive): '" + f->name() + "'");
    }
  }
  std::set<std::string> seen;
  for (const auto& p : partition_columns) {
    if (!seen.insert(p).second) return Status::InvalidArgument("partition column '" + p + "' listed twice");
    auto field = schema.GetFieldByName(p);
    if (!field) return Status::InvalidArgument("partition column '" + p + "' is not in the schema");
    if (!field->type()->fields().empty()) {
      return Status::InvalidArgument("partition column '" + p + "' must have a primitive type");
    }
  }
  if (partition_columns.size() >= static_cast<size_t>(schema.num_fields())) {
    return Status::InvalidArgument("a table needs at least one column that is not a partition column");
  }
  return Status::OK();
}

std::string JsonStringArray(const std::vector<std::string>& values) {
  JsonWriter w;
  w.BeginArray();
  for (const auto& v : values) w.String(v);
  w.EndArray();
  return w.Release();
}

std::string JsonStringObject(const std::map<std::string, std::string>& values) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [k, v] : values) w.Key(k).String(v);
  w.EndObject();
  return w.Release();
}

// Publishes commit 0; sets *already_exists when a table is already there.
Result<std::shared_ptr<Snapshot>> CreateLog(const LogStore& store, const arrow::Schema& schema,
                                            const std::vector<std::string>& partition_columns,
                                            std::map<std::string, std::string> configuration,
                                            const TableOptions& options, bool* already_exists) {
  *already_exists = false;
  RP_RETURN_IF_ERROR(ValidateNewTable(schema, partition_columns));
  RP_ASSIGN_OR_RETURN(std::string schema_string, SchemaToDeltaJson(schema));
  const int64_t now = options.clock();

  LogActions actions;
  Protocol& protocol = actions.protocol.emplace();
  bool ntz = false;
  for (const auto& f : schema.fields()) ntz = ntz || HasTimestampNtz(*f->type());
  if (ntz) {
    // timestamp_ntz needs table features; keep what writer version 2 implies.
    protocol.min_reader_version = 3;
    protocol.min_writer_version = 7;
    protocol.reader_features = std::vector<std::string>{"timestampNtz"};
    protocol.writer_features = std::vector<std::string>{"appendOnly", "invariants", "timestampNtz"};
  }
  Metadata& metadata = actions.metadata.emplace();
  metadata.id = NewUuid();
  metadata.schema_string = std::move(schema_string);
  metadata.partition_columns = partition_columns;
  configuration.try_emplace("delta.appendOnly", "true");
  metadata.configuration = std::move(configuration);
  metadata.created_time = now;
  RP_RETURN_IF_ERROR(CheckWriteSupported(protocol, metadata));

  CommitInfo& info = actions.commit_info.emplace();
  info.timestamp = now;
  info.operation = "CREATE TABLE";
  info.operation_parameters = {
      {"isManaged", JsonQuoted("false")},
      {"description", "null"},
      {"partitionBy", JsonQuoted(JsonStringArray(partition_columns))},
      {"properties", JsonQuoted(JsonStringObject(metadata.configuration))},
  };
  info.is_blind_append = false;
  info.engine_info = options.engine_info;
  info.txn_id = NewUuid();

  // Refuse early (and without creating directories) when a table is there.
  if (auto listing = store.List(0); listing.ok() && !listing->commits.empty()) {
    *already_exists = true;
    return Status::InvalidArgument("a Delta table already exists at " + store.table_root());
  }
  RP_RETURN_IF_ERROR(store.CreateDirectories());
  RP_ASSIGN_OR_RETURN(bool written, store.PutIfAbsent(CommitFileName(0), SerializeCommit(actions)));
  if (!written) {
    *already_exists = true;
    return Status::InvalidArgument("a Delta table already exists at " + store.table_root());
  }
  auto snapshot = std::make_shared<Snapshot>();
  RP_RETURN_IF_ERROR(snapshot->Apply(0, actions));
  RP_RETURN_IF_ERROR(snapshot->Validate());
  if (options.write_checksums) {
    Status st = WriteVersionChecksum(store, *snapshot, info.txn_id);
    if (!st.ok()) options.on_maintenance_error(st);
  }
  return snapshot;
}

}  // namespace

Table::Table(LogStore store, TableOptions options, std::shared_ptr<Snapshot> latest)
    : store_(std::move(store)), options_(std::move(options)), latest_(std::move(latest)) {}

int64_t Table::Now() const { return options_.clock(); }

Result<std::unique_ptr<Table>> Table::Open(std::string path, TableOptions options) {
  RP_ASSIGN_OR_RETURN(LogStore store, LogStore::Open(path, options.storage));
  RP_ASSIGN_OR_RETURN(auto snapshot,
                      LoadSnapshot(store, std::nullopt, LoadOptions{.tombstones = !options.read_only}));
  return std::unique_ptr<Table>(
      new Table(std::move(store), WithDefaults(std::move(options)), std::move(snapshot)));
}

Result<std::unique_ptr<Table>> Table::Create(std::string path, const arrow::Schema& schema,
                                             std::vector<std::string> partition_columns,
                                             std::map<std::string, std::string> configuration,
                                             TableOptions options) {
  options = WithDefaults(std::move(options));
  RP_ASSIGN_OR_RETURN(LogStore store, LogStore::Open(path, options.storage));
  bool exists = false;
  RP_ASSIGN_OR_RETURN(
      auto snapshot, CreateLog(store, schema, partition_columns, std::move(configuration), options, &exists));
  return std::unique_ptr<Table>(new Table(std::move(store), std::move(options), std::move(snapshot)));
}

Result<std::unique_ptr<Table>> Table::OpenOrCreate(std::string path, const arrow::Schema& schema,
                                                   std::vector<std::string> partition_columns,
                                                   std::map<std::string, std::string> configuration,
                                                   TableOptions options) {
  auto opened = Open(path, options);
  if (!opened.ok() && opened.status().IsNotFound()) {
    options = WithDefaults(std::move(options));
    RP_ASSIGN_OR_RETURN(LogStore store, LogStore::Open(path, options.storage));
    bool exists = false;
    auto created = CreateLog(store, schema, partition_columns, std::move(configuration), options, &exists);
    if (created.ok()) {
      return std::unique_ptr<Table>(new Table(std::move(store), std::move(options), std::move(*created)));
    }
    if (!exists) return created.status();
    opened = Open(path, options);  // lost the race to another creator
  }
  if (!opened.ok()) return opened.status();
  const Snapshot& snap = *(*opened)->snapshot();
  RP_ASSIGN_OR_RETURN(std::string wanted, SchemaToDeltaJson(schema));
  RP_ASSIGN_OR_RETURN(std::string have, SchemaToDeltaJson(*snap.schema()));
  if (wanted != have) {
    return Status::InvalidArgument("the table at " + path + " has schema " + snap.schema()->ToString(true) +
                                   " but " + schema.ToString(true) + " was requested");
  }
  if (snap.partition_columns() != partition_columns) {
    return Status::InvalidArgument("the table at " + path + " is partitioned by " +
                                   JsonStringArray(snap.partition_columns()) + " but " +
                                   JsonStringArray(partition_columns) + " was requested");
  }
  return opened;
}

Snapshot* Table::MutableLatest() {
  if (latest_.use_count() > 1) latest_ = std::make_shared<Snapshot>(*latest_);
  return latest_.get();
}

Result<std::shared_ptr<const Snapshot>> Table::Refresh() {
  // Probe first so that a shared snapshot is only copied when there is news.
  RP_ASSIGN_OR_RETURN(bool news, store_.Exists(CommitFileName(latest_->version() + 1)));
  if (!news) return std::shared_ptr<const Snapshot>(latest_);
  RP_ASSIGN_OR_RETURN(int64_t applied, UpdateSnapshot(store_, MutableLatest()));
  (void)applied;
  ExpireTombstonesIfDue();
  return std::shared_ptr<const Snapshot>(latest_);
}

void Table::ExpireTombstonesIfDue() {
  const Snapshot& snap = *latest_;
  if (snap.version() - tombstones_expired_at_ < snap.checkpoint_interval()) return;
  tombstones_expired_at_ = snap.version();
  // The cutoff a checkpoint written now uses (checkpoint.h). A retention that
  // does not parse keeps everything, as checkpoints do.
  auto retention = DeletedFileRetentionMs(snap.metadata());
  if (!retention.ok() || snap.tombstones().empty()) return;
  MutableLatest()->ExpireTombstones(Now() - *retention);
}

Result<std::shared_ptr<const Snapshot>> Table::GetSnapshot(std::optional<int64_t> version) {
  if (!version || *version > latest_->version()) {
    RP_ASSIGN_OR_RETURN(auto latest, Refresh());
    if (!version || *version == latest->version()) return latest;
    if (*version > latest->version()) {
      return Status::NotFound("table " + path() + " has no version " + std::to_string(*version) +
                              " (latest is " + std::to_string(latest->version()) + ")");
    }
  }
  if (*version == latest_->version()) return std::shared_ptr<const Snapshot>(latest_);
  RP_ASSIGN_OR_RETURN(auto older,
                      LoadSnapshot(store_, version, LoadOptions{.tombstones = !options_.read_only}));
  return std::shared_ptr<const Snapshot>(std::move(older));
}

Transaction Table::NewTransaction() { return Transaction(this, latest_->version()); }

void Table::AfterCommit(const std::optional<std::string>& txn_id) {
  const Snapshot& snap = *latest_;
  if (options_.write_checksums) {
    Status st = WriteVersionChecksum(store_, snap, txn_id);
    if (!st.ok())
      options_.on_maintenance_error(st.WithContext("writing " + ChecksumFileName(snap.version())));
  }
  if (options_.write_checkpoints && snap.version() > 0 && snap.version() % snap.checkpoint_interval() == 0) {
    auto hint = WriteCheckpoint(store_, snap, Now());
    if (!hint.ok()) {
      options_.on_maintenance_error(
          hint.status().WithContext("checkpoint at version " + std::to_string(snap.version())));
    } else if (options_.clean_up_expired_logs) {
      // With checkpoints, as delta-spark and delta-rs do: a listing of the
      // log every delta.checkpointInterval commits, not after every commit.
      auto cleaned = CleanUpExpiredLogs(store_, snap, Now());
      if (!cleaned.ok()) options_.on_maintenance_error(cleaned.status().WithContext("expired log cleanup"));
    }
  }
  ExpireTombstonesIfDue();
}

}  // namespace rp::delta
