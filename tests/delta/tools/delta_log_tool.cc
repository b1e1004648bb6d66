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
//       test); with --data each add is a real Parquet file. --create makes the
//       demo table first if needed. --wait-for spins until FILE exists so that
//       several processes start racing together. Prints one line per commit.
#include <arrow/api.h>
#include <arrow/io/file.h>
#include <parquet/arrow/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "common/uuid.h"
#include "delta/action_json.h"
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

// Writes a small Parquet data file (value, offset, ts) for one partition and
// returns its AddFile with stats.
Result<AddFile> WriteDataFile(const std::string& root, int32_t partition, int64_t first_offset, int rows) {
  arrow::StringBuilder values;
  arrow::Int64Builder offsets;
  arrow::TimestampBuilder ts(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), arrow::default_memory_pool());
  for (int i = 0; i < rows; ++i) {
    if (!values.Append("v" + std::to_string(first_offset + i)).ok() || !offsets.Append(first_offset + i).ok() ||
        !ts.Append((first_offset + i) * 1000000).ok()) {
      return Status::Internal("append failed");
    }
  }
  auto schema = arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("offset", arrow::int64()),
                               arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"))});
  auto table = arrow::Table::Make(schema, {values.Finish().ValueOrDie(), offsets.Finish().ValueOrDie(),
                                           ts.Finish().ValueOrDie()});
  const std::string dir = "partition=" + std::to_string(partition);
  std::filesystem::create_directories(root + "/" + dir);
  const std::string rel = dir + "/part-00000-" + NewUuid() + "-c000.snappy.parquet";
  {
    auto out = arrow::io::FileOutputStream::Open(root + "/" + rel);
    if (!out.ok()) return Status::IOError(out.status().ToString());
    auto props = parquet::WriterProperties::Builder().compression(parquet::Compression::SNAPPY)->build();
    auto st = parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), *out, 1024, props);
    if (!st.ok() || !(*out)->Close().ok()) return Status::IOError("writing " + rel);
  }
  AddFile add;
  add.path = rel;
  add.partition_values["partition"] = std::to_string(partition);
  add.size = static_cast<int64_t>(std::filesystem::file_size(root + "/" + rel));
  add.modification_time = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  const int64_t last = first_offset + rows - 1;
  add.stats = "{\"numRecords\":" + std::to_string(rows) + ",\"minValues\":{\"offset\":" +
              std::to_string(first_offset) + "},\"maxValues\":{\"offset\":" + std::to_string(last) +
              "},\"nullCount\":{\"offset\":0,\"value\":0,\"ts\":0}}";
  return add;
}

int Append(int argc, char** argv) {
  std::string path = argv[2], app_id = "app", wait_for;
  int commits = 1, files = 1;
  bool data = false, create = false;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--app-id") app_id = next();
    else if (a == "--commits") commits = std::atoi(next().c_str());
    else if (a == "--files") files = std::atoi(next().c_str());
    else if (a == "--wait-for") wait_for = next();
    else if (a == "--data") data = true;
    else if (a == "--create") create = true;
    else return Fail(Status::InvalidArgument("unknown flag " + a));
  }
  while (!wait_for.empty() && ::access(wait_for.c_str(), F_OK) != 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  auto table = create ? Table::OpenOrCreate(path, *DemoSchema(), {"partition"}, {{"reprocessor.timeZone", "UTC"}})
                      : Table::Open(path);
  if (!table.ok()) return Fail(table.status());
  for (int c = 1; c <= commits; ++c) {
    Transaction txn = (*table)->NewTransaction();
    for (int f = 0; f < files; ++f) {
      const int32_t partition = f % 2;
      if (data) {
        auto add = WriteDataFile(path, partition, static_cast<int64_t>(c) * 100 + f * 10, 3);
        if (!add.ok()) return Fail(add.status());
        txn.AddFile(std::move(*add));
      } else {
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

}  // namespace
}  // namespace rp::delta

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "inspect") == 0) {
    std::optional<int64_t> version;
    if (argc >= 4) version = std::atoll(argv[3]);
    return rp::delta::Inspect(argv[2], version);
  }
  if (argc >= 3 && std::strcmp(argv[1], "append") == 0) return rp::delta::Append(argc, argv);
  std::fprintf(stderr, "usage: delta_log_tool inspect <table> [<version>] | append <table> [flags]\n");
  return 2;
}
