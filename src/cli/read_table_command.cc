// `reprocessor read-table` and `reprocessor table-info`: look at a Delta table.
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/arrow_cells.h"
#include "cli/command.h"
#include "cli/show_table.h"
#include "cli/storage_options.h"
#include "common/json_string.h"
#include "delta/file_stats.h"
#include "delta/log_store.h"
#include "delta/missing_data_files.h"
#include "delta/scan.h"
#include "delta/schema.h"
#include "delta/snapshot.h"
#include "delta/table_sort.h"

namespace rp::cli {
namespace {

struct ReadTableFlags {
  std::string table;
  StorageFlags storage;
  std::string format = "table";
  std::optional<int64_t> version;
};

// Straight from the log rather than through delta::Table, which would load the
// latest version first: time travel must work even when later commits are
// damaged. A missing table or version is the caller's mistake (exit 2).
Result<std::shared_ptr<const delta::Snapshot>> LoadSnapshotAt(const delta::LogStore& store,
                                                              std::optional<int64_t> version) {
  auto snap = delta::LoadSnapshot(store, version, delta::LoadOptions{.tombstones = false});
  if (!snap.ok()) {
    if (snap.status().IsNotFound()) return Status::InvalidArgument(snap.status().message());
    return snap.status();
  }
  return std::shared_ptr<const delta::Snapshot>(std::move(*snap));
}

// Rows ordered by (partition, offset) when the table has them, else by the
// sortable columns in schema order, so output never depends on file layout.
std::vector<std::string> SortKeys(const arrow::Schema& schema) {
  if (schema.GetFieldIndex("partition") >= 0 && schema.GetFieldIndex("offset") >= 0)
    return {"partition", "offset"};
  std::vector<std::string> keys;
  for (const auto& f : schema.fields()) {
    switch (f->type()->id()) {
      case arrow::Type::INT8:
      case arrow::Type::INT16:
      case arrow::Type::INT32:
      case arrow::Type::INT64:
      case arrow::Type::FLOAT:
      case arrow::Type::DOUBLE:
      case arrow::Type::STRING:
      case arrow::Type::DATE32:
      case arrow::Type::TIMESTAMP:
        keys.push_back(f->name());
        break;
      default:
        break;
    }
  }
  return keys;
}

int RunReadTable(const ReadTableFlags& flags) {
  auto storage = flags.storage.Resolve(flags.table);
  if (!storage.ok()) return ReportError(storage.status());
  auto store = delta::LogStore::Open(flags.table, *storage);
  if (!store.ok()) return ReportError(store.status());
  auto snapshot = LoadSnapshotAt(*store, flags.version);
  if (!snapshot.ok()) return ReportError(snapshot.status());
  const auto& snap = **snapshot;
  std::vector<delta::AddFile> files;
  for (const auto& [path, add] : snap.files()) files.push_back(add);
  delta::ScanSpec spec;
  spec.storage = store->storage();
  spec.schema = snap.schema();
  spec.partition_columns = snap.partition_columns();
  auto result = delta::Scan(files, spec);
  if (!result.ok()) {
    // Most likely time travel to a version whose files vacuum deleted: say so.
    if (result.status().IsNotFound())
      return ReportError(delta::ExplainMissingDataFiles(*store, snap, result.status()));
    return ReportError(result.status());
  }
  auto table = result->ToTable();
  if (!table.ok()) return ReportError(table.status());
  auto sorted = delta::SortTable(*table, SortKeys(*snap.schema()));
  if (!sorted.ok()) return ReportError(sorted.status());
  auto combined = (*sorted)->CombineChunks();
  if (!combined.ok()) return ReportError(Status::Internal(combined.status().ToString()));
  const arrow::Table& t = **combined;

  std::vector<std::shared_ptr<arrow::Array>> cols;
  for (int c = 0; c < t.num_columns(); ++c) {
    cols.push_back(t.column(c)->num_chunks() ? t.column(c)->chunk(0) : nullptr);
  }
  if (flags.format == "table") {
    std::vector<std::string> header;
    for (const auto& f : t.schema()->fields()) header.push_back(f->name());
    std::vector<std::vector<Cell>> rows(static_cast<size_t>(t.num_rows()));
    for (int64_t r = 0; r < t.num_rows(); ++r) {
      for (const auto& col : cols) rows[static_cast<size_t>(r)].push_back(ShowCell(*col, r));
    }
    ShowTable(header, rows, std::cout);
  } else {
    std::string line;
    for (int64_t r = 0; r < t.num_rows(); ++r) {
      line = "{";
      for (int c = 0; c < t.num_columns(); ++c) {
        if (c) line += ',';
        AppendJsonString(t.schema()->field(c)->name(), &line);
        line += ':';
        AppendJsonCell(*cols[static_cast<size_t>(c)], r, &line);
      }
      line += "}\n";
      std::cout << line;
    }
  }
  std::cout.flush();
  return kExitOk;
}

struct TableInfoFlags {
  std::string table;
  StorageFlags storage;
  std::string format = "text";
  std::optional<int64_t> version;
};

int RunTableInfo(const TableInfoFlags& flags) {
  auto storage = flags.storage.Resolve(flags.table);
  if (!storage.ok()) return ReportError(storage.status());
  auto store = delta::LogStore::Open(flags.table, *storage);
  if (!store.ok()) return ReportError(store.status());
  auto snapshot = LoadSnapshotAt(*store, flags.version);
  if (!snapshot.ok()) return ReportError(snapshot.status());
  const auto& snap = **snapshot;
  int64_t rows = 0;
  bool rows_known = true;
  for (const auto& [path, add] : snap.files()) {
    auto stats =
        add.stats ? delta::ParseFileStats(*add.stats) : Result<delta::FileStats>(Status::NotFound(""));
    // numRecords counts the file's rows; a deletion vector deletes some.
    if (stats.ok() && stats->num_records) {
      rows += *stats->num_records - (add.deletion_vector ? add.deletion_vector->cardinality : 0);
    } else {
      rows_known = false;
    }
  }
  const auto& proto = snap.protocol();
  auto features = [](const std::optional<std::vector<std::string>>& f) {
    std::string s;
    if (f)
      for (const auto& x : *f) s += (s.empty() ? "" : ",") + x;
    return s;
  };
  if (flags.format == "json") {
    std::string j = "{\"path\":";
    AppendJsonString(flags.table, &j);
    j += fmt::format(",\"version\":{},\"protocol\":{{\"minReaderVersion\":{},\"minWriterVersion\":{}}}",
                     snap.version(), proto.min_reader_version, proto.min_writer_version);
    j += ",\"id\":";
    AppendJsonString(snap.metadata().id, &j);
    j += ",\"schema\":[";
    for (int i = 0; i < snap.schema()->num_fields(); ++i) {
      const auto& f = snap.schema()->field(i);
      auto type = delta::DeltaTypeName(*f->type());
      j += fmt::format("{}{{\"name\":", i ? "," : "");
      AppendJsonString(f->name(), &j);
      j += ",\"type\":";
      AppendJsonString(type.ok() ? *type : f->type()->ToString(), &j);
      j += fmt::format(",\"nullable\":{}}}", f->nullable() ? "true" : "false");
    }
    j += "],\"partitionColumns\":[";
    for (size_t i = 0; i < snap.partition_columns().size(); ++i) {
      if (i) j += ',';
      AppendJsonString(snap.partition_columns()[i], &j);
    }
    j += "],\"configuration\":{";
    bool first = true;
    for (const auto& [k, v] : snap.metadata().configuration) {
      if (!first) j += ',';
      first = false;
      AppendJsonString(k, &j);
      j += ':';
      AppendJsonString(v, &j);
    }
    j += fmt::format("}},\"files\":{},\"bytes\":{},\"rows\":{},\"txns\":{{", snap.num_files(),
                     snap.table_size_bytes(), rows_known ? std::to_string(rows) : "null");
    first = true;
    for (const auto& [app, txn] : snap.txns()) {
      if (!first) j += ',';
      first = false;
      AppendJsonString(app, &j);
      j += ':' + std::to_string(txn.version);
    }
    j += "}}\n";
    std::cout << j;
  } else {
    std::cout << "table:       " << flags.table << "\n"
              << "version:     " << snap.version() << "\n"
              << "id:          " << snap.metadata().id << "\n"
              << "protocol:    reader " << proto.min_reader_version << ", writer "
              << proto.min_writer_version;
    if (proto.reader_features) std::cout << ", reader features [" << features(proto.reader_features) << "]";
    if (proto.writer_features) std::cout << ", writer features [" << features(proto.writer_features) << "]";
    std::cout << "\nschema:\n";
    for (const auto& f : snap.schema()->fields()) {
      auto type = delta::DeltaTypeName(*f->type());
      std::cout << "  " << f->name() << " " << (type.ok() ? *type : f->type()->ToString())
                << (f->nullable() ? "" : " NOT NULL") << "\n";
    }
    std::string parts;
    for (const auto& p : snap.partition_columns()) parts += (parts.empty() ? "" : ", ") + p;
    std::cout << "partitioned: " << (parts.empty() ? "no" : parts) << "\n";
    for (const auto& [k, v] : snap.metadata().configuration)
      std::cout << "config:      " << k << "=" << v << "\n";
    std::cout << "files:       " << snap.num_files() << "\n"
              << "bytes:       " << snap.table_size_bytes() << "\n"
              << "rows:        " << (rows_known ? std::to_string(rows) : "unknown (files without stats)")
              << "\n";
    for (const auto& [app, txn] : snap.txns())
      std::cout << "txn:         " << app << " = " << txn.version << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddReadTableCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<ReadTableFlags>();
  CLI::App* cmd =
      app.add_subcommand("read-table", "Print every row of a Delta table, by partition then offset");
  cmd->add_option("--table", flags->table, "Table path")->required();
  cmd->add_option("--format", flags->format, "table (Spark show layout) or jsonl")
      ->check(CLI::IsMember({"table", "jsonl"}));
  cmd->add_option("--version", flags->version, "Read this table version (time travel)")
      ->check(CLI::NonNegativeNumber);
  flags->storage.AddTo(cmd, /*with_config=*/true);
  cmd->callback([flags, action] { *action = [flags] { return RunReadTable(*flags); }; });

  auto info = std::make_shared<TableInfoFlags>();
  CLI::App* icmd =
      app.add_subcommand("table-info", "Show a Delta table's version, protocol, schema, files and txns");
  icmd->add_option("--table", info->table, "Table path")->required();
  icmd->add_option("--format", info->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  icmd->add_option("--version", info->version, "Describe this table version")->check(CLI::NonNegativeNumber);
  info->storage.AddTo(icmd, /*with_config=*/true);
  icmd->callback([info, action] { *action = [info] { return RunTableInfo(*info); }; });
}

}  // namespace rp::cli
