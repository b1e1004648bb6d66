// Producer: an idempotent (optionally transactional) librdkafka producer.
// Produce() only enqueues; Flush() waits for every delivery and reports the
// first failure, so a caller knows when output is durable before it commits
// its input position.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kafka/broker_errors.h"
#include "kafka/client_config.h"
#include "kafka/handle.h"
#include "kafka/record.h"

namespace rp::kafka {

struct ProducerOptions {
  bool idempotent = true;
  // Set for exactly-once output (Kafka transactions).
  std::optional<std::string> transactional_id;
};

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> Create(const ClientConfig& config, const ProducerOptions& options);
  ~Producer();

  // Enqueues one record; waits (serving delivery reports) while the local
  // queue is full. Returns an earlier delivery failure, if any.
  // A non-zero `token` is handed to the delivery listener once the record is
  // acknowledged.
  Status Produce(const std::string& topic, int32_t partition, std::optional<std::string_view> key,
                 std::optional<std::string_view> value, const std::vector<Header>& headers,
                 uint64_t token = 0);
  // The same with borrowed headers (copied before it returns): what the jobs'
  // per-record path uses, so no header is copied twice.
  Status Produce(const std::string& topic, int32_t partition, std::optional<std::string_view> key,
                 std::optional<std::string_view> value, std::span<const HeaderRef> headers,
                 uint64_t token = 0);
  // The handle of `topic`, created on first use and kept until the producer
  // goes (nullptr if librdkafka refuses it).
  rd_kafka_topic_t* Topic(const std::string& topic);
  // Called with the token of each successfully delivered record, on the
  // thread that calls Produce/Flush/Poll.
  void SetDeliveryListener(std::function<void(uint64_t token)> listener) { listener_ = std::move(listener); }
  // Tells the delivery listener about a token whose record is never produced
  // (the logic filtered it out): its position is done all the same.
  void NotifyDone(uint64_t token) {
    if (listener_) listener_(token);
  }
  // Once `*stop` is set, Produce() no longer waits for room in a full queue
  // but fails at once: a job told to stop must not wait on a broker that has
  // gone until its records time out.
  void SetStopFlag(const std::atomic<bool>* stop) { stop_ = stop; }
  // Waits until every enqueued record is acknowledged (or failed).
  Status Flush(std::chrono::milliseconds timeout);
  // Serves delivery reports without blocking.
  void Poll() { rd_kafka_poll(rk_.get(), 0); }
  // Serves delivery reports, waiting up to `timeout` for the first.
  void Poll(std::chrono::milliseconds timeout) {
    rd_kafka_poll(rk_.get(), static_cast<int>(timeout.count()));
  }

  Result<int32_t> PartitionCount(const std::string& topic, std::chrono::milliseconds timeout);
  // The topic's partition ids (admin.h's TopicPartitions), failing at once
  // if the broker refuses our login rather than after `timeout`.
  Result<std::vector<int32_t>> TopicPartitions(const std::string& topic, std::chrono::milliseconds timeout);

  // Kafka transactions (only with ProducerOptions::transactional_id).
  Status InitTransactions(std::chrono::milliseconds timeout);
  Status BeginTransaction();
  // Adds the consumer's next positions to the transaction (exactly-once input).
  // `next`: per partition, the offset consumption continues at (last + 1).
  Status SendOffsetsToTransaction(rd_kafka_t* consumer, const std::map<TopicPartition, int64_t>& next,
                                  std::chrono::milliseconds timeout);
  Status CommitTransaction(std::chrono::milliseconds timeout);
  Status AbortTransaction(std::chrono::milliseconds timeout);

  int64_t delivered() const { return delivered_.load(std::memory_order_relaxed); }
  // For metrics, readable from any thread: records that failed delivery,
  // requests retried (from librdkafka's statistics, so only counted when
  // statistics.interval.ms is set), and what waits in the queue now.
  int64_t delivery_errors() const { return delivery_errors_.load(std::memory_order_relaxed); }
  int64_t request_retries() const { return request_retries_.load(std::memory_order_relaxed); }
  int queue_length() { return rd_kafka_outq_len(rk_.get()); }
  rd_kafka_t* handle() { return rk_.get(); }

 private:
  Producer() = default;
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static int OnStatistics(rd_kafka_t* rk, char* json, size_t json_len, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  Status TakeDeliveryError();

  BrokerErrors broker_errors_;  // fed by OnError; declared before rk_, so it outlives the handle's callbacks
  HandlePtr rk_;
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> delivery_errors_{0};
  std::atomic<int64_t> request_retries_{0};
  std::function<void(uint64_t)> listener_;
  std::vector<std::pair<std::string, rd_kafka_topic_t*>> topics_;  // a job produces to one or two topics
  const std::atomic<bool>* stop_ = nullptr;
  std::mutex error_mu_;
  Status delivery_error_;  // first failure since the last TakeDeliveryError()
  // Set with delivery_error_: Produce() checks it per record without the mutex.
  std::atomic<bool> has_delivery_error_{false};
};

}  // namespace rp::kafka
