#include "delta/roaring_bitmap_array.h"

#include <roaring/roaring.h>

#include <memory>
#include <optional>
#include <string>

namespace rp::delta {
namespace {

// Delta's other magic number: RoaringBitmapArray's "native" layout, which
// only Delta's in-memory code uses.
constexpr uint32_t kNativeMagic = 1681511376;

uint32_t LittleEndian32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 | static_cast<uint32_t>(b[2]) << 16 |
         static_cast<uint32_t>(b[3]) << 24;
}

uint64_t LittleEndian64(const char* p) {
  return static_cast<uint64_t>(LittleEndian32(p)) | static_cast<uint64_t>(LittleEndian32(p + 4)) << 32;
}

// The portable 32-bit format's cookies (RoaringFormatSpec).
constexpr uint32_t kSerialCookieNoRuns = 12346;
constexpr uint32_t kSerialCookie = 12347;  // low 16 bits; the high 16 hold the container count - 1
constexpr uint32_t kMaxContainers = 1 << 16;

// Checks what CRoaring 0.2.66 does not: its deserializers take a container
// count above 2^16 (even a negative one) and try to allocate for it.
Status CheckPortableHeader(const char* start, size_t available) {
  if (available < 4) return Status::Corruption("truncated bitmap header");
  const uint32_t cookie = LittleEndian32(start);
  if ((cookie & 0xFFFF) == kSerialCookie) return Status::OK();  // at most 2^16 containers by construction
  if (cookie != kSerialCookieNoRuns) {
    return Status::Corruption("not a portable Roaring bitmap (cookie " + std::to_string(cookie) + ")");
  }
  if (available < 8) return Status::Corruption("truncated bitmap header");
  const uint32_t containers = LittleEndian32(start + 4);
  if (containers > kMaxContainers) {
    return Status::Corruption("bitmap claims " + std::to_string(containers) + " containers (at most " +
                              std::to_string(kMaxContainers) + ")");
  }
  return Status::OK();
}

struct RoaringFree {
  void operator()(roaring_bitmap_t* r) const { roaring_bitmap_free(r); }
};

// Collects one bucket's values, checking order and bounds as they come:
// CRoaring hands out the containers as stored, so values that are not
// strictly ascending mean unsorted keys, arrays or overlapping runs.
struct Collector {
  uint64_t high = 0;
  uint64_t value_limit = 0;
  uint64_t max_values = 0;
  std::vector<uint64_t>* out = nullptr;
  Status error;

  static bool Add(uint32_t low, void* param) {
    auto* c = static_cast<Collector*>(param);
    const uint64_t v = c->high | low;
    if (!c->out->empty() && v <= c->out->back()) {
      c->error = Status::Corruption("bitmap values are not strictly ascending (" + std::to_string(v) +
                                    " after " + std::to_string(c->out->back()) + ")");
      return false;
    }
    if (v >= c->value_limit) {
      c->error = Status::Corruption("bitmap holds " + std::to_string(v) + ", beyond the limit of " +
                                    std::to_string(c->value_limit));
      return false;
    }
    if (c->out->size() >= c->max_values) {
      c->error = Status::Corruption("bitmap holds more than the " + std::to_string(c->max_values) +
                                    " values expected");
      return false;
    }
    c->out->push_back(v);
    return true;
  }
};

Result<std::vector<uint64_t>> Decode(std::string_view bytes, uint64_t value_limit, uint64_t max_values) {
  if (bytes.size() < 12) {
    return Status::Corruption("RoaringBitmapArray of " + std::to_string(bytes.size()) +
                              " bytes is too short (magic number and bucket count need 12)");
  }
  const uint32_t magic = LittleEndian32(bytes.data());
  if (magic == kNativeMagic) {
    return Status::Corruption("RoaringBitmapArray in the native format (magic number " +
                              std::to_string(magic) +
                              "), which Delta never stores; expected the portable format");
  }
  if (magic != kRoaringBitmapArrayMagic) {
    return Status::Corruption("not a RoaringBitmapArray: magic number " + std::to_string(magic) +
                              ", expected " + std::to_string(kRoaringBitmapArrayMagic));
  }
  const uint64_t buckets = LittleEndian64(bytes.data() + 4);
  size_t pos = 12;
  // The smallest bucket is a key and an empty bitmap (cookie and count): 12
  // bytes. A count the rest cannot hold is refused before anything is read.
  if (buckets > (bytes.size() - pos) / 12) {
    return Status::Corruption("RoaringBitmapArray claims " + std::to_string(buckets) + " buckets in " +
                              std::to_string(bytes.size()) + " bytes");
  }
  std::vector<uint64_t> values;
  std::optional<uint32_t> previous_key;
  for (uint64_t b = 0; b < buckets; ++b) {
    const std::string where = "bucket " + std::to_string(b);
    if (bytes.size() - pos < 4) return Status::Corruption(where + ": truncated key");
    const uint32_t key = LittleEndian32(bytes.data() + pos);
    pos += 4;
    if (key & 0x80000000u)
      return Status::Corruption(where + ": key " + std::to_string(key) + " has its top bit set");
    if (previous_key && key <= *previous_key) {
      return Status::Corruption(where + ": key " + std::to_string(key) + " does not ascend (previous " +
                                std::to_string(*previous_key) + ")");
    }
    previous_key = key;
    const char* start = bytes.data() + pos;
    const size_t available = bytes.size() - pos;
    RP_RETURN_IF_ERROR(CheckPortableHeader(start, available).WithContext(where));
    const size_t size = roaring_bitmap_portable_deserialize_size(start, available);
    if (size == 0) return Status::Corruption(where + ": not a portable Roaring bitmap, or truncated");
    std::unique_ptr<roaring_bitmap_t, RoaringFree> bitmap(
        roaring_bitmap_portable_deserialize_safe(start, size));
    if (!bitmap) return Status::Corruption(where + ": not a portable Roaring bitmap, or truncated");
    pos += size;
    Collector collector;
    collector.high = static_cast<uint64_t>(key) << 32;
    collector.value_limit = value_limit;
    collector.max_values = max_values;
    collector.out = &values;
    if (!roaring_iterate(bitmap.get(), &Collector::Add, &collector))
      return collector.error.WithContext(where);
  }
  if (pos != bytes.size()) {
    return Status::Corruption(std::to_string(bytes.size() - pos) + " bytes after the last bucket");
  }
  return values;
}

}  // namespace

Result<std::vector<uint64_t>> DecodeRoaringBitmapArray(std::string_view bytes, uint64_t value_limit,
                                                       uint64_t max_values) {
  auto values = Decode(bytes, value_limit, max_values);
  if (!values.ok()) return values.status().WithContext("deletion vector bitmap");
  return values;
}

}  // namespace rp::delta
