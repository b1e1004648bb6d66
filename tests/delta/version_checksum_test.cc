// N.crc written after each commit.
#include "delta/version_checksum.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "delta/action_json.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "log_test_util.h"

namespace rp::delta {
namespace {

using testing::KafkaSchema;
using testing::MakeAdd;
using testing::ReadFile;
using testing::TempDir;

VersionChecksum ReadCrc(const std::string& table, int64_t version) {
  const std::string path = table + "/_delta_log/" + ChecksumFileName(version);
  auto crc = ParseVersionChecksum(ReadFile(path), path);
  EXPECT_TRUE(crc.ok()) << crc.status().ToString();
  return crc.ok() ? *crc : VersionChecksum{};
}

TEST(VersionChecksum, EveryCommitGetsAnExactChecksum) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {{"delta.appendOnly", "false"}});
  ASSERT_TRUE(table.ok());
  VersionChecksum c0 = ReadCrc(dir.path(), 0);
  EXPECT_EQ(c0.table_size_bytes, 0);
  EXPECT_EQ(c0.num_files, 0);
  EXPECT_EQ(c0.num_metadata, 1);
  EXPECT_EQ(c0.num_protocol, 1);
  EXPECT_EQ(c0.metadata.id, (*table)->snapshot()->metadata().id);

  int64_t expected_bytes = 0;
  for (int i = 1; i <= 4; ++i) {
    Transaction txn = (*table)->NewTransaction();
    txn.AddFile(MakeAdd("a" + std::to_string(i), "2024", 1000 + i)).AddFile(MakeAdd("b" + std::to_string(i), "2025", 7));
    txn.SetTxn("app", i);
    ASSERT_TRUE(txn.Commit("WRITE").ok());
    expected_bytes += 1000 + i + 7;
    VersionChecksum c = ReadCrc(dir.path(), i);
    EXPECT_EQ(c.table_size_bytes, expected_bytes);
    EXPECT_EQ(c.num_files, 2 * i);
    EXPECT_EQ(c.num_metadata, 1);
    EXPECT_EQ(c.num_protocol, 1);
    EXPECT_EQ(c.protocol.min_reader_version, 1);
    EXPECT_EQ(c.protocol.min_writer_version, 2);
    EXPECT_EQ(c.metadata.schema_string, (*table)->snapshot()->metadata().schema_string);
    EXPECT_EQ(c.metadata.configuration, (*table)->snapshot()->metadata().configuration);
    ASSERT_TRUE(c.set_transactions.has_value());
    ASSERT_EQ(c.set_transactions->size(), 1u);
    EXPECT_EQ((*c.set_transactions)[0].version, i);
    // The checksum names the transaction that produced the commit.
    auto commit = ParseCommitFile(ReadFile(dir.path() + "/_delta_log/" + CommitFileName(i)), "c");
    ASSERT_TRUE(commit.ok());
    EXPECT_EQ(c.txn_id, commit->commit_info->txn_id);
  }

  // Another writer removes a file; our next checksum reflects it exactly.
  LogActions removal;
  RemoveFile r;
  r.path = "year=2024/a1";
  removal.removes = {r};
  ASSERT_TRUE(*testing::LogStoreAt(dir.path()).PutIfAbsent(CommitFileName(5), SerializeCommit(removal)));
  Transaction txn = (*table)->NewTransaction();
  txn.AddFile(MakeAdd("c", "2024", 3));
  ASSERT_EQ(*txn.Commit("WRITE"), 6);
  VersionChecksum c6 = ReadCrc(dir.path(), 6);
  EXPECT_EQ(c6.table_size_bytes, expected_bytes - 1001 + 3);
  EXPECT_EQ(c6.num_files, 8);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/_delta_log/" + ChecksumFileName(5)));
}

TEST(VersionChecksum, ReadersDoNotNeedChecksums) {
  TempDir dir;
  TableOptions no_crc;
  no_crc.write_checksums = false;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, no_crc);
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE((*table)->NewTransaction().AddFile(MakeAdd("a", "2024", 1)).Commit("WRITE").ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/_delta_log/" + ChecksumFileName(1)));
  auto opened = Table::Open(dir.path());
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ((*opened)->snapshot()->num_files(), 1);
}

TEST(VersionChecksum, AnExistingChecksumIsNeverOverwritten) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {});
  ASSERT_TRUE(table.ok());
  const std::string path = dir.path() + "/_delta_log/" + ChecksumFileName(0);
  const std::string before = ReadFile(path);
  ASSERT_TRUE(WriteVersionChecksum(testing::LogStoreAt(dir.path()), *(*table)->snapshot(), "other").ok());
  EXPECT_EQ(ReadFile(path), before);
}

TEST(VersionChecksum, SerializesInSparkFieldOrderAndParsesBack) {
  VersionChecksum c;
  c.txn_id = "t";
  c.table_size_bytes = 10;
  c.num_files = 2;
  c.set_transactions = std::vector<Txn>{Txn{"a", 1, 2}};
  c.metadata.id = "m";
  c.metadata.schema_string = "{}";
  const std::string text = SerializeVersionChecksum(c);
  EXPECT_EQ(text.rfind(R"({"txnId":"t","tableSizeBytes":10,"numFiles":2,"numMetadata":1,"numProtocol":1,)", 0), 0u)
      << text;
  auto back = ParseVersionChecksum(text, "x.crc");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->table_size_bytes, 10);
  EXPECT_EQ(back->set_transactions->at(0).app_id, "a");
  auto bad = ParseVersionChecksum(R"({"numFiles":1})", "y.crc");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kCorruption);
  EXPECT_NE(bad.status().message().find("y.crc"), std::string::npos);
}

}  // namespace
}  // namespace rp::delta
