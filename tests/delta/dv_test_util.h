// Builds deletion vectors for tests: RoaringBitmapArray bytes (serialized by
// CRoaring, the writer side our library has no use for), DV files with their
// size and CRC-32 framing, and descriptors, inline or in a file.
#pragma once

#include <gtest/gtest.h>
#include <roaring/roaring.h>
#include <zlib.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "delta/actions.h"
#include "delta/roaring_bitmap_array.h"
#include "delta/z85.h"

namespace rp::delta::dv_testing {

inline void PutLittleEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

inline void PutBigEndian32(uint32_t v, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

// The portable serialization of a 32-bit bitmap of `values`; `optimize`
// turns runs into run containers.
inline std::string Portable32(const std::vector<uint32_t>& values, bool optimize = true) {
  roaring_bitmap_t* r = roaring_bitmap_create();
  for (uint32_t v : values) roaring_bitmap_add(r, v);
  if (optimize) roaring_bitmap_run_optimize(r);
  std::string out(roaring_bitmap_portable_size_in_bytes(r), '\0');
  roaring_bitmap_portable_serialize(r, out.data());
  roaring_bitmap_free(r);
  return out;
}

// Magic number, bucket count, then (key, 32-bit bitmap) per bucket.
inline std::string RoaringBitmapArrayBytes(const std::vector<uint64_t>& rows, bool optimize = true) {
  std::map<uint32_t, std::vector<uint32_t>> buckets;
  for (uint64_t r : rows) buckets[static_cast<uint32_t>(r >> 32)].push_back(static_cast<uint32_t>(r));
  std::string out;
  PutLittleEndian(kRoaringBitmapArrayMagic, 4, &out);
  PutLittleEndian(buckets.size(), 8, &out);
  for (const auto& [key, values] : buckets) {
    PutLittleEndian(key, 4, &out);
    out += Portable32(values, optimize);
  }
  return out;
}

inline uint32_t Crc32(const std::string& data) {
  return static_cast<uint32_t>(
      crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

// One DV as a file stores it: size, data, checksum (all big-endian).
inline std::string FileEntry(const std::string& bitmap) {
  std::string out;
  PutBigEndian32(static_cast<uint32_t>(bitmap.size()), &out);
  out += bitmap;
  PutBigEndian32(Crc32(bitmap), &out);
  return out;
}

// A DV file holding `bitmaps`; `offsets` gets where each entry starts.
inline std::string DvFile(const std::vector<std::string>& bitmaps, std::vector<int32_t>* offsets) {
  std::string out(1, '\x01');
  for (const auto& b : bitmaps) {
    offsets->push_back(static_cast<int32_t>(out.size()));
    out += FileEntry(b);
  }
  return out;
}

// An inline descriptor of `rows`, padded to whole Z85 groups as Delta pads.
inline DeletionVectorDescriptor InlineDv(const std::vector<uint64_t>& rows) {
  std::string bytes = RoaringBitmapArrayBytes(rows);
  DeletionVectorDescriptor dv;
  dv.storage_type = "i";
  dv.size_in_bytes = static_cast<int32_t>(bytes.size());
  dv.cardinality = static_cast<int64_t>(rows.size());
  bytes.resize((bytes.size() + 3) / 4 * 4, '\0');
  dv.path_or_inline_dv = Z85Encode(bytes).value();
  return dv;
}

// A descriptor of a DV at `offset` of the file deletion_vector_<uuid>.bin
// under `prefix`/ (storage type 'u'); `uuid16` is the UUID's 16 bytes.
inline DeletionVectorDescriptor FileDv(const std::string& prefix, const std::string& uuid16, int32_t offset,
                                       const std::string& bitmap, int64_t cardinality) {
  DeletionVectorDescriptor dv;
  dv.storage_type = "u";
  dv.path_or_inline_dv = prefix + Z85Encode(uuid16).value();
  dv.offset = offset;
  dv.size_in_bytes = static_cast<int32_t>(bitmap.size());
  dv.cardinality = cardinality;
  return dv;
}

}  // namespace rp::delta::dv_testing
