// Deletion vector decoding: Z85, RoaringBitmapArray, the DV file framing,
// descriptors in JSON commits and checkpoints, and loading DVs from storage.
// Every decoder meets malformed input with a clear Corruption, never a crash
// (these tests run under ASan/UBSan too).
#include "delta/deletion_vector.h"

#include <arrow/api.h>
#include <arrow/io/memory.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <numeric>

#include "delta/action_json.h"
#include "delta/checkpoint.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/roaring_bitmap_array.h"
#include "delta/snapshot.h"
#include "delta/table.h"
#include "delta/z85.h"
#include "dv_test_util.h"
#include "log_test_util.h"

namespace rp::delta {
namespace {

using dv_testing::DvFile;
using dv_testing::FileDv;
using dv_testing::FileEntry;
using dv_testing::InlineDv;
using dv_testing::PutLittleEndian;
using dv_testing::RoaringBitmapArrayBytes;
using testing::KafkaSchema;
using testing::MakeAdd;
using testing::NoCheckpoints;
using testing::TempDir;
using testing::WriteFile;

constexpr uint64_t kNoLimit = ~uint64_t{0};

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

bool Mentions(const Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

// ---------------------------------------------------------------------------
// Z85

TEST(Z85, DecodesTheSpecsTestVector) {
  // rfc.zeromq.org/spec/32: "HelloWorld" is these eight bytes.
  auto bytes = Z85Decode("HelloWorld");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(*bytes, Bytes({0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}));
  EXPECT_EQ(Z85Encode(*bytes).value(), "HelloWorld");
}

TEST(Z85, EveryByteValueRoundTrips) {
  std::string all(256, '\0');
  std::iota(all.begin(), all.end(), 0);
  auto text = Z85Encode(all);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->size(), 320u);
  EXPECT_EQ(Z85Decode(*text).value(), all);
  EXPECT_EQ(Z85Decode("").value(), "");
}

TEST(Z85, RefusesMalformedText) {
  auto length = Z85Decode("Hello1");
  ASSERT_FALSE(length.ok());
  EXPECT_EQ(length.status().code(), Status::Code::kCorruption);
  EXPECT_TRUE(Mentions(length.status(), "multiple of 5")) << length.status().ToString();
  for (std::string bad : std::vector<std::string>{"Hell\"", "Hell~", "Hell,", "Hell ",
                                                  std::string("Hell\x80", 5), std::string("Hel\0o", 5)}) {
    auto r = Z85Decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(Mentions(r.status(), "outside the alphabet")) << r.status().ToString();
  }
  // 85^5 - 1 is more than 2^32 - 1 ("%nSc0"): such a group is no 4 bytes.
  EXPECT_EQ(Z85Decode("%nSc0").value(), Bytes({0xFF, 0xFF, 0xFF, 0xFF}));
  auto overflow = Z85Decode("%nSc1");
  ASSERT_FALSE(overflow.ok());
  EXPECT_TRUE(Mentions(overflow.status(), "exceeds 32 bits")) << overflow.status().ToString();
  EXPECT_FALSE(Z85Decode("#####").ok());
  EXPECT_TRUE(Z85Encode("abc").status().IsInvalidArgument());
}

// ---------------------------------------------------------------------------
// Descriptors

TEST(DeletionVectorDescriptor, TheProtocolsRelativePathExampleNamesItsFile) {
  DeletionVectorDescriptor dv;
  dv.storage_type = "u";
  dv.path_or_inline_dv = "ab^-aqEH.-t@S}K{vb[*k^";
  dv.offset = 4;
  dv.size_in_bytes = 40;
  dv.cardinality = 6;
  ASSERT_TRUE(ValidateDeletionVector(dv).ok());
  auto path = DeletionVectorFilePath(dv);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
  EXPECT_EQ(DeletionVectorUniqueId(dv), "uab^-aqEH.-t@S}K{vb[*k^@4");
  // Without a prefix the file is at the root.
  dv.path_or_inline_dv = "^-aqEH.-t@S}K{vb[*k^";
  EXPECT_EQ(DeletionVectorFilePath(dv).value(), "deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
}

TEST(DeletionVectorDescriptor, AbsoluteAndInlineOnes) {
  DeletionVectorDescriptor p{"p", "s3://mytable/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin", 4,
                             40, 6};
  EXPECT_EQ(DeletionVectorFilePath(p).value(), p.path_or_inline_dv);
  DeletionVectorDescriptor i{"i", "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L", std::nullopt, 40, 6};
  EXPECT_EQ(DeletionVectorFilePath(i).value(), std::nullopt);
  EXPECT_EQ(DeletionVectorUniqueId(i), "iwi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L");
  EXPECT_EQ(LogicalFileKey("a.parquet", std::nullopt), "a.parquet");
  EXPECT_EQ(LogicalFileKey("a.parquet", i), std::string("a.parquet\0", 10) + DeletionVectorUniqueId(i));
}

TEST(DeletionVectorDescriptor, MalformedOnesAreCorruption) {
  const DeletionVectorDescriptor good{"u", "^-aqEH.-t@S}K{vb[*k^", 1, 40, 6};
  ASSERT_TRUE(ValidateDeletionVector(good).ok());
  auto with = [&](auto change) {
    DeletionVectorDescriptor dv = good;
    change(dv);
    return dv;
  };
  const std::vector<std::pair<DeletionVectorDescriptor, std::string>> invalid = {
      {with([](auto& d) { d.storage_type = "x"; }), "storageType"},
      {with([](auto& d) { d.storage_type = ""; }), "storageType"},
      {with([](auto& d) { d.path_or_inline_dv.clear(); }), "empty"},
      {with([](auto& d) { d.offset = 0; }), "offset"},
      {with([](auto& d) { d.offset = -5; }), "offset"},
      {with([](auto& d) { d.size_in_bytes = -1; }), "sizeInBytes"},
      {with([](auto& d) { d.cardinality = -1; }), "cardinality"},
      {with([](auto& d) {
         d.storage_type = "i";
         d.offset = 1;
       }),
       "offset"},
  };
  for (const auto& [dv, what] : invalid) {
    Status st = ValidateDeletionVector(dv);
    EXPECT_EQ(st.code(), Status::Code::kCorruption) << what;
    EXPECT_TRUE(Mentions(st, what)) << st.ToString();
  }
  // Paths that could reach outside the table, or are no UUID at all.
  for (std::string path :
       {"short", "../^-aqEH.-t@S}K{vb[*k^", "a/b^-aqEH.-t@S}K{vb[*k^", "%2e^-aqEH.-t@S}K{vb[*k^",
        "..^-aqEH.-t@S}K{vb[*k^", "c:^-aqEH.-t@S}K{vb[*k^", "ab^-aqEH.-t@S}K{vb[*k\""}) {
    auto r = DeletionVectorFilePath(with([&](auto& d) { d.path_or_inline_dv = path; }));
    EXPECT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << path;
  }
  auto relative = DeletionVectorFilePath(with([](auto& d) {
    d.storage_type = "p";
    d.path_or_inline_dv = "deletion_vector_x.bin";
  }));
  EXPECT_FALSE(relative.ok());
}

// ---------------------------------------------------------------------------
// RoaringBitmapArray

TEST(RoaringBitmapArray, AnInlineDvHoldsItsRowsAndNoOthers) {
  DeletionVectorDescriptor dv = InlineDv({3, 4, 7, 11, 18, 29});
  auto rows = DecodeInlineDeletionVector(dv, 30);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, (std::vector<uint64_t>{3, 4, 7, 11, 18, 29}));
  // A file of 29 rows has no row 29: that DV belongs to another file.
  auto beyond = DecodeInlineDeletionVector(dv, 29);
  ASSERT_FALSE(beyond.ok());
  EXPECT_TRUE(Mentions(beyond.status(), "29")) << beyond.status().ToString();
  // A cardinality the bitmap does not hold is corruption either way.
  dv.cardinality = 5;
  EXPECT_FALSE(DecodeInlineDeletionVector(dv, 30).ok());
  dv.cardinality = 7;
  auto more = DecodeInlineDeletionVector(dv, 30);
  ASSERT_FALSE(more.ok());
  EXPECT_TRUE(Mentions(more.status(), "cardinality")) << more.status().ToString();
  // sizeInBytes must match what the text decodes to, up to Z85's padding.
  dv.cardinality = 6;
  dv.size_in_bytes += 4;
  EXPECT_FALSE(DecodeInlineDeletionVector(dv, 30).ok());
  dv.size_in_bytes -= 8;
  EXPECT_FALSE(DecodeInlineDeletionVector(dv, 30).ok());
}

TEST(RoaringBitmapArray, TheProtocolsInlineExampleIsInTheNativeLayoutAndRefused) {
  // PROTOCOL.md's "JSON Example 3 — Inline" decodes to a big-endian native
  // magic number (1681511376), a bitmap count and a size: not the portable
  // format the protocol specifies, which is what Spark writes. delta-kernel-rs
  // refuses it too; we say why.
  DeletionVectorDescriptor dv{"i", "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L", std::nullopt, 40, 6};
  auto rows = DecodeInlineDeletionVector(dv, 30);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), Status::Code::kCorruption);
  EXPECT_TRUE(Mentions(rows.status(), "magic number")) << rows.status().ToString();
}

TEST(RoaringBitmapArray, ArraysBitsetsRunsAndSeveralBucketsRoundTrip) {
  std::vector<uint64_t> rows = {0, 5, 65535};
  for (uint64_t r = 65536; r < 66000; ++r) rows.push_back(r);       // a run
  for (uint64_t r = 200000; r < 260000; r += 7) rows.push_back(r);  // a bitset (> 4096 per chunk)
  for (uint64_t r : {(1ull << 32) + 1, (1ull << 33) + 7, (1ull << 40)}) rows.push_back(r);  // more buckets
  for (bool optimize : {true, false}) {
    auto decoded = DecodeRoaringBitmapArray(RoaringBitmapArrayBytes(rows, optimize), kNoLimit, rows.size());
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, rows);
  }
  auto empty = DecodeRoaringBitmapArray(RoaringBitmapArrayBytes({}), 0, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  // Inline descriptors built the way Delta pads them decode too.
  auto inline_rows = DecodeInlineDeletionVector(InlineDv({1, 2, 3, 100}), 101);
  ASSERT_TRUE(inline_rows.ok()) << inline_rows.status().ToString();
  EXPECT_EQ(*inline_rows, (std::vector<uint64_t>{1, 2, 3, 100}));
}

// One bucket (key 0) holding `bitmap32`.
std::string OneBucket(const std::string& bitmap32) {
  std::string out;
  PutLittleEndian(kRoaringBitmapArrayMagic, 4, &out);
  PutLittleEndian(1, 8, &out);
  PutLittleEndian(0, 4, &out);
  return out + bitmap32;
}

TEST(RoaringBitmapArray, MalformedHeadersAreCorruption) {
  const std::string good = RoaringBitmapArrayBytes({1, 2, 3});
  auto expect_corrupt = [](const std::string& bytes, const std::string& text) {
    auto r = DecodeRoaringBitmapArray(bytes, kNoLimit, kNoLimit);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    EXPECT_TRUE(Mentions(r.status(), text)) << r.status().ToString();
    EXPECT_TRUE(Mentions(r.status(), "deletion vector bitmap")) << r.status().ToString();
  };
  expect_corrupt("", "too short");
  expect_corrupt(good.substr(0, 11), "too short");
  std::string magic = good;
  magic[0] ^= 1;
  expect_corrupt(magic, "magic number");
  std::string native = good;
  native.replace(0, 4, Bytes({0xD0, 0xD3, 0x39, 0x64}));  // 1681511376
  expect_corrupt(native, "native format");
  // A bucket count the bytes cannot hold is refused before any allocation.
  std::string huge = good;
  huge.replace(4, 8, Bytes({0, 0, 0, 0, 0, 1, 0, 0}));
  expect_corrupt(huge, "buckets");
  expect_corrupt(good + "x", "after the last bucket");
  // A 32-bit bitmap claiming 2^31 + 1 containers (a negative count to
  // CRoaring 0.2.66, which would try to allocate for it), or 2^16 + 1.
  std::string header;
  PutLittleEndian(12346, 4, &header);
  PutLittleEndian(0x80000001u, 4, &header);
  expect_corrupt(OneBucket(header + std::string(8, '\0')), "containers");
  header.replace(4, 4, Bytes({1, 0, 1, 0}));
  expect_corrupt(OneBucket(header + std::string(8, '\0')), "containers");
  expect_corrupt(OneBucket(Bytes({0x39, 0x30, 0, 0, 0, 0, 0, 0})), "cookie");
}

TEST(RoaringBitmapArray, BucketKeysMustAscendWithTheTopBitClear) {
  auto two_buckets = [](uint32_t k1, uint32_t k2) {
    std::string out;
    PutLittleEndian(kRoaringBitmapArrayMagic, 4, &out);
    PutLittleEndian(2, 8, &out);
    PutLittleEndian(k1, 4, &out);
    out += dv_testing::Portable32({1});
    PutLittleEndian(k2, 4, &out);
    out += dv_testing::Portable32({2});
    return out;
  };
  EXPECT_TRUE(DecodeRoaringBitmapArray(two_buckets(0, 1), kNoLimit, 2).ok());
  for (auto [k1, k2] : {std::pair{1u, 0u}, std::pair{3u, 3u}, std::pair{0u, 0x80000000u}}) {
    auto r = DecodeRoaringBitmapArray(two_buckets(k1, k2), kNoLimit, 2);
    ASSERT_FALSE(r.ok()) << k1 << "," << k2;
    EXPECT_TRUE(Mentions(r.status(), "key")) << r.status().ToString();
  }
}

TEST(RoaringBitmapArray, ValuesBeyondTheLimitOrTheCountAreCorruption) {
  const std::string bytes = RoaringBitmapArrayBytes({1, 9, 10});
  EXPECT_TRUE(DecodeRoaringBitmapArray(bytes, 11, 3).ok());
  auto limit = DecodeRoaringBitmapArray(bytes, 10, 3);
  ASSERT_FALSE(limit.ok());
  EXPECT_TRUE(Mentions(limit.status(), "beyond the limit")) << limit.status().ToString();
  auto count = DecodeRoaringBitmapArray(bytes, 11, 2);
  ASSERT_FALSE(count.ok());
  EXPECT_TRUE(Mentions(count.status(), "more than")) << count.status().ToString();
  // A run of 2^32 rows in a few bytes stops at the limit, it is never
  // materialized.
  std::vector<uint64_t> run(70000);
  std::iota(run.begin(), run.end(), 0);
  auto big = DecodeRoaringBitmapArray(RoaringBitmapArrayBytes(run), 1000, kNoLimit);
  ASSERT_FALSE(big.ok());
}

// A 32-bit portable bitmap without run containers: cookie 12346, container
// count, (key, cardinality - 1) pairs, offsets, then each array container.
std::string HandMadeArrays(const std::vector<std::pair<uint16_t, std::vector<uint16_t>>>& containers) {
  std::string out;
  PutLittleEndian(12346, 4, &out);
  PutLittleEndian(containers.size(), 4, &out);
  for (const auto& [key, values] : containers) {
    PutLittleEndian(key, 2, &out);
    PutLittleEndian(values.size() - 1, 2, &out);
  }
  uint32_t offset = static_cast<uint32_t>(out.size() + 4 * containers.size());
  for (const auto& [key, values] : containers) {
    PutLittleEndian(offset, 4, &out);
    offset += static_cast<uint32_t>(2 * values.size());
  }
  for (const auto& [key, values] : containers) {
    for (uint16_t v : values) PutLittleEndian(v, 2, &out);
  }
  return out;
}

TEST(RoaringBitmapArray, ContainersCRoaringAcceptsButThatAreNotSetsAreCorruption) {
  // The hand-made encoder is right: sorted values decode.
  auto sorted = DecodeRoaringBitmapArray(OneBucket(HandMadeArrays({{0, {3, 5}}, {1, {2}}})), kNoLimit, 3);
  ASSERT_TRUE(sorted.ok()) << sorted.status().ToString();
  EXPECT_EQ(*sorted, (std::vector<uint64_t>{3, 5, 65538}));
  // Unsorted values in a container, duplicates, containers out of order.
  for (const auto& bad :
       {HandMadeArrays({{0, {5, 3}}}), HandMadeArrays({{0, {4, 4}}}), HandMadeArrays({{1, {1}}, {0, {1}}})}) {
    auto r = DecodeRoaringBitmapArray(OneBucket(bad), kNoLimit, kNoLimit);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(Mentions(r.status(), "not strictly ascending")) << r.status().ToString();
  }
}

TEST(RoaringBitmapArray, EveryTruncationAndByteFlipIsHandled) {
  std::vector<uint64_t> rows = {1, 2, 3, 1000, 70000, (1ull << 32) + 5};
  for (uint64_t r = 100000; r < 100500; ++r) rows.push_back(r);
  const std::string good = RoaringBitmapArrayBytes(rows);
  for (size_t n = 0; n < good.size(); ++n) {
    auto r = DecodeRoaringBitmapArray(good.substr(0, n), kNoLimit, rows.size());
    EXPECT_FALSE(r.ok()) << "truncated to " << n;
  }
  // Flipped bytes decode to something or fail cleanly; whatever decodes
  // is a strictly ascending set within the bounds.
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit : {0x01, 0x80, 0xFF}) {
      std::string bytes = good;
      bytes[i] = static_cast<char>(bytes[i] ^ bit);
      auto r = DecodeRoaringBitmapArray(bytes, 1ull << 34, 2 * rows.size());
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
        continue;
      }
      EXPECT_LE(r->size(), 2 * rows.size());
      EXPECT_TRUE(std::adjacent_find(r->begin(), r->end(), std::greater_equal<>()) == r->end());
    }
  }
}

// ---------------------------------------------------------------------------
// The DV file framing

TEST(DeletionVectorFile, AnEntryIsCheckedBySizeAndChecksum) {
  const std::vector<uint64_t> rows = {0, 2, 4};
  const std::string bitmap = RoaringBitmapArrayBytes(rows);
  const std::string entry = FileEntry(bitmap);
  const DeletionVectorDescriptor dv = FileDv("", std::string(16, 'u'), 1, bitmap, 3);
  auto ok = DecodeDeletionVectorFileEntry(entry, dv, 5);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, rows);

  std::string flipped = entry;
  flipped[entry.size() - 1] ^= 1;  // the checksum
  auto crc = DecodeDeletionVectorFileEntry(flipped, dv, 5);
  ASSERT_FALSE(crc.ok());
  EXPECT_TRUE(Mentions(crc.status(), "checksum")) << crc.status().ToString();
  flipped = entry;
  flipped[10] ^= 0x40;  // the data
  EXPECT_TRUE(Mentions(DecodeDeletionVectorFileEntry(flipped, dv, 5).status(), "checksum"));

  DeletionVectorDescriptor other_size = dv;
  other_size.size_in_bytes += 1;
  auto size = DecodeDeletionVectorFileEntry(entry, other_size, 5);
  ASSERT_FALSE(size.ok());
  EXPECT_TRUE(Mentions(size.status(), "where the log says")) << size.status().ToString();
  for (size_t n : {size_t{0}, size_t{7}, entry.size() - 1}) {
    EXPECT_FALSE(DecodeDeletionVectorFileEntry(entry.substr(0, n), dv, 5).ok()) << n;
  }
  // A DV deleting more rows than the file has belongs to another file.
  auto too_many = DecodeDeletionVectorFileEntry(entry, dv, 2);
  ASSERT_FALSE(too_many.ok());
  EXPECT_TRUE(Mentions(too_many.status(), "of a file of 2")) << too_many.status().ToString();
}

TEST(DeletionVectorFile, LoadsThroughStorageFromEveryKindOfPlace) {
  TempDir dir;
  const std::string uuid1(16, '\x11'), uuid2(16, '\x22');
  const std::string b1 = RoaringBitmapArrayBytes({1, 3}), b2 = RoaringBitmapArrayBytes({0, 1, 2, 7});
  std::vector<int32_t> offsets;
  const std::string file = DvFile({b1, b2}, &offsets);
  WriteFile(dir.path() + "/deletion_vector_11111111-1111-1111-1111-111111111111.bin", file);
  std::filesystem::create_directories(dir.path() + "/Zq");
  WriteFile(dir.path() + "/Zq/deletion_vector_22222222-2222-2222-2222-222222222222.bin", file);
  auto storage = OpenStorage(dir.path()).value();

  auto first = LoadDeletionVector(*storage, FileDv("", uuid1, offsets[0], b1, 2), 10);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, (std::vector<uint64_t>{1, 3}));
  auto second = LoadDeletionVector(*storage, FileDv("Zq", uuid2, offsets[1], b2, 4), 10);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*second, (std::vector<uint64_t>{0, 1, 2, 7}));
  DeletionVectorDescriptor absolute{
      "p", "file://" + dir.path() + "/deletion_vector_11111111-1111-1111-1111-111111111111.bin", offsets[1],
      static_cast<int32_t>(b2.size()), 4};
  auto third = LoadDeletionVector(*storage, absolute, 10);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(*third, (std::vector<uint64_t>{0, 1, 2, 7}));
  // Without an offset the DV follows the version byte.
  DeletionVectorDescriptor no_offset = FileDv("", uuid1, 1, b1, 2);
  no_offset.offset.reset();
  EXPECT_EQ(LoadDeletionVector(*storage, no_offset, 10).value(), (std::vector<uint64_t>{1, 3}));
  auto inline_rows = LoadDeletionVector(*storage, InlineDv({4, 5}), 10);
  ASSERT_TRUE(inline_rows.ok());
  EXPECT_EQ(*inline_rows, (std::vector<uint64_t>{4, 5}));

  // A missing file is NotFound naming it.
  auto missing = LoadDeletionVector(*storage, FileDv("", std::string(16, '\x33'), 1, b1, 2), 10);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_TRUE(Mentions(missing.status(), "deletion_vector_33333333-3333-3333-3333-333333333333.bin"));
  // An offset pointing at the wrong DV: its size is not the descriptor's.
  auto wrong = LoadDeletionVector(*storage, FileDv("", uuid1, offsets[1], b1, 2), 10);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Status::Code::kCorruption);
  // Beyond the end of the file.
  auto beyond =
      LoadDeletionVector(*storage, FileDv("", uuid1, static_cast<int32_t>(file.size()) - 3, b1, 2), 10);
  ASSERT_FALSE(beyond.ok());
  EXPECT_TRUE(Mentions(beyond.status(), "beyond its end")) << beyond.status().ToString();
  // Another format version.
  std::string v2 = file;
  v2[0] = 2;
  WriteFile(dir.path() + "/deletion_vector_11111111-1111-1111-1111-111111111111.bin", v2);
  auto version = LoadDeletionVector(*storage, FileDv("", uuid1, offsets[0], b1, 2), 10);
  ASSERT_FALSE(version.ok());
  EXPECT_TRUE(Mentions(version.status(), "format version 1")) << version.status().ToString();
}

// ---------------------------------------------------------------------------
// Descriptors in the log

constexpr const char* kDvCommit =
    R"({"remove":{"path":"a.parquet","deletionTimestamp":5,"dataChange":true,"deletionVector":{"storageType":"u","pathOrInlineDv":"ab^-aqEH.-t@S}K{vb[*k^","offset":4,"sizeInBytes":40,"cardinality":6}}})"
    "\n"
    R"({"add":{"path":"a.parquet","partitionValues":{},"size":9,"modificationTime":7,"dataChange":true,"stats":"{\"numRecords\":30}","deletionVector":{"storageType":"i","pathOrInlineDv":"wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L","sizeInBytes":40,"cardinality":6}}})"
    "\n";

TEST(DeletionVectorJson, AddAndRemoveCarryTheirDescriptorsBothWays) {
  auto actions = ParseCommitFile(kDvCommit, "1.json");
  ASSERT_TRUE(actions.ok()) << actions.status().ToString();
  ASSERT_EQ(actions->adds.size(), 1u);
  ASSERT_EQ(actions->removes.size(), 1u);
  const DeletionVectorDescriptor want_add{"i", "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L",
                                          std::nullopt, 40, 6};
  const DeletionVectorDescriptor want_remove{"u", "ab^-aqEH.-t@S}K{vb[*k^", 4, 40, 6};
  EXPECT_EQ(actions->adds[0].deletion_vector, want_add);
  EXPECT_EQ(actions->removes[0].deletion_vector, want_remove);
  // What we write reads back the same, field for field.
  auto again = ParseCommitFile(SerializeCommit(*actions), "again.json");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->adds[0].deletion_vector, want_add);
  EXPECT_EQ(again->removes[0].deletion_vector, want_remove);
  EXPECT_EQ(SerializeCommit(*again), SerializeCommit(*actions));
  // A null deletionVector is none.
  auto null_dv = ParseCommitFile(
      R"({"add":{"path":"b","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"deletionVector":null}})",
      "n.json");
  ASSERT_TRUE(null_dv.ok());
  EXPECT_FALSE(null_dv->adds[0].deletion_vector);
}

TEST(DeletionVectorJson, MalformedDescriptorsNameTheFileLineAndField) {
  const std::string head =
      R"({"add":{"path":"b","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"deletionVector":)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"storageType":1,"pathOrInlineDv":"x","sizeInBytes":1,"cardinality":1})", "storageType"},
      {R"({"storageType":"u","sizeInBytes":1,"cardinality":1})", "pathOrInlineDv"},
      {R"({"storageType":"u","pathOrInlineDv":"x","sizeInBytes":1})", "cardinality"},
      {R"({"storageType":"u","pathOrInlineDv":"x","sizeInBytes":4294967336,"cardinality":1})",
       "out of range"},
      {R"({"storageType":"u","pathOrInlineDv":"x","offset":-1,"sizeInBytes":1,"cardinality":1})", "offset"},
      {R"({"storageType":"q","pathOrInlineDv":"x","sizeInBytes":1,"cardinality":1})", "storageType"},
      {R"("u")", "deletionVector"},
  };
  for (const auto& [dv, what] : cases) {
    auto r = ParseCommitFile("{\"commitInfo\":{}}\n" + head + dv + "}}\n", "7.json");
    ASSERT_FALSE(r.ok()) << dv;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    EXPECT_TRUE(Mentions(r.status(), "7.json line 2")) << r.status().ToString();
    EXPECT_TRUE(Mentions(r.status(), what)) << r.status().ToString();
  }
}

// A table whose protocol supports deletion vectors and whose one file got
// DVs twice (as two DELETEs write them): returns its log store.
LogStore DvTable(const std::string& path, DeletionVectorDescriptor* dv1, DeletionVectorDescriptor* dv2) {
  auto table =
      Table::Create(path, *KafkaSchema(), {"year"}, {{"delta.appendOnly", "false"}}, NoCheckpoints());
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  LogStore store = testing::LogStoreAt(path);
  *dv1 = InlineDv({1});
  *dv2 = FileDv("xy", std::string(16, '\x44'), 1, RoaringBitmapArrayBytes({1, 2}), 2);
  AddFile a = MakeAdd("a.parquet", "2024", 100);
  LogActions c1;
  c1.protocol = Protocol{3, 7, std::vector<std::string>{"deletionVectors"},
                         std::vector<std::string>{"deletionVectors", "appendOnly", "invariants"}};
  c1.adds.push_back(a);
  RemoveFile r{a.path, 1000, true, true, a.partition_values, a.size, std::nullopt};
  LogActions c2;
  c2.removes.push_back(r);
  c2.adds.push_back(a);
  c2.adds.back().deletion_vector = *dv1;
  LogActions c3;
  r.deletion_timestamp = 2000;
  r.deletion_vector = *dv1;
  c3.removes.push_back(r);
  c3.adds.push_back(a);
  c3.adds.back().deletion_vector = *dv2;
  int64_t v = 1;
  for (const auto* c : {&c1, &c2, &c3})
    EXPECT_TRUE(store.PutIfAbsent(CommitFileName(v++), SerializeCommit(*c)).value());
  return store;
}

TEST(DeletionVectorLog, TheSnapshotKeepsATombstonePerLogicalFile) {
  TempDir dir;
  DeletionVectorDescriptor dv1, dv2;
  LogStore store = DvTable(dir.path(), &dv1, &dv2);
  auto snap = LoadSnapshot(store);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  ASSERT_EQ((*snap)->num_files(), 1);
  EXPECT_EQ((*snap)->files().at("year=2024/a.parquet").deletion_vector, dv2);
  // (a, none) and (a, dv1) were removed; (a, dv2) is live. Each tombstone
  // keeps the DV its file needs for time travel and vacuum.
  ASSERT_EQ((*snap)->tombstones().size(), 2u);
  EXPECT_EQ((*snap)->tombstones().count("year=2024/a.parquet"), 1u);
  auto with_dv1 = (*snap)->tombstones().find(LogicalFileKey("year=2024/a.parquet", dv1));
  ASSERT_NE(with_dv1, (*snap)->tombstones().end());
  EXPECT_EQ(with_dv1->second.deletion_vector, dv1);
}

TEST(DeletionVectorLog, CheckpointsKeepEveryDescriptor) {
  TempDir dir;
  DeletionVectorDescriptor dv1, dv2;
  LogStore store = DvTable(dir.path(), &dv1, &dv2);
  auto snap = LoadSnapshot(store);
  ASSERT_TRUE(snap.ok());
  auto hint = WriteCheckpoint(store, **snap, 3000);
  ASSERT_TRUE(hint.ok()) << hint.status().ToString();
  auto actions = ReadCheckpoint(store, 3);
  ASSERT_TRUE(actions.ok()) << actions.status().ToString();
  ASSERT_EQ(actions->adds.size(), 1u);
  EXPECT_EQ(actions->adds[0].deletion_vector, dv2);
  std::vector<std::optional<DeletionVectorDescriptor>> removed;
  for (const auto& r : actions->removes) removed.push_back(r.deletion_vector);
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_EQ(std::count(removed.begin(), removed.end(), std::optional(dv1)), 1);
  EXPECT_EQ(std::count(removed.begin(), removed.end(), std::nullopt), 1);
  // A snapshot loaded from the checkpoint is the one the commits give.
  auto reloaded = LoadSnapshot(store);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_EQ((*reloaded)->files().at("year=2024/a.parquet").deletion_vector, dv2);
  EXPECT_EQ((*reloaded)->tombstones().size(), 2u);
}

TEST(DeletionVectorLog, CheckpointsOfTablesWithoutTheFeatureKeepTheirLayout) {
  TempDir dir;
  auto table = Table::Create(dir.path(), *KafkaSchema(), {"year"}, {}, NoCheckpoints());
  ASSERT_TRUE(table.ok());
  Transaction txn = (*table)->NewTransaction();
  txn.AddFile(MakeAdd("a.parquet", "2024", 10));
  ASSERT_TRUE(txn.Commit("WRITE").ok());
  auto cp = EncodeCheckpoint(*(*table)->snapshot(), 0);
  ASSERT_TRUE(cp.ok());
  auto buffer = std::make_shared<arrow::Buffer>(cp->parquet);
  auto reader = parquet::arrow::OpenFile(std::make_shared<arrow::io::BufferReader>(buffer),
                                         arrow::default_memory_pool());
  ASSERT_TRUE(reader.ok());
  std::shared_ptr<arrow::Schema> schema;
  ASSERT_TRUE((*reader)->GetSchema(&schema).ok());
  const auto& add = static_cast<const arrow::StructType&>(*schema->GetFieldByName("add")->type());
  EXPECT_EQ(add.GetFieldByName("deletionVector"), nullptr);
  EXPECT_NE(add.GetFieldByName("stats"), nullptr);
}

}  // namespace
}  // namespace rp::delta
