#include "delta/block_index.h"

#include <roaring/roaring.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>

#include "delta/roaring_bitmap_array.h"
#include "delta/z85.h"

namespace rp::delta {
namespace {

constexpr std::string_view kFormatVersion = "1";
// A bound on what Decode accepts: 2^22 blocks is far more than any index
// within max_text_bytes can hold.
constexpr uint64_t kMaxBlocks = uint64_t{1} << 22;
constexpr uint64_t kBlockMask = 0xFFFFFFFFu;

void PutLittleEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// The values of an integer column as int64; nullopt for other types or nulls.
std::optional<std::vector<int64_t>> IntegerValues(const arrow::Array& array) {
  if (array.null_count() > 0) return std::nullopt;
  std::vector<int64_t> out(static_cast<size_t>(array.length()));
  auto copy = [&](const auto& typed) {
    for (int64_t i = 0; i < typed.length(); ++i) out[static_cast<size_t>(i)] = typed.Value(i);
  };
  switch (array.type_id()) {
    case arrow::Type::INT8:
      copy(static_cast<const arrow::Int8Array&>(array));
      break;
    case arrow::Type::INT16:
      copy(static_cast<const arrow::Int16Array&>(array));
      break;
    case arrow::Type::INT32:
      copy(static_cast<const arrow::Int32Array&>(array));
      break;
    case arrow::Type::INT64:
      copy(static_cast<const arrow::Int64Array&>(array));
      break;
    default:
      return std::nullopt;
  }
  return out;
}

// Delta's RoaringBitmapArray bytes of ascending `keys` (roaring_bitmap_array.h
// has the layout; CRoaring writes each 32-bit bucket).
std::string EncodeRoaringBitmapArray(const std::vector<uint64_t>& keys) {
  std::map<uint32_t, std::vector<uint32_t>> buckets;
  for (uint64_t k : keys) buckets[static_cast<uint32_t>(k >> 32)].push_back(static_cast<uint32_t>(k));
  std::string out;
  PutLittleEndian(kRoaringBitmapArrayMagic, 4, &out);
  PutLittleEndian(buckets.size(), 8, &out);
  for (const auto& [high, lows] : buckets) {
    PutLittleEndian(high, 4, &out);
    roaring_bitmap_t* r = roaring_bitmap_create();
    roaring_bitmap_add_many(r, lows.size(), lows.data());
    roaring_bitmap_run_optimize(r);  // an hour of on-time offsets is one run
    std::string bucket(roaring_bitmap_portable_size_in_bytes(r), '\0');
    roaring_bitmap_portable_serialize(r, bucket.data());
    roaring_bitmap_free(r);
    out += bucket;
  }
  return out;
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// [lo, hi] of the integers a range admits; false when a bound is not an integer.
bool Narrow(const ColumnRange& range, int64_t* lo, int64_t* hi) {
  if (range.lower) {
    const auto* v = std::get_if<int64_t>(&*range.lower);
    if (!v) return false;
    int64_t bound = *v;
    if (!range.lower_inclusive) {
      if (bound == std::numeric_limits<int64_t>::max()) {
        *lo = bound, *hi = bound - 1;  // empty
        return true;
      }
      ++bound;
    }
    *lo = std::max(*lo, bound);
  }
  if (range.upper) {
    const auto* v = std::get_if<int64_t>(&*range.upper);
    if (!v) return false;
    int64_t bound = *v;
    if (!range.upper_inclusive) {
      if (bound == std::numeric_limits<int64_t>::min()) {
        *lo = 0, *hi = -1;  // empty
        return true;
      }
      --bound;
    }
    *hi = std::min(*hi, bound);
  }
  return true;
}

}  // namespace

Result<std::optional<std::string>> ComputeBlockIndex(const arrow::RecordBatch& data,
                                                     const BlockIndexSpec& spec) {
  if (spec.block_shift < 0 || spec.block_shift > 62) {
    return Status::InvalidArgument("block shift must be 0..62, not " + std::to_string(spec.block_shift));
  }
  const auto group_column = data.GetColumnByName(spec.group_column);
  const auto value_column = data.GetColumnByName(spec.value_column);
  if (!group_column || !value_column) return std::optional<std::string>();
  auto groups = IntegerValues(*group_column);
  auto values = IntegerValues(*value_column);
  if (!groups || !values) return std::optional<std::string>();
  std::vector<uint64_t> keys;
  keys.reserve(groups->size());
  for (size_t i = 0; i < groups->size(); ++i) {
    const int64_t g = (*groups)[i], v = (*values)[i];
    if (g < 0 || g > std::numeric_limits<int32_t>::max() || v < 0) return std::optional<std::string>();
    const uint64_t block = static_cast<uint64_t>(v) >> spec.block_shift;
    if (block > kBlockMask) return std::optional<std::string>();
    const uint64_t key = static_cast<uint64_t>(g) << 32 | block;
    // Rows come mostly in runs of one block: skip the repeats before sorting.
    if (keys.empty() || keys.back() != key) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::string bytes = EncodeRoaringBitmapArray(keys);
  const size_t length = bytes.size();
  bytes.resize((length + 3) / 4 * 4, '\0');  // Z85 takes whole 4-byte groups
  RP_ASSIGN_OR_RETURN(std::string z85, Z85Encode(bytes));
  std::string text = std::string(kFormatVersion) + ":" + std::to_string(spec.block_shift) + ":" +
                     std::to_string(length) + ":" + z85;
  if (text.size() > spec.max_text_bytes) return std::optional<std::string>();
  return std::optional<std::string>(std::move(text));
}

Result<BlockIndex> BlockIndex::Decode(std::string_view text) {
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos) return Status::Corruption("block index: missing fields");
    parts[i] = text.substr(0, colon);
    text.remove_prefix(colon + 1);
  }
  parts[3] = text;
  if (parts[0] != kFormatVersion)
    return Status::Corruption("block index: unknown format " + std::string(parts[0]));
  const auto shift = ParseInt(parts[1]);
  const auto length = ParseInt(parts[2]);
  if (!shift || *shift < 0 || *shift > 62) return Status::Corruption("block index: bad block shift");
  RP_ASSIGN_OR_RETURN(std::string bytes, Z85Decode(parts[3]));
  if (!length || *length < 0 || static_cast<size_t>(*length) > bytes.size() ||
      bytes.size() - static_cast<size_t>(*length) >= 4) {
    return Status::Corruption("block index: length does not fit its bytes");
  }
  bytes.resize(static_cast<size_t>(*length));
  BlockIndex index;
  index.shift_ = static_cast<int>(*shift);
  RP_ASSIGN_OR_RETURN(index.keys_,
                      DecodeRoaringBitmapArray(bytes, std::numeric_limits<uint64_t>::max(), kMaxBlocks));
  return index;
}

bool BlockIndex::MayMatch(const Filter& filter, const BlockIndexSpec& spec) const {
  for (const Conjunction& conjunction : filter.any_of) {
    int64_t group_lo = 0, group_hi = std::numeric_limits<int32_t>::max();
    int64_t value_lo = 0, value_hi = std::numeric_limits<int64_t>::max();
    bool bounded = false, integers = true;
    for (const ColumnRange& range : conjunction) {
      if (range.column == spec.group_column) {
        integers = integers && Narrow(range, &group_lo, &group_hi);
        bounded = true;
      } else if (range.column == spec.value_column) {
        integers = integers && Narrow(range, &value_lo, &value_hi);
        bounded = true;
      }
    }
    if (!bounded || !integers) return true;  // the index cannot judge it
    if (group_lo > group_hi || value_lo > value_hi) continue;
    const uint64_t block_lo = static_cast<uint64_t>(value_lo) >> shift_;
    const uint64_t block_hi = std::min<uint64_t>(static_cast<uint64_t>(value_hi) >> shift_, kBlockMask);
    if (block_lo > kBlockMask) continue;
    // Walk the groups the file holds within [group_lo, group_hi], jumping to
    // each one's first candidate block.
    auto it = std::lower_bound(keys_.begin(), keys_.end(), static_cast<uint64_t>(group_lo) << 32 | block_lo);
    while (it != keys_.end()) {
      const uint64_t group = *it >> 32;
      if (group > static_cast<uint64_t>(group_hi)) break;
      const uint64_t block = *it & kBlockMask;
      if (block < block_lo) {
        it = std::lower_bound(it, keys_.end(), group << 32 | block_lo);
      } else if (block <= block_hi) {
        return true;
      } else {
        it = std::lower_bound(it, keys_.end(), (group + 1) << 32 | block_lo);
      }
    }
  }
  return false;
}

}  // namespace rp::delta
