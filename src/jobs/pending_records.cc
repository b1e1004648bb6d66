#include "jobs/pending_records.h"

#include <cstring>

namespace rp::jobs {

void PendingRecords::Add(int32_t partition, int64_t offset, std::optional<std::string_view> value) {
  Record r{partition, !value.has_value(), offset, nullptr, 0};
  if (value) {
    r.value_data = CopyValue(*value);
    r.value_size = value->size();
  }
  records_.push_back(r);
}

const char* PendingRecords::CopyValue(std::string_view value) {
  if (value.empty()) return "";
  char* dst;
  if (value.size() > kBlockSize / 4) {  // a large value gets a block of its own
    large_.push_back(std::make_unique<char[]>(value.size()));
    dst = large_.back().get();
  } else {
    if (blocks_.empty() || block_used_ + value.size() > kBlockSize) {
      blocks_.push_back(std::make_unique<char[]>(kBlockSize));
      block_used_ = 0;
    }
    dst = blocks_.back().get() + block_used_;
    block_used_ += value.size();
  }
  std::memcpy(dst, value.data(), value.size());
  return dst;
}

void PendingRecords::Clear() {
  records_.clear();
  blocks_.clear();
  large_.clear();
  block_used_ = 0;
}

}  // namespace rp::jobs
