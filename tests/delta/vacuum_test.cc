// VACUUM: exactly which files under the table root go, and that the table
// reads the same afterwards.
//
// Most tests use one table: two live files, three removed ones (removed two
// days ago, ten days ago, and without a timestamp) and orphans of several
// ages. Every data file was written 30 days before kNow unless a test says
// otherwise; the default retention is 7 days.
#include "delta/vacuum.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "data_test_util.h"
#include "delta/action_json.h"
#include "delta/data_file_writer.h"
#include "delta/log_paths.h"
#include "delta/scan.h"
#include "delta/table.h"
#include "support/jobs.h"

namespace rp::delta {
namespace {

using data_testing::SeedBatch;
using data_testing::SeedPartitionColumns;
using data_testing::SeedRow;
using data_testing::SeedSchema;
using data_testing::TempDir;

constexpr int64_t kMinute = 60LL * 1000, kHour = 60 * kMinute, kDay = 24 * kHour;
constexpr int64_t kNow = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr int64_t kWritten = kNow - 30 * kDay;

const std::string kHour7 = "year=2025/month=9/day=4/hour=7";

constexpr bool kForce = true;

VacuumOptions Retain(int64_t retention_ms, bool force = false) {
  VacuumOptions options;
  options.retention_ms = retention_ms;
  options.force = force;
  return options;
}

VacuumOptions DryRun() {
  VacuumOptions options;
  options.dry_run = true;
  return options;
}

void SetMtime(const std::string& path, int64_t ms) {
  struct timespec times[2];
  times[0].tv_sec = ms / 1000;
  times[0].tv_nsec = (ms % 1000) * 1000000;
  times[1] = times[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

class Vacuuming : public ::testing::Test {
 protected:
  void CreateTable(std::map<std::string, std::string> configuration = {},
                   std::shared_ptr<arrow::Schema> schema = SeedSchema(),
                   std::vector<std::string> partition_columns = SeedPartitionColumns()) {
    configuration.try_emplace("delta.appendOnly", "false");
    TableOptions options;
    options.clock = [] { return kNow; };
    auto table =
        Table::Create(root(), *schema, std::move(partition_columns), std::move(configuration), options);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = std::move(*table);
  }

  // The standard table of this file.
  void BuildStandardTable(std::map<std::string, std::string> configuration = {}) {
    CreateTable(std::move(configuration));
    live_a_ = Append(7, 0, 5);
    live_b_ = Append(8, 5, 5);
    removed_2_days_ago_ = Append(9, 10, 3);
    removed_10_days_ago_ = Append(10, 13, 3);
    removed_untimed_ = Append(11, 16, 3);
    Remove(removed_2_days_ago_, kNow - 2 * kDay);
    Remove(removed_10_days_ago_, kNow - 10 * kDay);
    Remove(removed_untimed_, std::nullopt);
    Put(kHour7 + "/part-orphan-8-days.parquet", kNow - 8 * kDay);
    Put(kHour7 + "/part-orphan-3-days.parquet", kNow - 3 * kDay);
    Put(kHour7 + "/part-orphan-10-minutes.parquet", kNow - 10 * kMinute);
    Put("stray-at-the-root.parquet", kWritten);
  }

  // One data file of `rows` rows in hour `hour`, committed; written kWritten.
  std::string Append(int32_t hour, int64_t first_offset, int rows) {
    std::vector<SeedRow> seed;
    for (int i = 0; i < rows; ++i) seed.push_back({"v", 0, first_offset + i, 2025, 9, 4, hour});
    auto adds = WriteDataFiles(*table_->storage(), SeedPartitionColumns(), *SeedBatch(seed));
    EXPECT_TRUE(adds.ok() && adds->size() == 1) << adds.status().ToString();
    if (!adds.ok() || adds->empty()) return "";
    AddFile add = (*adds)[0];
    SetMtime(root() + "/" + add.path, kWritten);
    auto committed = table_->NewTransaction().AddFile(add).Commit("WRITE");
    EXPECT_TRUE(committed.ok()) << committed.status().ToString();
    return add.path;
  }

  // Commits `actions` as the next version, written straight into the log
  // (removes, odd paths and protocols our Transaction does not write).
  void CommitRaw(LogActions actions) {
    CommitInfo& info = actions.commit_info.emplace();
    info.timestamp = kNow;
    info.operation = "DELETE";
    const int64_t version = table_->snapshot()->version() + 1;
    auto put = table_->log_store().PutIfAbsent(CommitFileName(version), SerializeCommit(actions));
    ASSERT_TRUE(put.ok() && *put);
    auto refreshed = table_->Refresh();
    ASSERT_TRUE(refreshed.ok()) << refreshed.status().ToString();
  }

  void Remove(const std::string& path, std::optional<int64_t> deletion_timestamp) {
    const AddFile& add = table_->snapshot()->files().at(path);
    RemoveFile r;
    r.path = add.path;
    r.deletion_timestamp = deletion_timestamp;
    r.extended_file_metadata = true;
    r.partition_values = add.partition_values;
    r.size = add.size;
    LogActions actions;
    actions.removes.push_back(r);
    CommitRaw(std::move(actions));
  }

  void AddRaw(const std::string& log_path) {
    AddFile add;
    add.path = log_path;
    add.size = 1;
    add.modification_time = kWritten;
    LogActions actions;
    actions.adds.push_back(add);
    CommitRaw(std::move(actions));
  }

  // A file at `rel` (relative to the root, as on disk) modified at `mtime`.
  void Put(const std::string& rel, int64_t mtime) {
    const std::filesystem::path p = root() + "/" + rel;
    std::filesystem::create_directories(p.parent_path());
    FILE* f = std::fopen(p.c_str(), "w");
    ASSERT_NE(f, nullptr) << p;
    std::fputs("not parquet", f);
    std::fclose(f);
    SetMtime(p.string(), mtime);
  }

  bool Exists(const std::string& rel) const { return std::filesystem::exists(root() + "/" + rel); }

  Result<VacuumResult> Run(VacuumOptions options = {}) {
    options.now_ms = kNow;
    return Vacuum(*table_->storage(), *table_->snapshot(), options);
  }

  VacuumResult RunOk(VacuumOptions options = {}) {
    auto result = Run(options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : VacuumResult{};
  }

  static std::vector<std::string> Paths(const VacuumResult& result) {
    std::vector<std::string> paths;
    for (const auto& f : result.files) paths.push_back(f.path);
    return paths;
  }

  // Rows a scan of the latest snapshot returns.
  int64_t ScanRows() const {
    const Snapshot& snap = *table_->snapshot();
    std::vector<AddFile> files;
    for (const auto& [path, add] : snap.files()) files.push_back(add);
    ScanSpec spec;
    spec.storage = table_->storage();
    spec.schema = snap.schema();
    spec.partition_columns = snap.partition_columns();
    auto result = Scan(files, spec);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->metrics.rows_matched : -1;
  }

  std::string root() const { return dir_.path() + "/t"; }

  TempDir dir_;
  std::unique_ptr<Table> table_;
  std::string live_a_, live_b_, removed_2_days_ago_, removed_10_days_ago_, removed_untimed_;
};

TEST_F(Vacuuming, DeletesExactlyTheUnneededFilesOlderThanTheRetention) {
  BuildStandardTable();
  VacuumResult result = RunOk();
  EXPECT_EQ(result.version, table_->snapshot()->version());
  EXPECT_EQ(result.retention_ms, 7 * kDay);
  EXPECT_EQ(result.delete_before_ms, kNow - 7 * kDay);
  EXPECT_FALSE(result.dry_run);
  std::vector<std::string> expected = {removed_10_days_ago_, removed_untimed_,
                                       kHour7 + "/part-orphan-8-days.parquet", "stray-at-the-root.parquet"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(Paths(result), expected);
  int64_t bytes = 0;
  for (const auto& f : result.files) bytes += f.size;
  EXPECT_EQ(result.bytes, bytes);

  EXPECT_TRUE(Exists(live_a_));
  EXPECT_TRUE(Exists(live_b_));
  EXPECT_TRUE(Exists(removed_2_days_ago_));  // its tombstone is inside the retention
  EXPECT_FALSE(Exists(removed_10_days_ago_));
  EXPECT_FALSE(Exists(removed_untimed_));  // no deletionTimestamp counts as 0, as in delta-spark
  EXPECT_FALSE(Exists(kHour7 + "/part-orphan-8-days.parquet"));
  EXPECT_TRUE(Exists(kHour7 + "/part-orphan-3-days.parquet"));
  EXPECT_TRUE(Exists(kHour7 + "/part-orphan-10-minutes.parquet"));
  EXPECT_FALSE(Exists("stray-at-the-root.parquet"));
}

TEST_F(Vacuuming, TheTableReadsEveryRowAfterwards) {
  BuildStandardTable();
  const int64_t before = ScanRows();
  EXPECT_EQ(before, 10);
  RunOk(Retain(0, kForce));
  EXPECT_EQ(ScanRows(), before);
  auto reopened = Table::Open(root());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->snapshot()->num_files(), 2);
}

TEST_F(Vacuuming, DeltaRsReadsEveryRowAfterwards) {
  BuildStandardTable();
  RunOk(Retain(0, kForce));
  auto r = ::rp::testing::RunPython("from deltalake import DeltaTable\nprint(DeltaTable('" + root() +
                                    "').to_pyarrow_table().num_rows)\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "10\n");
}

TEST_F(Vacuuming, ADryRunReportsTheSameFilesAndDeletesNothing) {
  BuildStandardTable();
  VacuumResult dry = RunOk(DryRun());
  EXPECT_TRUE(dry.dry_run);
  EXPECT_EQ(dry.files.size(), 4u);
  for (const auto& f : dry.files) EXPECT_TRUE(Exists(f.path)) << f.path;
  VacuumResult real = RunOk();
  EXPECT_EQ(Paths(real), Paths(dry));
  EXPECT_EQ(real.bytes, dry.bytes);
}

TEST_F(Vacuuming, ASecondRunFindsNothingLeft) {
  BuildStandardTable();
  RunOk();
  VacuumResult again = RunOk();
  EXPECT_TRUE(again.files.empty());
  EXPECT_EQ(again.bytes, 0);
}

TEST_F(Vacuuming, FilesModifiedWithinTheLastHourStayWhateverTheRetention) {
  BuildStandardTable();
  Put(kHour7 + "/part-orphan-59-minutes.parquet", kNow - 59 * kMinute);
  Put(kHour7 + "/part-orphan-61-minutes.parquet", kNow - 61 * kMinute);
  VacuumResult result = RunOk(Retain(0, kForce));
  EXPECT_EQ(result.delete_before_ms, kNow - kVacuumInFlightGuardMs);
  EXPECT_TRUE(Exists(kHour7 + "/part-orphan-10-minutes.parquet"));
  EXPECT_TRUE(Exists(kHour7 + "/part-orphan-59-minutes.parquet"));
  EXPECT_FALSE(Exists(kHour7 + "/part-orphan-61-minutes.parquet"));
  EXPECT_FALSE(Exists(kHour7 + "/part-orphan-3-days.parquet"));
  EXPECT_FALSE(Exists(removed_2_days_ago_));  // its tombstone is older than a zero retention
  EXPECT_TRUE(Exists(live_a_));
  EXPECT_TRUE(Exists(live_b_));
}

TEST_F(Vacuuming, HiddenFilesAndDirectoriesStayButChangeDataIsVacuumedAsInDeltaSpark) {
  BuildStandardTable();
  for (const std::string& rel :
       {std::string(".hidden.parquet"), std::string("_tmp/part-0.parquet"),
        std::string("_tmp/nested/part-1.parquet"), kHour7 + "/_SUCCESS", kHour7 + "/.part-0.parquet.crc",
        std::string("year=2025/.staging/part-2.parquet"), std::string("_delta_log/old-junk.parquet")}) {
    Put(rel, kWritten);
  }
  Put("_change_data/cdc-00000.parquet", kWritten);
  RunOk(Retain(0, kForce));
  EXPECT_TRUE(Exists(".hidden.parquet"));
  EXPECT_TRUE(Exists("_tmp/part-0.parquet"));
  EXPECT_TRUE(Exists("_tmp/nested/part-1.parquet"));
  EXPECT_TRUE(Exists(kHour7 + "/_SUCCESS"));
  EXPECT_TRUE(Exists(kHour7 + "/.part-0.parquet.crc"));
  EXPECT_TRUE(Exists("year=2025/.staging/part-2.parquet"));
  EXPECT_TRUE(Exists("_delta_log/old-junk.parquet"));
  EXPECT_TRUE(Exists("_delta_log/" + CommitFileName(0)));
  EXPECT_FALSE(Exists("_change_data/cdc-00000.parquet"));
}

TEST_F(Vacuuming, ARetentionBelowTheTablesNeedsForce) {
  BuildStandardTable();
  auto refused = Run(Retain(24 * kHour));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsInvalidArgument());
  const std::string& msg = refused.status().message();
  EXPECT_NE(msg.find("24 hours"), std::string::npos) << msg;
  EXPECT_NE(msg.find("delta.deletedFileRetentionDuration (168 hours)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--force"), std::string::npos) << msg;
  EXPECT_TRUE(Exists(kHour7 + "/part-orphan-8-days.parquet"));

  EXPECT_TRUE(Run(Retain(168 * kHour)).ok());
  EXPECT_TRUE(Run(Retain(24 * kHour, kForce)).ok());
  EXPECT_FALSE(Exists(kHour7 + "/part-orphan-3-days.parquet"));
}

TEST_F(Vacuuming, ALongerRetentionKeepsMore) {
  BuildStandardTable();
  RunOk(Retain(9 * kDay));
  EXPECT_TRUE(Exists(kHour7 + "/part-orphan-8-days.parquet"));
  EXPECT_FALSE(Exists(removed_10_days_ago_));
  EXPECT_FALSE(Exists("stray-at-the-root.parquet"));
}

TEST_F(Vacuuming, ANegativeRetentionIsRefused) {
  BuildStandardTable();
  auto refused = Run(Retain(-1, kForce));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsInvalidArgument());
}

TEST_F(Vacuuming, TheTablePropertySetsTheDefaultRetention) {
  BuildStandardTable({{"delta.deletedFileRetentionDuration", "interval 2 days"}});
  VacuumResult result = RunOk();
  EXPECT_EQ(result.retention_ms, 2 * kDay);
  EXPECT_FALSE(Exists(kHour7 + "/part-orphan-3-days.parquet"));
  EXPECT_TRUE(Exists(removed_2_days_ago_));  // removed exactly 2 days ago: not before the cutoff
  EXPECT_TRUE(Exists(kHour7 + "/part-orphan-10-minutes.parquet"));

  auto refused = Run(Retain(24 * kHour));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("(48 hours)"), std::string::npos) << refused.status().ToString();
}

TEST_F(Vacuuming, AnUnparsableRetentionPropertyIsAnErrorNamingIt) {
  BuildStandardTable({{"delta.deletedFileRetentionDuration", "interval 1 fortnight"}});
  auto refused = Run(Retain(200 * kHour));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsInvalidArgument());
  EXPECT_NE(refused.status().message().find("delta.deletedFileRetentionDuration"), std::string::npos);
  EXPECT_TRUE(Exists(kHour7 + "/part-orphan-8-days.parquet"));
}

TEST_F(Vacuuming, LogPathsAreUriDecodedBeforeBeingComparedWithTheDisk) {
  CreateTable();
  AddRaw("odd%20dir/a%3Ab%25c.parquet");
  Put("odd dir/a:b%c.parquet", kWritten);
  Put("odd dir/orphan.parquet", kWritten);
  VacuumResult result = RunOk();
  EXPECT_TRUE(Exists("odd dir/a:b%c.parquet"));
  EXPECT_EQ(Paths(result), std::vector<std::string>{"odd dir/orphan.parquet"});
}

TEST_F(Vacuuming, AbsolutePathsIntoTheRootAreProtectedAndOutsideItNeverTouched) {
  CreateTable();
  TempDir elsewhere;
  const std::string outside = elsewhere.path() + "/outside.parquet";
  {
    FILE* f = std::fopen(outside.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  SetMtime(outside, kWritten);
  Put("abs/inside.parquet", kWritten);
  AddRaw("file://" + root() + "/abs/inside.parquet");
  AddRaw("file://" + outside);
  // The root under another name: still the root.
  const std::string alias = elsewhere.path() + "/alias-of-the-root";
  std::filesystem::create_directory_symlink(root(), alias);
  Put("abs/through-alias.parquet", kWritten);
  AddRaw("file://" + alias + "/abs/through-alias.parquet");
  AddRaw("s3://bucket/elsewhere/part-0.parquet");
  Put("abs/orphan.parquet", kWritten);
  VacuumResult result = RunOk(Retain(0, kForce));
  EXPECT_EQ(Paths(result), std::vector<std::string>{"abs/orphan.parquet"});
  EXPECT_TRUE(Exists("abs/inside.parquet"));
  EXPECT_TRUE(Exists("abs/through-alias.parquet"));
  EXPECT_TRUE(std::filesystem::exists(outside));
}

TEST_F(Vacuuming, ALogPathThatCannotBeDecodedStopsVacuumBeforeItDeletesAnything) {
  BuildStandardTable();
  AddRaw("bad%zzescape.parquet");
  auto result = Run();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("bad%zzescape.parquet"), std::string::npos)
      << result.status().ToString();
  EXPECT_TRUE(Exists(kHour7 + "/part-orphan-8-days.parquet"));
}

TEST_F(Vacuuming, PartitionDirectoriesOfAnUnderscoreColumnAreEntered) {
  auto schema =
      arrow::schema({arrow::field("value", arrow::utf8()), arrow::field("_bucket", arrow::int32())});
  CreateTable({}, schema, {"_bucket"});
  arrow::StringBuilder values;
  arrow::Int32Builder buckets;
  ASSERT_TRUE(values.Append("a").ok());
  ASSERT_TRUE(buckets.Append(1).ok());
  auto batch =
      arrow::RecordBatch::Make(schema, 1, {values.Finish().ValueOrDie(), buckets.Finish().ValueOrDie()});
  auto adds = WriteDataFiles(*table_->storage(), {"_bucket"}, *batch);
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  ASSERT_EQ(adds->size(), 1u);
  ASSERT_EQ((*adds)[0].path.rfind("_bucket=1/", 0), 0u) << (*adds)[0].path;
  SetMtime(root() + "/" + (*adds)[0].path, kWritten);
  ASSERT_TRUE(table_->NewTransaction().AddFiles(*adds).Commit("WRITE").ok());
  Put("_bucket=1/orphan.parquet", kWritten);
  Put("_other=1/orphan.parquet", kWritten);
  VacuumResult result = RunOk();
  EXPECT_EQ(Paths(result), std::vector<std::string>{"_bucket=1/orphan.parquet"});
  EXPECT_TRUE(Exists((*adds)[0].path));
  EXPECT_TRUE(Exists("_other=1/orphan.parquet"));
}

TEST_F(Vacuuming, DirectoriesAreLeftInPlaceEvenWhenEmptied) {
  BuildStandardTable();
  const std::string hour10 = std::filesystem::path(removed_10_days_ago_).parent_path().string();
  RunOk();
  EXPECT_FALSE(Exists(removed_10_days_ago_));
  EXPECT_TRUE(std::filesystem::is_directory(root() + "/" + hour10));
  EXPECT_TRUE(std::filesystem::is_empty(root() + "/" + hour10));
}

TEST_F(Vacuuming, SymbolicLinksAreNeitherFollowedNorDeleted) {
  BuildStandardTable();
  TempDir elsewhere;
  const std::string target_dir = elsewhere.path() + "/data";
  std::filesystem::create_directories(target_dir);
  {
    FILE* f = std::fopen((target_dir + "/precious.parquet").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  SetMtime(target_dir + "/precious.parquet", kWritten);
  std::filesystem::create_directory_symlink(target_dir, root() + "/linked-dir");
  std::filesystem::create_symlink(target_dir + "/precious.parquet", root() + "/linked-file.parquet");
  RunOk(Retain(0, kForce));
  EXPECT_TRUE(std::filesystem::exists(target_dir + "/precious.parquet"));
  EXPECT_TRUE(std::filesystem::is_symlink(root() + "/linked-file.parquet"));
}

TEST_F(Vacuuming, AProtocolWeMayNotWriteIsRefused) {
  BuildStandardTable();
  LogActions actions;
  Protocol& p = actions.protocol.emplace();
  p.min_reader_version = 1;
  p.min_writer_version = 7;
  p.writer_features = std::vector<std::string>{"domainMetadata"};
  CommitRaw(std::move(actions));
  auto refused = Run(Retain(0, kForce));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kUnsupported) << refused.status().ToString();
  EXPECT_TRUE(Exists(kHour7 + "/part-orphan-8-days.parquet"));
}

}  // namespace
}  // namespace rp::delta
