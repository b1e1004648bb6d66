// Records a job holds between polling and committing, copied out of
// librdkafka's messages. A message pins its whole fetch response (and a
// large op struct), so holding 100k messages cost sync ~1 KB per record;
// copied, a record costs its value bytes plus 32 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace rp::jobs {

class PendingRecords {
 public:
  struct Record {
    int32_t partition;
    bool null_value;
    int64_t offset;
    const char* value_data;
    size_t value_size;
    std::optional<std::string_view> value() const {
      if (null_value) return std::nullopt;
      return std::string_view(value_data, value_size);
    }
  };

  void Add(int32_t partition, int64_t offset, std::optional<std::string_view> value);

  template <typename Pred>
  void EraseIf(Pred pred) {  // the bytes of erased values stay until Clear()
    std::erase_if(records_, pred);
  }
  void Clear();

  bool empty() const { return records_.empty(); }
  size_t size() const { return records_.size(); }
  std::vector<Record>::const_iterator begin() const { return records_.begin(); }
  std::vector<Record>::const_iterator end() const { return records_.end(); }

 private:
  static constexpr size_t kBlockSize = 1 << 20;
  const char* CopyValue(std::string_view value);

  std::vector<Record> records_;
  // Value bytes in fixed blocks: no reallocation moves a value a Record points to.
  std::vector<std::unique_ptr<char[]>> blocks_, large_;
  size_t block_used_ = 0;  // bytes used in blocks_.back()
};

}  // namespace rp::jobs
