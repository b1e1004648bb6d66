#include "jobs/pending_records.h"

#include <cstring>

namespace rp::jobs {

void PendingRecords::Add(const kafka::MessageView& m) {
  Record r{};
  r.partition = m.partition;
  r.offset = m.offset;
  r.timestamp_ms = m.timestamp_ms;
  r.timestamp_type = m.timestamp_type;
  r.null_value = !m.value.has_value();
  if (m.value) {
    r.value_data = CopyBytes(*m.value);
    r.value_size = m.value->size();
  }
  r.null_key = !m.key.has_value();
  if (m.key) {
    r.key_data = CopyBytes(*m.key);
    r.key_size = static_cast<uint32_t>(m.key->size());  // Kafka caps a record well below 4 GB
  }
  r.header_begin = headers_.size();
  r.header_count = static_cast<uint32_t>(m.headers.size());
  for (const auto& h : m.headers) {
    logic::HeaderView copy{std::string_view(CopyBytes(h.name), h.name.size()), std::nullopt};
    if (h.value) copy.value.emplace(CopyBytes(*h.value), h.value->size());
    headers_.push_back(copy);
  }
  records_.push_back(r);
}

kafka::MessageView PendingRecords::View(const Record& r, std::string_view topic) const {
  kafka::MessageView v;
  v.topic = topic;
  v.partition = r.partition;
  v.offset = r.offset;
  v.key = r.key();
  v.value = r.value();
  v.timestamp_ms = r.timestamp_ms;
  v.timestamp_type = r.timestamp_type;
  v.headers = std::span<const logic::HeaderView>(headers_.data() + r.header_begin, r.header_count);
  return v;
}

const char* PendingRecords::CopyBytes(std::string_view value) {
  if (value.empty()) return "";
  bytes_ += value.size();
  char* dst;
  if (value.size() > kBlockSize / 4) {  // a large value gets a block of its own
    large_.push_back(std::make_unique<char[]>(value.size()));
    dst = large_.back().get();
  } else {
    if (blocks_.empty() || block_used_ + value.size() > kBlockSize) {
      if (spare_.empty()) {
        blocks_.push_back(std::make_unique<char[]>(kBlockSize));
      } else {
        blocks_.push_back(std::move(spare_.back()));
        spare_.pop_back();
      }
      block_used_ = 0;
    }
    dst = blocks_.back().get() + block_used_;
    block_used_ += value.size();
  }
  std::memcpy(dst, value.data(), value.size());
  return dst;
}

void PendingRecords::Recycle(PendingRecords&& used) {
  for (auto* blocks : {&used.blocks_, &used.spare_}) {
    for (auto& block : *blocks) spare_.push_back(std::move(block));
  }
  used.Clear();
}

PendingRecords PendingRecords::TakeRecords() {
  PendingRecords taken;
  taken.records_ = std::move(records_);
  taken.headers_ = std::move(headers_);
  taken.blocks_ = std::move(blocks_);
  taken.large_ = std::move(large_);
  taken.block_used_ = block_used_;
  taken.bytes_ = bytes_;
  std::vector<std::unique_ptr<char[]>> spare = std::move(spare_);
  Clear();
  spare_ = std::move(spare);
  return taken;
}

void PendingRecords::Clear() {
  records_.clear();
  headers_.clear();
  blocks_.clear();
  large_.clear();
  spare_.clear();
  block_used_ = 0;
  bytes_ = 0;
}

}  // namespace rp::jobs
