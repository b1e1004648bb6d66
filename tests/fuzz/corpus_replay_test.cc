// Every seed of every fuzzer, replayed through its fuzz target in the ordinary
// build: the corpora stay inputs that keep every invariant.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "replay.h"

namespace rp::fuzz {
namespace {

// Replays every file of fuzz/corpus/<name>; returns how many there were.
size_t ReplayCorpus(const std::string& name, Target target) {
  size_t count = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(RP_FUZZ_CORPUS_DIR) + "/" + name)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    Replay(target, content.str());
    ++count;
  }
  return count;
}

TEST(FuzzCorpus, EveryLogicSeedKeepsTheTransformInvariants) {
  EXPECT_GT(ReplayCorpus("logic", LogicTarget), 9u);
}

TEST(FuzzCorpus, EveryDeltaLogSeedKeepsTheLogReaderInvariants) {
  EXPECT_GT(ReplayCorpus("delta_log", DeltaLogTarget), 5u);
}

TEST(FuzzCorpus, EveryOffsetSpecSeedKeepsTheSliceInvariants) {
  EXPECT_GT(ReplayCorpus("offset_spec", OffsetSpecTarget), 5u);
}

TEST(FuzzCorpus, EveryPartitionPathSeedKeepsThePathInvariants) {
  EXPECT_GT(ReplayCorpus("partition_path", PartitionPathTarget), 5u);
}

TEST(FuzzCorpus, EveryDeletionVectorSeedKeepsTheDecoderInvariants) {
  EXPECT_GT(ReplayCorpus("deletion_vector", DeletionVectorTarget), 5u);
}

}  // namespace
}  // namespace rp::fuzz
