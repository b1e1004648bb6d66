// A small driver over the Delta log layer for multi-process tests and Python
// interop tests. Not part of the product.
//
//   delta_log_tool inspect <table> [<version>]
//       Prints the snapshot as one JSON object: version, protocol, metadata,
//       schemaString (re-serialized from the Arrow schema), files, txns, totals.
//   delta_log_tool append <table> --app-id ID --commits N [--files K]
//                  [--wait-for FILE] [--data] [--create]
//       Commits N blind appends of K files each, each with txn (ID, i) for
//       i = 1..N. Without --data the adds name files that do not exist (a log
//       test); with --data each add is a real Parquet file written by the
//       product's data file writer (see DemoRows for the rows). --create makes
//       the demo table first if needed. --wait-for spins until FILE exists so
//       that several processes start racing together. Prints one line per
//       commit.
//   delta_log_tool checkpoint <table>
//       Writes the checkpoint of the latest version (as a commit at a
//       checkpoint interval would), for other readers to read.
#include <arrow/api.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "delta/action_json.h"
#include "delta/checkpoint.h"
#include "delta/data_file_writer.h"
#include "delta/json_writer.h"
#include "delta/schema.h"
#include "delta/table.h"

namespace rp::delta {
namespace {

int Fail(const Status& st) {
  std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
  return 1;
}

std::shared_ptr<arrow::Schema> DemoSchema() {
  return arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("offset", arrow::int64()),
                        arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
                        arrow::field("partition", arrow::int32())});
}

int Inspect(const std::string& path, std::optional<int64_t> version) {
  auto table = Table::Open(path);
  if (!table.ok()) return Fail(table.status());
  auto snap = (*table)->GetSnapshot(version);
  if (!snap.ok()) return Fail(snap.status());
  const Snapshot& s = **snap;
  auto schema = SchemaToDeltaJson(*s.schema());
  if (!schema.ok()) return Fail(schema.status());
  JsonWriter w;
  w.BeginObject();
  w.Key("version").Int(s.version());
  w.Key("protocol");
  WriteProtocol(s.protocol(), &w);
  w.Key("metadata");
  WriteMetadata(s.metadata(), &w);
  w.Key("schemaString").String(*schema);
  w.Key("files").BeginArray();
  for (const auto& [p, add] : s.files()) WriteAddFile(add, &w);
  w.EndArray();
  w.Key("txns").BeginObject();
  for (const auto& [app, t] : s.txns()) w.Key(app).Int(t.version);
  w.EndObject();
  w.Key("numFiles").Int(s.num_files());
  w.Key("tableSizeBytes").Int(s.table_size_bytes());
  w.EndObject();
  std::printf("%s\n", w.str().c_str());
  return 0;
}

// The rows of file `file` of commit `commit` by `app_id` (the interop tests
// recompute them): offsets commit*100 + file*10 + {0,1,2}; value
// "<app_id>-<offset>", with characters JSON must escape on the second row and
// null on the third; ts = offset seconds + 123 microseconds, null on the third
// row; partition file % 2, or null (__HIVE_DEFAULT_PARTITION__) when
// file % 4 == 3.
Result<std::shared_ptr<arrow::RecordBatch>> DemoRows(const std::string& app_id, int commit, int file) {
  arrow::StringBuilder values;
  arrow::Int64Builder offsets;
  arrow::TimestampBuilder ts(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), arrow::default_memory_pool());
  arrow::Int32Builder partitions;
  arrow::Status st;
  for (int i = 0; i < 3; ++i) {
    const int64_t offset = int64_t{commit} * 100 + file * 10 + i;
    const std::string value =
        app_id + "-" + std::to_string(offset) + (i == 1 ? " \"\xc3\xa9\\\n\t\xe2\x9c\x93" : "");
    st &= i == 2 ? values.AppendNull() : values.Append(value);
    st &= offsets.Append(offset);
    st &= i == 2 ? ts.AppendNull() : ts.Append(offset * 1000000 + 123);
    st &= file % 4 == 3 ? partitions.AppendNull() : partitions.Append(file % 2);
  }
  std::vector<std::shared_ptr<arrow::Array>> columns(4);
  st &= values.Finish(&columns[0]);
  st &= offsets.Finish(&columns[1]);
  st &= ts.Finish(&columns[2]);
  st &= partitions.Finish(&columns[3]);
  if (!st.ok()) return Status::Internal(st.ToString());
  return arrow::RecordBatch::Make(DemoSchema(), 3, std::move(columns));
}

int Append(int argc, char** argv) {
  std::string path = argv[2], app_id = "app", wait_for;
  int commits = 1, files = 1;
  bool data = false, create = false;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--app-id")
      app_id = next();
    else if (a == "--commits")
      commits = std::atoi(next().c_str());
    else if (a == "--files")
      files = std::atoi(next().c_str());
    else if (a == "--wait-for")
      wait_for = next();
    else if (a == "--data")
      data = true;
    else if (a == "--create")
      create = true;
    else
      return Fail(Status::InvalidArgument("unknown flag " + a));
  }
  while (!wait_for.empty() && ::access(wait_for.c_str(), F_OK) != 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  auto table =
      create ? Table::OpenOrCreate(path, *DemoSchema(), {"partition"}, {{"reprocessor.timeZone", "UTC"}})
             : Table::Open(path);
  if (!table.ok()) return Fail(table.status());
  if (data && !(*table)->snapshot()->schema()->Equals(*DemoSchema(), /*check_metadata=*/false)) {
    return Fail(Status::InvalidArgument("--data needs the demo table schema " + DemoSchema()->ToString() +
                                        ", the table has " + (*table)->snapshot()->schema()->ToString()));
  }
  for (int c = 1; c <= commits; ++c) {
    Transaction txn = (*table)->NewTransaction();
    for (int f = 0; f < files; ++f) {
      if (data) {
        auto rows = DemoRows(app_id, c, f);
        if (!rows.ok()) return Fail(rows.status());
        auto adds = WriteDataFiles(*(*table)->storage(), {"partition"}, **rows);
        if (!adds.ok()) return Fail(adds.status());
        txn.AddFiles(std::move(*adds));
      } else {
        const int32_t partition = f % 2;
        AddFile add;
        add.path = "partition=" + std::to_string(partition) + "/" + app_id + "-" + std::to_string(c) + "-" +
                   std::to_string(f) + ".parquet";
        add.partition_values["partition"] = std::to_string(partition);
        add.size = 100 + c + f;
        add.modification_time = 1700000000000;
        add.stats = "{\"numRecords\":1}";
        txn.AddFile(std::move(add));
      }
    }
    txn.SetTxn(app_id, c);
    auto version = txn.Commit("WRITE", {{"mode", "Append"}});
    if (!version.ok()) return Fail(version.status());
    std::printf("committed %s %d at version %lld\n", app_id.c_str(), c, static_cast<long long>(*version));
    std::fflush(stdout);
  }
  return 0;
}

int Checkpoint(const char* path) {
  auto store = LogStore::Open(path);
  if (!store.ok()) return Fail(store.status());
  auto snapshot = LoadSnapshot(*store);
  if (!snapshot.ok()) return Fail(snapshot.status());
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto hint = WriteCheckpoint(*store, **snapshot, now);
  if (!hint.ok()) return Fail(hint.status());
  std::printf("checkpoint at version %lld\n", static_cast<long long>(hint->version));
  return 0;
}

}  // namespace
}  // namespace rp::delta

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "inspect") == 0) {
    std::optional<int64_t> version;
    if (argc >= 4) version = std::atoll(argv[3]);
    return rp::delta::Inspect(argv[2], version);
  }
  if (argc >= 3 && std::strcmp(argv[1], "append") == 0) return rp::delta::Append(argc, argv);
  if (argc == 3 && std::strcmp(argv[1], "checkpoint") == 0) return rp::delta::Checkpoint(argv[2]);
  std::fprintf(
      stderr,
      "usage: delta_log_tool inspect <table> [<version>] | append <table> [flags] | checkpoint <table>\n");
  return 2;
}
