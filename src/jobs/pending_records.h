// Records a job holds between polling and committing, copied out of
// librdkafka's messages. A message pins its whole fetch response (and a
// large op struct), so holding 100k messages cost sync ~1 KB per record;
// copied, a record costs its key, value and header bytes plus 72 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "kafka/message_view.h"

namespace rp::jobs {

class PendingRecords {
 public:
  struct Record {
    int32_t partition;
    bool null_value;
    bool null_key;
    kafka::TimestampType timestamp_type;
    int64_t offset;
    int64_t timestamp_ms;
    const char* value_data;
    size_t value_size;
    const char* key_data;
    uint32_t key_size;
    uint32_t header_count;
    size_t header_begin;  // index into the holder's header array
    std::optional<std::string_view> value() const {
      if (null_value) return std::nullopt;
      return std::string_view(value_data, value_size);
    }
    std::optional<std::string_view> key() const {
      if (null_key) return std::nullopt;
      return std::string_view(key_data, key_size);
    }
  };

  // Copies everything of the message the raw table keeps (not the topic: one
  // holder serves one topic).
  void Add(const kafka::MessageView& message);

  // The record as a message view again (headers included), for `topic`.
  kafka::MessageView View(const Record& record, std::string_view topic) const;

  template <typename Pred>
  void EraseIf(Pred pred) {  // the bytes of erased records stay until Clear()
    std::erase_if(records_, pred);
  }
  void Clear();
  // Clears `used` and keeps its byte blocks for this holder's next records:
  // fresh blocks cost page faults (a tenth of sync's polling thread).
  void Recycle(PendingRecords&& used);
  // Moves the records and their bytes out, keeping the recycled blocks here.
  PendingRecords TakeRecords();

  // The key, value and header bytes copied in since the last Clear (erased
  // records' included: their bytes stay until then).
  size_t bytes() const { return bytes_; }
  bool empty() const { return records_.empty(); }
  size_t size() const { return records_.size(); }
  std::vector<Record>::const_iterator begin() const { return records_.begin(); }
  std::vector<Record>::const_iterator end() const { return records_.end(); }

 private:
  static constexpr size_t kBlockSize = 1 << 20;
  const char* CopyBytes(std::string_view bytes);

  std::vector<Record> records_;
  std::vector<logic::HeaderView> headers_;  // views into the blocks
  // Bytes in fixed blocks: no reallocation moves bytes a Record points to.
  std::vector<std::unique_ptr<char[]>> blocks_, large_;
  std::vector<std::unique_ptr<char[]>> spare_;  // recycled blocks, used before new ones
  size_t block_used_ = 0;                       // bytes used in blocks_.back()
  size_t bytes_ = 0;
};

}  // namespace rp::jobs
