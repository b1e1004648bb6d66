// Tables with deletion vectors: the table Spark wrote (fixtures/make_dv_table.py)
// reads as Spark reads it at every version, through JSON commits and Spark's
// checkpoint; optimize drops the deleted rows and removes the (path, DV) it
// read; vacuum keeps the DV files live or retained files need; appends and
// our checkpoints keep every DV; inline and absolute DVs from hand-built
// commits are honoured too.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "data_test_util.h"
#include "delta/action_json.h"
#include "delta/data_file_writer.h"
#include "delta/deletion_vector.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/optimize.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "delta/vacuum.h"
#include "dv_test_util.h"
#include "log_test_util.h"

namespace rp::delta {
namespace {

namespace fs = std::filesystem;
using data_testing::SeedBatch;
using data_testing::SeedPartitionColumns;
using data_testing::SeedRow;
using data_testing::SeedSchema;
using testing::TempDir;

const std::string kFixture = std::string(RP_DELTA_FIXTURES_DIR) + "/spark_dv_table";

// (hour, partition, offset, value): a row of the fixture's seed layout (every
// row is in 2024-05-01).
using Row = std::tuple<int32_t, int32_t, int64_t, std::string>;

// The rows Spark read at each version (spark_dv_table.expected.json).
std::map<int64_t, std::multiset<Row>> SparkRows() {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const std::string path = kFixture + ".expected.json";
  auto error = parser.load(path).get(doc);
  EXPECT_EQ(error, simdjson::SUCCESS) << path;
  std::map<int64_t, std::multiset<Row>> out;
  if (error) return out;
  for (auto [version, rows] : doc["versions"].get_object()) {
    auto& set = out[std::stoll(std::string(version))];
    for (auto r : rows.get_array()) {
      set.emplace(static_cast<int32_t>(int64_t(r["hour"])), static_cast<int32_t>(int64_t(r["partition"])),
                  int64_t(r["offset"]), std::string(std::string_view(r["value"])));
    }
  }
  return out;
}

std::multiset<Row> RowsOf(const arrow::Table& t) {
  if (t.num_rows() == 0) return {};
  auto flat = t.CombineChunks().ValueOrDie();
  auto hour = std::static_pointer_cast<arrow::Int32Array>(flat->GetColumnByName("hour")->chunk(0));
  auto partition = std::static_pointer_cast<arrow::Int32Array>(flat->GetColumnByName("partition")->chunk(0));
  auto offset = std::static_pointer_cast<arrow::Int64Array>(flat->GetColumnByName("offset")->chunk(0));
  auto value = std::static_pointer_cast<arrow::StringArray>(flat->GetColumnByName("value")->chunk(0));
  std::multiset<Row> rows;
  for (int64_t i = 0; i < flat->num_rows(); ++i) {
    rows.emplace(hour->Value(i), partition->Value(i), offset->Value(i), std::string(value->GetView(i)));
  }
  return rows;
}

struct Read {
  std::multiset<Row> rows;
  ScanMetrics metrics;
};

Read ScanAll(const Snapshot& snap, const std::shared_ptr<const Storage>& storage, Filter filter = {}) {
  std::vector<AddFile> files;
  for (const auto& [path, add] : snap.files()) files.push_back(add);
  ScanSpec spec;
  spec.storage = storage;
  spec.schema = snap.schema();
  spec.partition_columns = snap.partition_columns();
  spec.filter = std::move(filter);
  auto result = Scan(files, spec);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (!result.ok()) return {};
  return {RowsOf(**result->ToTable()), result->metrics};
}

// A private copy of the fixture; with `modified_ms`, every file's
// modification time is set to it (ms since the epoch).
std::string CopyFixture(const TempDir& dir, std::optional<int64_t> modified_ms = std::nullopt) {
  const std::string copy = dir.path() + "/table";
  fs::copy(kFixture, copy, fs::copy_options::recursive);
  if (modified_ms) {
    const auto when = std::chrono::file_clock::from_sys(
        std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(*modified_ms)));
    for (const auto& e : fs::recursive_directory_iterator(copy)) {
      if (e.is_regular_file()) fs::last_write_time(e.path(), when);
    }
  }
  return copy;
}

std::set<std::string> DvFilesOnDisk(const std::string& table) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(table)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("deletion_vector_", 0) == 0) out.insert(fs::relative(e.path(), table).string());
  }
  return out;
}

std::set<std::string> DvFilesOf(const Snapshot& snap, bool with_tombstones) {
  std::set<std::string> out;
  auto add = [&](const std::optional<DeletionVectorDescriptor>& dv) {
    if (!dv) return;
    auto path = DeletionVectorFilePath(*dv);
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    if (*path) out.insert(**path);
  };
  for (const auto& [key, a] : snap.files()) add(a.deletion_vector);
  if (with_tombstones) {
    for (const auto& [key, r] : snap.tombstones()) add(r.deletion_vector);
  }
  return out;
}

int64_t CommitTimestamp(const LogStore& store, int64_t version) {
  auto actions = ParseCommitFile(store.Read(CommitFileName(version)).value(), "commit");
  return actions.value().commit_info->timestamp;
}

TEST(SparkDeletionVectors, EveryVersionReadsAsSparkReadsIt) {
  const auto expected = SparkRows();
  ASSERT_EQ(expected.size(), 7u);
  LogStore store = testing::LogStoreAt(kFixture);
  for (const auto& [version, rows] : expected) {
    auto snap = LoadSnapshot(store, version);
    ASSERT_TRUE(snap.ok()) << "version " << version << ": " << snap.status().ToString();
    Read read = ScanAll(**snap, store.storage());
    EXPECT_EQ(read.rows, rows) << "version " << version;
    // What the DVs dropped is what their cardinalities say.
    int64_t cardinality = 0;
    for (const auto& [path, add] : (*snap)->files()) {
      if (add.deletion_vector) cardinality += add.deletion_vector->cardinality;
    }
    EXPECT_EQ(read.metrics.rows_deleted, cardinality) << "version " << version;
    EXPECT_EQ(read.metrics.rows_read - read.metrics.rows_deleted, static_cast<int64_t>(rows.size()));
  }
  // The deletes did write DVs (in files), and version 6 is read from Spark's
  // checkpoint of version 4 plus two commits.
  auto latest = LoadSnapshot(store);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->version(), 6);
  EXPECT_EQ(store.storage()->Exists(LogStore::KeyOf(CheckpointFileName(4))).value(), true);
  for (const auto& [path, add] : (*latest)->files()) {
    ASSERT_TRUE(add.deletion_vector) << path;
    EXPECT_EQ(add.deletion_vector->storage_type, "u");
  }
}

TEST(SparkDeletionVectors, FiltersApplyToTheRowsLeft) {
  const auto expected = SparkRows().at(6);
  LogStore store = testing::LogStoreAt(kFixture);
  auto snap = LoadSnapshot(store);
  ASSERT_TRUE(snap.ok());
  // As reprocess slices: one Kafka partition, an offset range.
  Filter slice = Filter::Where(
      {ColumnRange::Eq("partition", int64_t{0}), ColumnRange::Between("offset", int64_t{0}, int64_t{20})});
  std::multiset<Row> want;
  for (const Row& r : expected) {
    if (std::get<1>(r) == 0 && std::get<2>(r) <= 20) want.insert(r);
  }
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(ScanAll(**snap, store.storage(), slice).rows, want);
  // Deleted offsets (offset % 7 = 3, offset % 5 = 0, offset 7) never come back.
  for (int64_t deleted : {3, 5, 7, 10, 15, 17}) {
    auto rows = ScanAll(**snap, store.storage(), Filter::Where({ColumnRange::Eq("offset", deleted)})).rows;
    EXPECT_TRUE(rows.empty()) << "offset " << deleted;
  }
}

TEST(SparkDeletionVectors, OptimizeDropsTheDeletedRowsAndRemovesTheFilesWithTheirDvs) {
  TempDir dir;
  const std::string path = CopyFixture(dir);
  auto table = Table::Open(path);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  const auto before = (*table)->snapshot();
  OptimizeOptions options;
  options.sort_columns = {"partition", "offset"};
  auto metrics = Optimize(table->get(), options);
  ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
  ASSERT_TRUE(metrics->version);
  // Hour 10's two files became one, without their deleted rows; hour 11 has
  // one file left, which stays as it is (with its DV).
  EXPECT_EQ(metrics->files_removed, 2);
  EXPECT_EQ(metrics->files_added, 1);
  const auto after = (*table)->snapshot();
  EXPECT_EQ(ScanAll(*after, (*table)->storage()).rows, SparkRows().at(6));
  int with_dv = 0;
  for (const auto& [p, add] : after->files()) with_dv += add.deletion_vector ? 1 : 0;
  EXPECT_EQ(with_dv, 1);
  // The commit removes each logical file it read: path and DV.
  auto commit =
      ParseCommitFile((*table)->log_store().Read(CommitFileName(*metrics->version)).value(), "optimize");
  ASSERT_TRUE(commit.ok());
  ASSERT_EQ(commit->removes.size(), 2u);
  for (const auto& r : commit->removes) {
    const AddFile& read = before->files().at(r.path);
    ASSERT_TRUE(read.deletion_vector);
    EXPECT_EQ(r.deletion_vector, read.deletion_vector) << r.path;
    EXPECT_FALSE(r.data_change);
  }
  EXPECT_EQ(commit->adds.at(0).deletion_vector, std::nullopt);
  // A reader of the log agrees (the snapshot above was built in memory).
  auto reloaded = LoadSnapshot(testing::LogStoreAt(path));
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_EQ(ScanAll(**reloaded, (*table)->storage()).rows, SparkRows().at(6));
}

TEST(SparkDeletionVectors, VacuumKeepsTheDvFilesOfRetainedTombstones) {
  TempDir dir;
  // Every file as old as a month before Spark made the table.
  const LogStore fixture = testing::LogStoreAt(kFixture);
  const int64_t first_commit = CommitTimestamp(fixture, 0), last_commit = CommitTimestamp(fixture, 6);
  constexpr int64_t kHour = 3600 * 1000;
  const std::string path = CopyFixture(dir, first_commit - 30 * 24 * kHour);
  auto table = Table::Open(path);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  const auto snap = (*table)->snapshot();
  // DELETEs replaced DVs, and time travel to the versions before needs the
  // old ones, which only tombstones name. One DV file is named by nothing:
  // Spark wrote it for the DELETE that then removed its whole data file.
  const std::set<std::string> live = DvFilesOf(*snap, false), named = DvFilesOf(*snap, true);
  ASSERT_LT(live.size(), named.size());
  std::set<std::string> orphans;
  for (const auto& f : DvFilesOnDisk(path)) {
    if (!named.count(f)) orphans.insert(f);
  }
  ASSERT_EQ(orphans.size(), 1u);

  // Tombstones younger than the retention: only the orphan goes, although
  // every file is older than the retention.
  VacuumOptions keep;
  keep.now_ms = last_commit + kHour;
  keep.retention_ms = 24 * kHour;
  keep.force = true;
  auto kept = Vacuum(*(*table)->storage(), *snap, keep);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  std::set<std::string> deleted;
  for (const auto& f : kept->files) deleted.insert(f.path);
  EXPECT_EQ(deleted, orphans);
  EXPECT_EQ(DvFilesOnDisk(path), named);
  for (int64_t v = 1; v <= 6; ++v) {
    auto old = LoadSnapshot((*table)->log_store(), v);
    ASSERT_TRUE(old.ok());
    EXPECT_EQ(ScanAll(**old, (*table)->storage()).rows, SparkRows().at(v)) << "version " << v;
  }

  // Once the tombstones expire, the DV files only they named go, and the
  // data file the last-but-one DELETE removed; the live DV files stay.
  VacuumOptions expire = keep;
  expire.now_ms = last_commit + 48 * kHour;
  auto gone = Vacuum(*(*table)->storage(), *snap, expire);
  ASSERT_TRUE(gone.ok()) << gone.status().ToString();
  deleted.clear();
  for (const auto& f : gone->files) deleted.insert(f.path);
  std::set<std::string> want;
  for (const auto& f : named) {
    if (!live.count(f)) want.insert(f);
  }
  for (const auto& [key, r] : snap->tombstones()) {
    if (!snap->files().count(r.path)) want.insert(r.path);
  }
  EXPECT_EQ(want.size(), 2u);  // the old DV file and the removed data file
  EXPECT_EQ(deleted, want);
  EXPECT_EQ(DvFilesOnDisk(path), live);
  EXPECT_EQ(ScanAll(*snap, (*table)->storage()).rows, SparkRows().at(6));
}

TEST(SparkDeletionVectors, AppendsAndOurCheckpointsKeepEveryDv) {
  TempDir dir;
  const std::string path = CopyFixture(dir);
  auto table = Table::Open(path);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::multiset<Row> want = SparkRows().at(6);
  // Four appends, as sync commits them: the table's checkpoint interval is 4,
  // so we write the checkpoint of version 8.
  for (int64_t batch = 0; batch < 4; ++batch) {
    std::vector<SeedRow> rows;
    for (int64_t i = 0; i < 3; ++i) {
      const int64_t offset = 2000 + batch * 3 + i;
      const std::string value = "appended-" + std::to_string(offset);
      rows.push_back({value, static_cast<int32_t>(offset % 2), offset, 2024, 5, 1, 12});
      want.emplace(12, static_cast<int32_t>(offset % 2), offset, value);
    }
    auto adds = WriteDataFiles(*(*table)->storage(), SeedPartitionColumns(), *SeedBatch(rows));
    ASSERT_TRUE(adds.ok()) << adds.status().ToString();
    Transaction txn = (*table)->NewTransaction();
    txn.AddFiles(std::move(*adds));
    txn.SetTxn("sync-test", batch);
    auto v = txn.Commit("STREAMING UPDATE");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
  }
  LogStore store = testing::LogStoreAt(path);
  ASSERT_TRUE(store.storage()->Exists(LogStore::KeyOf(CheckpointFileName(8))).value());
  auto snap = LoadSnapshot(store);  // from our checkpoint of version 8, then commits 9 and 10
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->version(), 10);
  EXPECT_EQ(ScanAll(**snap, store.storage()).rows, want);
  EXPECT_EQ(DvFilesOf(**snap, true), DvFilesOf(*LoadSnapshot(testing::LogStoreAt(kFixture)).value(), true));
  EXPECT_EQ((*snap)->tombstones().size(),
            LoadSnapshot(testing::LogStoreAt(kFixture)).value()->tombstones().size());
  EXPECT_EQ((*snap)->protocol().reader_features, std::vector<std::string>{"deletionVectors"});
}

// Our own seed table with one 10-row file, then hand-built commits that give
// that file a DV, the way another engine would.
class HandBuiltDvs : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() + "/table";
    auto table = Table::Create(path_, *SeedSchema(), SeedPartitionColumns(), {{"delta.appendOnly", "false"}},
                               testing::NoCheckpoints());
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = std::move(*table);
    std::vector<SeedRow> rows;
    for (int64_t o = 0; o < 10; ++o) rows.push_back({"v" + std::to_string(o), 0, o, 2024, 5, 1, 10});
    auto adds = WriteDataFiles(*table_->storage(), SeedPartitionColumns(), *SeedBatch(rows));
    ASSERT_TRUE(adds.ok());
    file_ = adds->at(0);
    Transaction txn = table_->NewTransaction();
    txn.AddFile(file_);
    ASSERT_TRUE(txn.Commit("WRITE").ok());
  }

  // Commits the protocol upgrade and (file, none) -> (file, dv).
  void Delete(const DeletionVectorDescriptor& dv) {
    LogActions c;
    c.protocol = Protocol{3, 7, std::vector<std::string>{"deletionVectors"},
                          std::vector<std::string>{"deletionVectors"}};
    c.removes.push_back(
        RemoveFile{file_.path, 1, true, true, file_.partition_values, file_.size, std::nullopt});
    c.adds.push_back(file_);
    c.adds.back().deletion_vector = dv;
    ASSERT_TRUE(table_->log_store().PutIfAbsent(CommitFileName(2), SerializeCommit(c)).value());
  }

  Result<std::vector<int64_t>> Offsets() {
    auto snap = LoadSnapshot(table_->log_store());
    if (!snap.ok()) return snap.status();
    std::vector<AddFile> files;
    for (const auto& [p, a] : (*snap)->files()) files.push_back(a);
    ScanSpec spec;
    spec.storage = table_->storage();
    spec.schema = (*snap)->schema();
    spec.partition_columns = (*snap)->partition_columns();
    spec.columns = {"offset"};
    RP_ASSIGN_OR_RETURN(ScanResult r, Scan(files, spec));
    std::vector<int64_t> out;
    for (const auto& b : r.batches) {
      auto col = std::static_pointer_cast<arrow::Int64Array>(b->column(0));
      for (int64_t i = 0; i < col->length(); ++i) out.push_back(col->Value(i));
    }
    return out;
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Table> table_;
  AddFile file_;
};

TEST_F(HandBuiltDvs, AnInlineDvDeletesItsRows) {
  Delete(dv_testing::InlineDv({0, 4, 9}));
  auto offsets = Offsets();
  ASSERT_TRUE(offsets.ok()) << offsets.status().ToString();
  EXPECT_EQ(*offsets, (std::vector<int64_t>{1, 2, 3, 5, 6, 7, 8}));
}

TEST_F(HandBuiltDvs, ADvAtAnAbsolutePathDeletesItsRows) {
  const std::string bitmap = dv_testing::RoaringBitmapArrayBytes({1, 2});
  std::vector<int32_t> offsets;
  testing::WriteFile(dir_.path() + "/elsewhere.bin", dv_testing::DvFile({bitmap}, &offsets));
  Delete(DeletionVectorDescriptor{"p", "file://" + dir_.path() + "/elsewhere.bin", offsets[0],
                                  static_cast<int32_t>(bitmap.size()), 2});
  auto read = Offsets();
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, (std::vector<int64_t>{0, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(HandBuiltDvs, ADvOfAnotherFileOrAMissingOneFailsTheScanNamingIt) {
  // Row 10 of a 10-row file: the DV is not this file's.
  Delete(dv_testing::InlineDv({2, 10}));
  auto beyond = Offsets();
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.status().code(), Status::Code::kCorruption);
  EXPECT_NE(beyond.status().message().find(file_.path.substr(file_.path.rfind('/') + 1)), std::string::npos)
      << beyond.status().ToString();
}

TEST_F(HandBuiltDvs, AMissingDvFileFailsTheScanNamingIt) {
  const std::string bitmap = dv_testing::RoaringBitmapArrayBytes({1});
  Delete(dv_testing::FileDv("", std::string(16, '\x55'), 1, bitmap, 1));
  auto missing = Offsets();
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("deletion_vector_55555555-5555-5555-5555-555555555555.bin"),
            std::string::npos)
      << missing.status().ToString();
}

}  // namespace
}  // namespace rp::delta
