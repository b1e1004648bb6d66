// make_raw_table: writes a raw table as `sync` would have written it from a
// 3-partition topic of seed-shaped records (bench/harness/seed_records.h),
// without going through Kafka: same schema (`--layout`, default kafka),
// partitioning, table config, txn actions, and one commit per
// `--rows-per-commit` records (sync's batch size), files written with sync's
// writer options (row groups, offset block index).
//
//   make_raw_table --table /tmp/raw10m --rows 10000000
#include <CLI/CLI.hpp>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "delta/data_file_writer.h"
#include "delta/table.h"
#include "jobs/raw_table.h"
#include "seed_records.h"

namespace {

int Fail(const rp::Status& s) {
  std::fprintf(stderr, "make_raw_table: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Write a raw table of seed-shaped records directly");
  std::string path, topic = "visits", job = "reprocessor-sync";
  int64_t rows = 0, per_commit = 100000;
  int partitions = 3;
  app.add_option("--table", path)->required();
  app.add_option("--rows", rows)->required();
  app.add_option("--rows-per-commit", per_commit);
  app.add_option("--partitions", partitions);
  app.add_option("--topic", topic);
  std::string layout_name = "kafka";
  app.add_option("--layout", layout_name, "kafka or seed");
  CLI11_PARSE(app, argc, argv);

  using namespace rp;
  auto layout = jobs::ParseRawLayout(layout_name);
  if (!layout.ok()) return Fail(layout.status());
  auto zone = logic::TimeZone::Utc();
  jobs::RawTableSettings settings;
  settings.layout = *layout;
  settings.time_zone = zone.name();
  settings.source_topic = topic;
  auto table = delta::Table::Create(path, *jobs::RawTableSchema(*layout), jobs::RawTablePartitionColumns(),
                                    jobs::RawTableConfiguration(settings));
  if (!table.ok()) return Fail(table.status());
  jobs::RawBatchBuilder builder(*layout, settings.event_time, zone);
  const int64_t now_ms = 1'700'000'000'000;
  std::string key, value;
  int64_t files = 0, commits = 0;
  for (int64_t start = 0; start < rows; start += per_commit) {
    const int64_t end = std::min(rows, start + per_commit);
    for (int64_t i = start; i < end; ++i) {
      bench::SeedShapedRecord(i, rows, &key, &value);
      // Record i went to partition i % partitions at the next offset there.
      kafka::MessageView record;
      record.topic = topic;
      record.partition = static_cast<int32_t>(i % partitions);
      record.offset = i / partitions;
      record.key = key;
      record.value = value;
      record.timestamp_ms = now_ms + i;
      record.timestamp_type = kafka::TimestampType::kCreateTime;
      Status s = builder.Append(record);
      if (!s.ok()) return Fail(s);
    }
    auto batch = builder.Finish();
    if (!batch.ok()) return Fail(batch.status());
    // Sync's encodings, row groups and offset block index.
    auto adds = delta::WriteDataFiles(*(*table)->storage(), jobs::RawTablePartitionColumns(), **batch,
                                      jobs::RawTableWriterOptions(*layout));
    if (!adds.ok()) return Fail(adds.status());
    files += static_cast<int64_t>(adds->size());
    delta::Transaction txn = (*table)->NewTransaction();
    txn.AddFiles(std::move(*adds));
    for (int p = 0; p < partitions; ++p) {
      // The last offset of partition p among records [0, end).
      const int64_t last = end > p ? (end - 1 - p) / partitions : -1;
      if (last >= 0) txn.SetTxn(jobs::SyncAppId(job, topic, p), last);
    }
    auto version = txn.Commit("STREAMING UPDATE", {{"outputMode", "Append"}, {"queryId", job}});
    if (!version.ok()) return Fail(version.status());
    ++commits;
  }
  std::printf("{\"rows\": %" PRId64 ", \"files\": %" PRId64 ", \"commits\": %" PRId64 "}\n", rows, files,
              commits);
  return 0;
}
