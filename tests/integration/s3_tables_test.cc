// Tables on S3 end to end: the real binary's sync, reprocess, read-table,
// table-info, optimize and vacuum on s3://bucket/prefix tables, on a real S3
// server (tests/support/s3_server.h) and a real broker, each checked against
// the same command on a local table synced from the same topic, and the S3
// tables read by delta-rs. Credentials and endpoint reach the binary only
// through --storage-option and [storage] (never the environment), and two
// writers race for every version of one S3 table.
//
// (`stream` has no table: topic to topic, nothing to run on S3.)
#include <gtest/gtest.h>

#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "delta/data_file_writer.h"
#include "delta/table.h"
#include "support/jobs.h"
#include "support/s3_server.h"

namespace rp {
namespace {

using testing::HeaderValue;
using testing::JobArgs;
using testing::ReprocessorBinary;
using testing::RunProcess;
using testing::S3Server;
using testing::SharedBroker;
using testing::TestRecord;

constexpr int kPartitions = 3;
const char* const kTopic = "s3_visits";

// Record j of partition p: its event hour is j / 4 (mod 6), so a sync that
// takes a round in one batch writes one file per hour, each holding four
// consecutive offsets of every partition.
TestRecord Visit(int p, int j) {
  char value[200];
  std::snprintf(value, sizeof value,
                R"({"event_id":"e%d-%d","visit_id":%d,"event_time":"2025-09-04T%02d:%02d:00","page":"p%d"})",
                p, j, p * 1000 + j, (j / 4) % 6, (j % 4) * 10 + p, j % 7);
  return {p, value, "k" + std::to_string(p) + "-" + std::to_string(j), {{"n", std::to_string(j)}}};
}

std::vector<TestRecord> Round(int first, int end) {
  std::vector<TestRecord> records;
  for (int j = first; j < end; ++j) {
    for (int p = 0; p < kPartitions; ++p) records.push_back(Visit(p, j));
  }
  return records;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// `reprocessor <args>` with the S3 server's storage flags.
testing::ProcessResult OnS3(std::vector<std::string> args) {
  args.insert(args.begin(), ReprocessorBinary());
  return RunProcess(Concat(args, S3Server::Get().StorageArgs()));
}

std::string ReadTable(const std::string& table, const std::vector<std::string>& table_args) {
  auto r = RunProcess(
      Concat({ReprocessorBinary(), "read-table", "--table", table, "--format", "jsonl"}, table_args));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// delta-rs's view of a table: "<rows> <sha256 of every row, by partition and offset>".
std::string DeltaRsDigest(const std::string& table, bool on_s3) {
  auto r = testing::RunPython(
      "import hashlib\n"
      "from deltalake import DeltaTable\n"
      "t = DeltaTable('" +
      table + "'" + (on_s3 ? ", storage_options=" + S3Server::Get().DeltaRsOptions() : "") +
      ")\n"
      "rows = sorted(t.to_pyarrow_table().to_pylist(), key=lambda r: (r['partition'], r['offset']))\n"
      "print(len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

int64_t JsonNumber(const std::string& json, const std::string& name) {
  const size_t at = json.find("\"" + name + "\":");
  return at == std::string::npos ? -1 : std::atoll(json.c_str() + at + name.size() + 3);
}

// One bucket per test, under a name only it uses.
std::string NewBucket(const std::string& name) {
  const std::string error = S3Server::Get().CreateBucket(name);
  EXPECT_EQ(error, "");
  return name;
}

// A topic synced twice (72 records, then 36 more) into a local table and
// into an S3 table, once for the suite: the tests that only read share them.
class S3Tables : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(S3Server::Get().error(), "");
    dir_ = new testing::TempDir();
    local_ = dir_->path() + "/visits";
    s3_ = "s3://" + NewBucket("e2e-shared") + "/raw/visits";
    SharedBroker().CreateTopic(kTopic, kPartitions);
    // Each round in one commit (--max-batch-records = its size): files are
    // the same on both sides, so are the file counts compared below.
    testing::Produce(SharedBroker().bootstrap(), kTopic, Round(0, 24));
    for (int round = 0; round < 2; ++round) {
      const int64_t rows = round == 0 ? 72 : 108;
      const std::string batch = round == 0 ? "72" : "36";
      const std::vector<std::string> flags = {"--max-batch-records", batch, "--max-batch-ms", "20000",
                                              "--no-auto-compact"};
      testing::SyncUntil(kTopic, local_, rows, dir_->path(), Concat(flags, {"--group", "s3e2e-local"}));
      testing::SyncUntil(kTopic, s3_, rows, dir_->path(), Concat(flags, {"--group", "s3e2e-s3"}),
                         S3Server::Get().StorageArgs());
      if (round == 0) testing::Produce(SharedBroker().bootstrap(), kTopic, Round(24, 36));
    }
    ready_ = !::testing::Test::HasFailure();
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override { ASSERT_TRUE(ready_) << "the suite's tables could not be synced"; }

  static testing::TempDir* dir_;
  static std::string local_, s3_;
  static bool ready_;
};
testing::TempDir* S3Tables::dir_ = nullptr;
std::string S3Tables::local_, S3Tables::s3_;
bool S3Tables::ready_ = false;

TEST_F(S3Tables, ASyncedS3TableHoldsWhatTheLocalOneHolds) {
  const std::string rows = ReadTable(local_, {});
  EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 108);
  EXPECT_EQ(ReadTable(s3_, S3Server::Get().StorageArgs()), rows);
  auto local_info = RunProcess({ReprocessorBinary(), "table-info", "--table", local_, "--format", "json"});
  auto s3_info = OnS3({"table-info", "--table", s3_, "--format", "json"});
  ASSERT_EQ(s3_info.exit_code, 0) << s3_info.err;
  EXPECT_EQ(JsonNumber(s3_info.out, "rows"), 108);
  EXPECT_EQ(JsonNumber(s3_info.out, "files"), JsonNumber(local_info.out, "files"));
  EXPECT_EQ(JsonNumber(s3_info.out, "version"), JsonNumber(local_info.out, "version"));
  // delta-rs reads the same rows from both.
  const std::string local_digest = DeltaRsDigest(local_, false);
  EXPECT_EQ(local_digest.substr(0, 4), "108 ");
  EXPECT_EQ(DeltaRsDigest(s3_, true), local_digest);
}

TEST_F(S3Tables, TheConfigFileStorageSectionWorksAndFlagsOverrideItAndItOverridesTheEnvironment) {
  const auto& options = S3Server::Get().options();
  const std::string config = dir_->path() + "/rp.toml";
  {
    std::ofstream out(config);
    out << "[storage]\n";
    for (const auto& [name, value] : options) out << name << " = \"" << value << "\"\n";
    out << "max_retries = 2\n";
  }
  // The environment names an endpoint where nothing listens, and other keys.
  const std::vector<std::string> env = {"env", "AWS_ENDPOINT_URL=http://127.0.0.1:1",
                                        "AWS_ACCESS_KEY_ID=nobody", "AWS_SECRET_ACCESS_KEY=nothing"};
  auto from_file = RunProcess(Concat(
      env, {ReprocessorBinary(), "table-info", "--table", s3_, "--format", "json", "--config", config}));
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(JsonNumber(from_file.out, "rows"), 108);
  // Without the file, the environment's endpoint is used, and fails.
  auto from_env = RunProcess(
      Concat(env, {ReprocessorBinary(), "table-info", "--table", s3_, "--storage-option", "max_retries=0"}));
  EXPECT_EQ(from_env.exit_code, 1) << from_env.err;
  // A flag beats the file: the file's endpoint is now the dead one.
  {
    std::ofstream out(config);
    out << "[storage]\naws_endpoint_url = \"http://127.0.0.1:1\"\nmax_retries = 0\n";
  }
  auto flag_wins =
      RunProcess({ReprocessorBinary(), "read-table", "--table", s3_, "--format", "jsonl", "--config", config,
                  "--storage-option", "aws_endpoint_url=" + options.at("aws_endpoint_url"),
                  "--storage-option", "aws_access_key_id=" + options.at("aws_access_key_id"),
                  "--storage-option", "aws_secret_access_key=" + options.at("aws_secret_access_key")});
  ASSERT_EQ(flag_wins.exit_code, 0) << flag_wins.err;
  EXPECT_EQ(flag_wins.out, ReadTable(local_, {}));
  // No message shows the secret.
  EXPECT_EQ(from_env.err.find(options.at("aws_secret_access_key")), std::string::npos) << from_env.err;
}

// (source partition, source offset) -> the output record, for comparing two runs.
std::map<std::pair<int, int64_t>, kafka::Record> BySource(const std::vector<kafka::Record>& records) {
  std::map<std::pair<int, int64_t>, kafka::Record> out;
  for (const auto& r : records) {
    out[{std::stoi(HeaderValue(r, "source-partition").value_or("-1")),
         std::stoll(HeaderValue(r, "source-offset").value_or("-1"))}] = r;
  }
  return out;
}

std::vector<kafka::Header> WithoutRunHeader(std::vector<kafka::Header> headers) {
  std::erase_if(headers, [](const kafka::Header& h) { return h.name == "reprocess-run"; });
  return headers;
}

TEST_F(S3Tables, ReprocessFromTheS3TableProducesWhatItProducesFromTheLocalOne) {
  SharedBroker().CreateTopic("s3_out_local", kPartitions);
  SharedBroker().CreateTopic("s3_out_s3", kPartitions);
  auto local =
      RunProcess(JobArgs({"reprocess", "0", "1000", "--table", local_, "--output-topic", "s3_out_local"}));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  // The S3 run takes its settings from a config file's [storage] section.
  const std::string config = dir_->path() + "/reprocess.toml";
  {
    std::ofstream out(config);
    out << "[storage]\n";
    for (const auto& [name, value] : S3Server::Get().options()) out << name << " = \"" << value << "\"\n";
  }
  auto s3 = RunProcess(
      JobArgs({"reprocess", "0", "1000", "--table", s3_, "--output-topic", "s3_out_s3", "--config", config}));
  ASSERT_EQ(s3.exit_code, 0) << s3.err;
  EXPECT_NE(s3.err.find("produced 108"), std::string::npos) << s3.err;

  const auto from_local = BySource(testing::ReadAll(SharedBroker().bootstrap(), "s3_out_local"));
  const auto from_s3 = BySource(testing::ReadAll(SharedBroker().bootstrap(), "s3_out_s3"));
  ASSERT_EQ(from_local.size(), 108u);
  ASSERT_EQ(from_s3.size(), from_local.size());
  for (const auto& [source, want] : from_local) {
    SCOPED_TRACE(std::to_string(source.first) + "/" + std::to_string(source.second));
    auto it = from_s3.find(source);
    ASSERT_NE(it, from_s3.end());
    EXPECT_EQ(it->second.partition, want.partition);
    EXPECT_EQ(it->second.key, want.key);
    EXPECT_EQ(it->second.value, want.value);
    EXPECT_EQ(WithoutRunHeader(it->second.headers), WithoutRunHeader(want.headers));
  }
}

TEST_F(S3Tables, ReprocessingThreeOffsetsReadsOneDataFile) {
  SharedBroker().CreateTopic("s3_out_slice", kPartitions);
  auto info = OnS3({"table-info", "--table", s3_, "--format", "json"});
  const int64_t files = JsonNumber(info.out, "files");
  ASSERT_GT(files, 3) << info.out;
  // Offset 4 of each of the 3 partitions: all in the first round's file of
  // hour 1 (offsets 4-7); offset statistics skip every other file.
  auto r =
      RunProcess(Concat(JobArgs({"reprocess", "4", "4", "--table", s3_, "--output-topic", "s3_out_slice"}),
                        S3Server::Get().StorageArgs()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("files " + std::to_string(files) + " total"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(", 1 read (1 decoded);"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rows 3;"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("produced 3;"), std::string::npos) << r.err;
  std::set<std::pair<int, int64_t>> sources;
  for (const auto& [source, record] : BySource(testing::ReadAll(SharedBroker().bootstrap(), "s3_out_slice")))
    sources.insert(source);
  EXPECT_EQ(sources, (std::set<std::pair<int, int64_t>>{{0, 4}, {1, 4}, {2, 4}}));
}

// Every object of a bucket made `hours` older, as the server reports it.
void AgeObjects(const std::string& bucket, int hours) {
  const auto then = std::filesystem::file_time_type::clock::now() - std::chrono::hours(hours);
  for (const auto& e : std::filesystem::recursive_directory_iterator(S3Server::Get().BucketDir(bucket))) {
    if (e.is_regular_file()) std::filesystem::last_write_time(e.path(), then);
  }
}

int CountParquetObjects(const std::string& bucket) {
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(S3Server::Get().BucketDir(bucket))) {
    if (e.is_regular_file() && e.path().extension() == ".parquet") ++n;
  }
  return n;
}

TEST_F(S3Tables, OptimizeThenVacuumOnS3KeepEveryRowForUsAndForDeltaRs) {
  const std::string bucket = NewBucket("e2e-upkeep");
  const std::string table = "s3://" + bucket + "/raw/visits";
  // Small commits: several files per hour to compact.
  testing::SyncUntil(kTopic, table, 108, dir_->path(),
                     {"--group", "s3e2e-upkeep", "--max-batch-records", "12", "--no-auto-compact"},
                     S3Server::Get().StorageArgs());
  const std::string rows = ReadTable(local_, {});
  const std::string digest = DeltaRsDigest(local_, false);
  ASSERT_EQ(ReadTable(table, S3Server::Get().StorageArgs()), rows);
  ASSERT_EQ(DeltaRsDigest(table, true), digest);
  const int64_t files_before =
      JsonNumber(OnS3({"table-info", "--table", table, "--format", "json"}).out, "files");

  auto optimize = OnS3({"optimize", "--table", table});
  ASSERT_EQ(optimize.exit_code, 0) << optimize.err;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(optimize.out, m, std::regex(R"((\d+) files \(\d+ bytes\) rewritten as (\d+) files)")))
      << optimize.out;
  const int removed = std::stoi(m[1]), added = std::stoi(m[2]);
  EXPECT_GT(removed, added);
  const int64_t files_after =
      JsonNumber(OnS3({"table-info", "--table", table, "--format", "json"}).out, "files");
  EXPECT_EQ(files_after, files_before - removed + added);
  EXPECT_EQ(ReadTable(table, S3Server::Get().StorageArgs()), rows);
  EXPECT_EQ(DeltaRsDigest(table, true), digest);

  // The rewritten files are younger than vacuum's one-hour floor: kept.
  auto young = OnS3({"vacuum", "--table", table, "--retain-hours", "0", "--force"});
  ASSERT_EQ(young.exit_code, 0) << young.err;
  EXPECT_NE(young.out.find("deleted 0 files"), std::string::npos) << young.out;
  EXPECT_EQ(CountParquetObjects(bucket), files_before + added);
  // Two hours later (as S3 reports the objects' times), they go.
  AgeObjects(bucket, 2);
  auto old = OnS3({"vacuum", "--table", table, "--retain-hours", "0", "--force"});
  ASSERT_EQ(old.exit_code, 0) << old.err;
  EXPECT_NE(old.out.find("deleted " + std::to_string(removed) + " files"), std::string::npos) << old.out;
  EXPECT_EQ(CountParquetObjects(bucket), files_after);
  EXPECT_EQ(ReadTable(table, S3Server::Get().StorageArgs()), rows);
  EXPECT_EQ(DeltaRsDigest(table, true), digest);
}

TEST(S3DeadLetters, GoToTheSiblingPrefixOfAnS3Table) {
  ASSERT_EQ(S3Server::Get().error(), "");
  const std::string table = "s3://" + NewBucket("e2e-dlq") + "/raw/visits";
  SharedBroker().CreateTopic("s3_dlq_in", 1);
  // The seed layout stores values as text: invalid UTF-8 is dead-lettered.
  testing::Produce(SharedBroker().bootstrap(), "s3_dlq_in",
                   {{0, testing::VisitRecord(1), {}, {}}, {0, std::string("\xc3\x28 bad utf8"), {}, {}}});
  testing::TempDir dir;
  testing::SyncUntil("s3_dlq_in", table, 1, dir.path(), {"--layout", "seed", "--group", "s3e2e-dlq"},
                     S3Server::Get().StorageArgs());
  ASSERT_TRUE(testing::WaitFor(
      [&] { return testing::TableRows(table + "_dlq", S3Server::Get().StorageArgs()) == 1; }, 30000));
  EXPECT_EQ(testing::TableRows(table, S3Server::Get().StorageArgs()), 1);
}

// Two handles on one S3 table, each committing one file per round; a
// barrier makes both read the same version and commit at once, every round.
TEST(S3Commits, TwoWritersRacingForEachVersionOnS3LoseNothingAndDoubleNothing) {
  ASSERT_EQ(S3Server::Get().error(), "");
  const std::string table = "s3://" + NewBucket("e2e-race") + "/t";
  delta::TableOptions options;
  options.storage = S3Server::Get().options();
  auto schema = arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("writer", arrow::int32())});
  ASSERT_TRUE(delta::Table::Create(table, *schema, {}, {}, options).ok());
  constexpr int kWriters = 2, kRounds = 15;
  struct Outcome {
    int64_t read_version = -1, version = -1;
    std::string error;
  };
  std::vector<std::vector<Outcome>> outcomes(kWriters, std::vector<Outcome>(kRounds));
  std::barrier sync_point(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto handle = delta::Table::Open(table, options);  // each its own storage and connections
      for (int round = 0; round < kRounds; ++round) {
        Outcome& out = outcomes[w][round];
        sync_point.arrive_and_wait();  // the last round's commits are all done
        if (!handle.ok()) {
          out.error = handle.status().ToString();
          sync_point.arrive_and_wait();
          continue;
        }
        auto refreshed = (*handle)->Refresh();
        arrow::StringBuilder values;
        arrow::Int32Builder ids;
        (void)values.Append("w" + std::to_string(w) + "-r" + std::to_string(round));
        (void)ids.Append(w);
        auto batch =
            arrow::RecordBatch::Make(schema, 1, {values.Finish().ValueOrDie(), ids.Finish().ValueOrDie()});
        auto adds = delta::WriteDataFiles(*(*handle)->storage(), {}, *batch);
        delta::Transaction txn = (*handle)->NewTransaction();
        out.read_version = txn.read_version();
        if (adds.ok()) txn.AddFiles(std::move(*adds)).SetTxn("writer-" + std::to_string(w), round + 1);
        sync_point.arrive_and_wait();  // both hold a transaction on the same version
        if (!refreshed.ok() || !adds.ok()) {
          out.error = !refreshed.ok() ? refreshed.status().ToString() : adds.status().ToString();
          continue;
        }
        auto version = txn.Commit("WRITE", {{"mode", "Append"}});
        if (version.ok())
          out.version = *version;
        else
          out.error = version.status().ToString();
      }
    });
  }
  for (auto& t : writers) t.join();

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const Outcome& a = outcomes[0][round];
    const Outcome& b = outcomes[1][round];
    ASSERT_EQ(a.error, "");
    ASSERT_EQ(b.error, "");
    // Both read version 2 * round; one won 2 * round + 1, the other lost it
    // and landed, retried, right after.
    EXPECT_EQ(a.read_version, 2 * round);
    EXPECT_EQ(b.read_version, 2 * round);
    EXPECT_EQ(std::set<int64_t>({a.version, b.version}), (std::set<int64_t>{2 * round + 1, 2 * round + 2}));
  }
  auto reopened = delta::Table::Open(table, options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  const auto snap = (*reopened)->snapshot();
  EXPECT_EQ(snap->version(), 2 * kRounds);
  EXPECT_EQ(snap->num_files(), 2 * kRounds);
  EXPECT_EQ(snap->TxnVersion("writer-0"), kRounds);
  EXPECT_EQ(snap->TxnVersion("writer-1"), kRounds);
  // Every row once, read by our binary.
  std::set<std::string> want, seen;
  for (int w = 0; w < kWriters; ++w)
    for (int r = 0; r < kRounds; ++r)
      want.insert("\"w" + std::to_string(w) + "-r" + std::to_string(r) + "\"");
  std::istringstream lines(ReadTable(table, S3Server::Get().StorageArgs()));
  int n = 0;
  std::smatch m;
  for (std::string line; std::getline(lines, line); ++n) {
    if (std::regex_search(line, m, std::regex(R"("value":("[^"]*"))"))) seen.insert(m[1]);
  }
  EXPECT_EQ(n, kWriters * kRounds);
  EXPECT_EQ(seen, want);
}

}  // namespace
}  // namespace rp
