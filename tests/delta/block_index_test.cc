// The block index (delta/block_index.h): a file's (group, value block) set,
// kept in add.tags, that lets a scan skip a file whose min/max span a slice
// but whose rows do not.
#include "delta/block_index.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace rp::delta {
namespace {

const BlockIndexSpec kSpec{"test.blocks", "partition", "offset", 4};  // blocks of 16 offsets

std::shared_ptr<arrow::RecordBatch> Rows(const std::vector<std::pair<int32_t, int64_t>>& rows) {
  arrow::Int32Builder partitions;
  arrow::Int64Builder offsets;
  for (const auto& [p, o] : rows) {
    EXPECT_TRUE(partitions.Append(p).ok());
    EXPECT_TRUE(offsets.Append(o).ok());
  }
  auto schema =
      arrow::schema({arrow::field("partition", arrow::int32()), arrow::field("offset", arrow::int64())});
  return arrow::RecordBatch::Make(schema, static_cast<int64_t>(rows.size()),
                                  {partitions.Finish().ValueOrDie(), offsets.Finish().ValueOrDie()});
}

BlockIndex IndexOf(const std::vector<std::pair<int32_t, int64_t>>& rows, const BlockIndexSpec& spec = kSpec) {
  auto text = ComputeBlockIndex(*Rows(rows), spec);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_TRUE(text->has_value());
  auto index = BlockIndex::Decode(**text);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return *index;
}

Filter Offsets(int32_t partition, int64_t first, int64_t last) {
  return Filter::Where(
      {ColumnRange::Eq("partition", int64_t{partition}), ColumnRange::Between("offset", first, last)});
}

TEST(BlockIndex, AFileWithAnOnTimeRunAndOneLateRecordMatchesOnlyNearThem) {
  // Offsets 0..99 of partition 0 on time, one late record at offset 5000.
  std::vector<std::pair<int32_t, int64_t>> rows;
  for (int64_t o = 0; o < 100; ++o) rows.push_back({0, o});
  rows.push_back({0, 5000});
  const BlockIndex index = IndexOf(rows);
  EXPECT_TRUE(index.MayMatch(Offsets(0, 50, 52), kSpec));
  EXPECT_TRUE(index.MayMatch(Offsets(0, 4999, 5001), kSpec));
  // Min/max (0..5000) would read the file for these; the blocks skip it.
  EXPECT_FALSE(index.MayMatch(Offsets(0, 2000, 2002), kSpec));
  EXPECT_FALSE(index.MayMatch(Offsets(0, 112, 4990), kSpec));
  // Another partition's offsets are not in the file.
  EXPECT_FALSE(index.MayMatch(Offsets(1, 50, 52), kSpec));
}

TEST(BlockIndex, BlocksAreCoarseSoNeighboursOfAValueMayMatch) {
  const BlockIndex index = IndexOf({{0, 33}});  // block 2: offsets 32..47
  EXPECT_TRUE(index.MayMatch(Offsets(0, 40, 41), kSpec));
  EXPECT_FALSE(index.MayMatch(Offsets(0, 48, 60), kSpec));
  EXPECT_FALSE(index.MayMatch(Offsets(0, 0, 31), kSpec));
}

TEST(BlockIndex, AnyConjunctionThatMayMatchIsEnough) {
  const BlockIndex index = IndexOf({{2, 1000}});
  Filter filter =
      Filter::AnyOf({{ColumnRange::Eq("partition", int64_t{0})},
                     {ColumnRange::Eq("partition", int64_t{2}), ColumnRange::Ge("offset", int64_t{990})}});
  EXPECT_TRUE(index.MayMatch(filter, kSpec));
  filter.any_of.pop_back();
  EXPECT_FALSE(index.MayMatch(filter, kSpec));
}

TEST(BlockIndex, ExclusiveBoundsAndOpenRanges) {
  const BlockIndex index = IndexOf({{1, 64}});  // block 4: 64..79
  EXPECT_FALSE(index.MayMatch(Filter::Where({ColumnRange::Lt("offset", int64_t{64})}), kSpec));
  EXPECT_TRUE(index.MayMatch(Filter::Where({ColumnRange::Le("offset", int64_t{64})}), kSpec));
  EXPECT_FALSE(index.MayMatch(Filter::Where({ColumnRange::Gt("offset", int64_t{79})}), kSpec));
  EXPECT_TRUE(index.MayMatch(Filter::Where({ColumnRange::Gt("partition", int64_t{0})}), kSpec));
  EXPECT_FALSE(index.MayMatch(Filter::Where({ColumnRange::Ge("partition", int64_t{2})}), kSpec));
}

TEST(BlockIndex, FiltersItCannotJudgeMayMatch) {
  const BlockIndex index = IndexOf({{0, 1}});
  EXPECT_TRUE(index.MayMatch(Filter::All(), kSpec));
  EXPECT_TRUE(index.MayMatch(Filter::Where({ColumnRange::Eq("hour", int64_t{7})}), kSpec));
  EXPECT_TRUE(index.MayMatch(Filter::Where({ColumnRange::Ge("offset", 2.5)}), kSpec));
  EXPECT_FALSE(index.MayMatch(Filter::AnyOf({}), kSpec));  // matches nothing
}

TEST(BlockIndex, AgreesWithTheRowsOnRandomSlices) {
  std::mt19937_64 rng(7);
  std::vector<std::pair<int32_t, int64_t>> rows;
  for (int i = 0; i < 300; ++i)
    rows.push_back({static_cast<int32_t>(rng() % 3), static_cast<int64_t>(rng() % 100000)});
  for (int64_t o = 200000; o < 210000; ++o) rows.push_back({1, o});
  const BlockIndex index = IndexOf(rows);
  for (int trial = 0; trial < 2000; ++trial) {
    const int32_t p = static_cast<int32_t>(rng() % 3);
    const int64_t first = static_cast<int64_t>(rng() % 220000),
                  last = first + static_cast<int64_t>(rng() % 40);
    bool any = false;
    for (const auto& [rp, ro] : rows) any = any || (rp == p && ro >= first && ro <= last);
    // Never a false "no"; and a "yes" only when a row shares a block with the slice.
    if (any) {
      EXPECT_TRUE(index.MayMatch(Offsets(p, first, last), kSpec)) << p << " " << first;
    }
    bool near = false;
    for (const auto& [rp, ro] : rows)
      near = near || (rp == p && (ro >> 4) >= (first >> 4) && (ro >> 4) <= (last >> 4));
    EXPECT_EQ(index.MayMatch(Offsets(p, first, last), kSpec), near) << p << " " << first;
  }
}

TEST(BlockIndex, RowsItCannotDescribeGetNoIndex) {
  EXPECT_FALSE(ComputeBlockIndex(*Rows({{0, -1}}), kSpec)->has_value());
  BlockIndexSpec missing = kSpec;
  missing.value_column = "nope";
  EXPECT_FALSE(ComputeBlockIndex(*Rows({{0, 1}}), missing)->has_value());
  BlockIndexSpec tiny = kSpec;
  tiny.max_text_bytes = 40;
  std::vector<std::pair<int32_t, int64_t>> spread;
  for (int64_t o = 0; o < 100; ++o) spread.push_back({0, o * 1000});
  EXPECT_FALSE(ComputeBlockIndex(*Rows(spread), tiny)->has_value());
}

TEST(BlockIndex, AnHourOfOnTimeOffsetsIsOneSmallRun) {
  std::vector<std::pair<int32_t, int64_t>> rows;
  for (int64_t o = 0; o < 1200000; ++o) rows.push_back({static_cast<int32_t>(o % 3), o});
  auto text = ComputeBlockIndex(*Rows(rows), BlockIndexSpec{"t", "partition", "offset", 12});
  ASSERT_TRUE(text.ok() && text->has_value());
  EXPECT_LT((*text)->size(), 120u) << **text;  // run containers, not a value per block
}

TEST(BlockIndex, MalformedTextIsCorruption) {
  for (const char* bad : {"", "1:4", "2:4:8:00000", "1:99:8:0000000000", "1:4:3:0000000000",
                          "1:4:8:@@@@@@@@@@", "1:4:8:0000000000"}) {
    auto index = BlockIndex::Decode(bad);
    EXPECT_FALSE(index.ok()) << bad;
    if (!index.ok()) {
      EXPECT_EQ(index.status().code(), Status::Code::kCorruption) << bad << ": " << index.status().ToString();
    }
  }
}

}  // namespace
}  // namespace rp::delta
