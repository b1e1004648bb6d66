// What the fuzzers found, one test per finding: the input the fuzzer produced
// (replayed through its target), then the rule it taught, stated directly.
#include <arrow/api.h>
#include <arrow/io/memory.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>

#include <filesystem>
#include <string>

#include "common/utf8.h"
#include "common/uuid.h"
#include "delta/action_json.h"
#include "delta/checkpoint.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "jobs/slice_spec.h"
#include "logic/visit_transform.h"
#include "replay.h"

namespace rp::fuzz {
namespace {

// delta_log fuzzer: minWriterVersion 1795478345880 was read as 182016152 (the
// int64 narrowed to int), so a version beyond int could wrap into a supported
// one and a table needing a future reader would be read.
TEST(FuzzFindings, ProtocolVersionBeyondIntIsCorruptionNotAWrappedVersion) {
  Replay(DeltaLogTarget, R"({"protocol":{"minReaderVersion":1,"minWriterVersion":1795478345880}})");
  for (const char* line : {R"({"protocol":{"minReaderVersion":4294967297,"minWriterVersion":2}})",
                           R"({"protocol":{"minReaderVersion":1,"minWriterVersion":-4294967294}})"}) {
    Result<delta::LogActions> parsed = delta::ParseCommitFile(line, "00000000000000000000.json");
    ASSERT_FALSE(parsed.ok()) << line;
    EXPECT_EQ(parsed.status().code(), Status::Code::kCorruption);
    EXPECT_NE(parsed.status().message().find("out of range"), std::string::npos) << parsed.status().ToString();
  }
  Result<delta::LogActions> largest =
      delta::ParseCommitFile(R"({"protocol":{"minReaderVersion":2147483647,"minWriterVersion":7}})", "0.json");
  ASSERT_TRUE(largest.ok()) << largest.status().ToString();
  EXPECT_EQ(largest->protocol->min_reader_version, 2147483647);
}

// The same narrowing in the Parquet checkpoint reader (found by reading the
// code after the finding above): the rule holds there too.
TEST(FuzzFindings, CheckpointProtocolVersionBeyondIntIsCorruption) {
  arrow::Int64Builder reader, writer;
  ASSERT_TRUE(reader.Append(4294967297).ok());
  ASSERT_TRUE(writer.Append(2).ok());
  auto protocol = arrow::StructArray::Make({reader.Finish().ValueOrDie(), writer.Finish().ValueOrDie()},
                                           std::vector<std::string>{"minReaderVersion", "minWriterVersion"});
  ASSERT_TRUE(protocol.ok()) << protocol.status().ToString();
  auto table = arrow::Table::Make(arrow::schema({arrow::field("protocol", (*protocol)->type())}), {*protocol});
  auto sink = arrow::io::BufferOutputStream::Create().ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 1).ok());

  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("rp-fuzz-finding-" + NewUuid());
  delta::LogStore store = delta::LogStore::Open(dir.string()).value();
  ASSERT_TRUE(store.CreateDirectories().ok());
  ASSERT_TRUE(*store.PutIfAbsent(delta::CheckpointFileName(3), sink->Finish().ValueOrDie()->ToString()));
  Result<delta::LogActions> read = delta::ReadCheckpoint(store, 3);
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), Status::Code::kCorruption) << read.status().ToString();
  EXPECT_NE(read.status().message().find("out of range"), std::string::npos) << read.status().ToString();
}

// logic fuzzer (the rejection-detail invariant): strict mode quoted the first
// 64 *bytes* of an unparsable event_time, which can split a UTF-8 sequence, so
// the DLQ detail header was not valid UTF-8.
TEST(FuzzFindings, RejectionDetailQuotesWholeCodePointsOfABadTimestamp) {
  const std::string bad_time = std::string(63, 'x') + "\xC3\xA9";  // 'é' straddles byte 64
  const std::string record = R"({"event_id":"a","visit_id":1,"page":"p","event_time":")" + bad_time + R"("})";
  Replay(LogicTarget, record);
  logic::VisitTransformer strict(logic::TransformOptions{logic::TimeZone::Utc(), true});
  std::string out;
  std::optional<logic::Rejection> r = strict.Transform(record, &out);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->reason, logic::RejectReason::kIncomplete);
  EXPECT_TRUE(IsValidUtf8(r->detail)) << r->detail;
  EXPECT_NE(r->detail.find(bad_time), std::string::npos) << r->detail;
}

// delta_log fuzzer, first minute (a wrong invariant, kept as a rule): a line
// holding only an unknown action is a valid commit, since readers ignore
// unknown actions, and it has nothing to write back.
TEST(FuzzFindings, CommitOfOnlyUnknownActionsIsReadAsNoActions) {
  const std::string input = R"({"numRecords":0})";
  Replay(DeltaLogTarget, input);
  Result<delta::LogActions> parsed = delta::ParseCommitFile(input, "00000000000000000007.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->adds.empty() && parsed->removes.empty() && parsed->txns.empty());
  EXPECT_FALSE(parsed->protocol || parsed->metadata || parsed->commit_info);
  EXPECT_EQ(delta::SerializeCommit(*parsed), "");
}

// offset_spec fuzzer, first minute (a wrong invariant, kept as a rule): an
// ending spec naming the topic but no partition leaves every partition
// unbounded, since a partition missing from a spec means its whole range.
TEST(FuzzFindings, OffsetsSpecWithoutPartitionsSelectsTheWholeTopic) {
  Replay(OffsetSpecTarget, "\n{\"visits\":{}}");
  jobs::SliceArgs args;
  args.ending_offsets = R"({"visits":{}})";
  Result<jobs::SliceSpec> spec = jobs::BuildSliceSpec(args, "visits", logic::TimeZone::Utc());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_FALSE(spec->HasOffsetBounds());
  EXPECT_FALSE(spec->BoundsFor(0).has_value());
}

// Found by the offset_spec fuzzer in session 3's CI: a topic name in the
// spec holding an escaped newline ("NS\n0.") came back unescaped inside the
// error, which then ran over two lines. Names from the spec are JSON-quoted.
TEST(FuzzFindings, ATopicNameWithAnEscapedNewlineKeepsTheErrorOnOneLine) {
  Replay(OffsetSpecTarget, "{\"visits\":{\"0\":23,\"1\":-2}}\n{\"NS\\n0.\":{\"0\":50,\"1\":12}}");
  Result<std::map<int32_t, int64_t>> offsets = jobs::ParseSparkOffsets(R"({"NS\n0.":{"0":50}})", "visits");
  ASSERT_FALSE(offsets.ok());
  EXPECT_EQ(offsets.status().message(), R"(offsets spec names topic "NS\n0." but the table holds "visits")");
}

}  // namespace
}  // namespace rp::fuzz
