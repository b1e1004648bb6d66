// Delta's RoaringBitmapArray, the bytes of one deletion vector
// (PROTOCOL.md "Deletion Vector Format"): a little-endian magic number
// 1681511377, then a 64-bit Roaring bitmap in the "portable" format of the
// RoaringFormatSpec: an 8-byte little-endian bucket count, then per bucket, in
// ascending key order, a 4-byte key (the high 32 bits of its values, most
// significant bit 0) and a portable 32-bit Roaring bitmap of the low 32 bits.
//
// The 32-bit bitmaps are decoded by CRoaring (roaring_bitmap_portable_
// deserialize_safe, which never reads past the bytes it is given). The bytes
// come from files and logs other programs wrote, so everything else is checked
// here: sizes against what is there, the container count (Debian's CRoaring
// 0.2.66 would try to allocate for any), key order, and that the values come out
// strictly ascending (CRoaring does not validate container contents), below a
// caller's bound, and no more of them than expected. Malformed input is
// Corruption, never a crash or an unbounded allocation.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rp::delta {

inline constexpr uint32_t kRoaringBitmapArrayMagic = 1681511377;

// The values (row indexes) of a serialized RoaringBitmapArray, ascending.
// Corruption for a wrong magic number (the "native" format, magic 1681511376,
// is not one Delta writes to files or logs), a bucket count or bitmap that the
// bytes cannot hold, keys out of order or with the top bit set, trailing
// bytes, a value >= `value_limit`, or more than `max_values` values.
Result<std::vector<uint64_t>> DecodeRoaringBitmapArray(std::string_view bytes, uint64_t value_limit,
                                                       uint64_t max_values);

}  // namespace rp::delta
