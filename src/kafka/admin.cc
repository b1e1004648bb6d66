#include "kafka/admin.h"

#include <chrono>
#include <thread>

#include <algorithm>
#include <memory>

namespace rp::kafka {

Result<std::vector<int32_t>> TopicPartitions(rd_kafka_t* rk, const std::string& topic,
                                             std::chrono::milliseconds timeout) {
  // Ask for all topics: a request naming the topic would let a producer
  // handle auto-create it, and "does it exist?" must not create it.
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, nullptr, &md, static_cast<int>(timeout.count()));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(e, "metadata for topic " + topic);
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> owned(md,
                                                                                         &rd_kafka_metadata_destroy);
  const rd_kafka_metadata_topic_t* found = nullptr;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic == md->topics[i].topic) found = &md->topics[i];
  }
  rd_kafka_resp_err_t topic_err = found ? found->err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  if (topic_err == RD_KAFKA_RESP_ERR_NO_ERROR && found->partition_cnt == 0) {
    topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  }
  if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(topic_err, "topic " + topic);
  std::vector<int32_t> ids;
  for (int i = 0; i < found->partition_cnt; ++i) ids.push_back(found->partitions[i].id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status EnsureTopic(rd_kafka_t* rk, const std::string& topic, int32_t partitions, std::chrono::milliseconds timeout) {
  if (TopicPartitions(rk, topic, timeout).ok()) return Status::OK();
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof err);
  if (!nt) return Status::InvalidArgument("topic " + topic + ": " + err);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, static_cast<int>(timeout.count()), err, sizeof err);
  rd_kafka_CreateTopics(rk, &nt, 1, opts, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 1000);
  Status status = Status::Timeout("creating topic " + topic);
  if (ev) {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** results = res ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
    if (rd_kafka_event_error(ev)) {
      status = KafkaError(rd_kafka_event_error(ev), "create topic " + topic);
    } else if (n == 1) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[0]);
      status = (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) ? Status::OK() : KafkaError(e, "create topic " + topic);
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(queue);
  if (!status.ok()) return status;
  // The controller has the topic; the broker's metadata may lag behind it
  // for a moment, and callers look the topic up right away.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto found = TopicPartitions(rk, topic, timeout);
    if (found.ok()) return Status::OK();
    if (std::chrono::steady_clock::now() >= deadline) return found.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace rp::kafka
