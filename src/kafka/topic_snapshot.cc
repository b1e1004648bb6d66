#include "kafka/topic_snapshot.h"

#include <algorithm>
#include <map>

#include "kafka/broker_errors.h"
#include "kafka/handle.h"
#include "kafka/message_view.h"

namespace rp::kafka {
namespace {

Record CopyMessage(const rd_kafka_message_t* m, MessageViewer* viewer) {
  const MessageView& v = viewer->View(*m);
  Record r;
  r.topic = v.topic;
  r.partition = v.partition;
  r.offset = v.offset;
  r.timestamp_ms = v.timestamp_ms;
  if (v.key) r.key.emplace(*v.key);
  if (v.value) r.value.emplace(*v.value);
  r.headers.reserve(v.headers.size());
  for (const auto& h : v.headers) {
    Header copy{std::string(h.name), std::nullopt};
    if (h.value) copy.value.emplace(*h.value);
    r.headers.push_back(std::move(copy));
  }
  return r;
}

}  // namespace

Result<std::vector<Record>> ReadTopicSnapshot(const ClientConfig& config, const std::string& topic,
                                              const TopicSnapshotOptions& options) {
  ClientConfig effective = config;
  // We only assign() and never commit.
  effective.Set("enable.auto.commit", "false");
  effective.Set("enable.partition.eof", "true");
  BrokerErrors broker_errors;
  RP_ASSIGN_OR_RETURN(HandlePtr rk, NewQueryConsumer(effective, "rp-read-topic", &broker_errors));
  const int timeout_ms = static_cast<int>(options.timeout.count());

  RP_ASSIGN_OR_RETURN(std::vector<int32_t> partitions,
                      TopicPartitionsOnceConnected(rk.get(), topic, options.timeout, broker_errors));
  rd_kafka_resp_err_t e;

  // End offsets as of now; partitions that are empty need no reading.
  std::map<int32_t, int64_t> end_of;  // partition -> exclusive end
  TopicPartitionListPtr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (int32_t p : partitions) {
    int64_t low = 0, high = 0;
    e = rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &low, &high, timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaError(e, "watermarks of " + topic + "[" + std::to_string(p) + "]");
    }
    if (high > low) {
      end_of[p] = high;
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset = low;
    }
  }
  std::vector<Record> records;
  if (end_of.empty()) return records;
  e = rd_kafka_assign(rk.get(), assignment.get());
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(e, "assign " + topic);

  std::map<int32_t, std::vector<Record>> by_partition;
  MessageViewer viewer;
  while (!end_of.empty()) {
    MessagePtr m(rd_kafka_consumer_poll(rk.get(), timeout_ms));
    if (!m) {
      return Status::Timeout("no data from " + topic + " for " + std::to_string(timeout_ms) + " ms while " +
                             std::to_string(end_of.size()) + " partition(s) were unfinished");
    }
    auto it = end_of.find(m->partition);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // With read_committed, the end can be a transaction marker that is never delivered.
      if (it != end_of.end()) end_of.erase(it);
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaError(m->err, "reading " + topic + "[" + std::to_string(m->partition) + "]");
    }
    if (it == end_of.end() || m->offset >= it->second) continue;
    by_partition[m->partition].push_back(CopyMessage(m.get(), &viewer));
    if (m->offset + 1 >= it->second) end_of.erase(it);
  }
  rd_kafka_consumer_close(rk.get());
  for (auto& [p, recs] : by_partition) {
    std::move(recs.begin(), recs.end(), std::back_inserter(records));
  }
  return records;
}

}  // namespace rp::kafka
