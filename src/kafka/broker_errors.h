// What librdkafka's error callback reported about the brokers, so that a
// client which waits for a broker can tell "not there yet" from "will never
// let us in". librdkafka retries a refused login (a wrong SASL password, a
// TLS handshake that fails) like any broken connection, so without this a
// blocking call (metadata, flush) waits out its whole timeout and then
// reports a transport failure. Every client handle we create installs one
// (GroupConsumer, Producer, ReadTopicSnapshot) and fails on the first refusal,
// with librdkafka's reason, which names the broker and mechanism, never a
// password.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "kafka/client_config.h"
#include "kafka/handle.h"

namespace rp::kafka {

class BrokerErrors {
 public:
  // Records one error callback report; returns true if it was a refusal
  // (the caller need not log it: it comes back as refused()). Any thread.
  bool Record(int err, const char* reason);
  // The first refusal as an IOError ("authentication failed: …"), else OK.
  Status refused() const;
  bool has_refusal() const { return has_refusal_.load(std::memory_order_relaxed); }
  // The latest other error (a transport failure, say), to explain a timeout.
  std::string last() const;

 private:
  mutable std::mutex mu_;
  std::atomic<bool> has_refusal_{false};
  std::string refused_;
  std::string last_;
};

// Serves `rk`'s queued callbacks (error reports among them) without
// blocking. On a consumer it polls the consumer queue, so it is only for a
// consumer that has nothing assigned yet: a message polled here would be lost.
void ServeCallbacks(rd_kafka_t* rk);

// A consumer handle for a one-off question (watermarks, a topic's records):
// a throwaway group id "<group_prefix>-<uuid>" (it never joins or commits, but
// librdkafka wants one), its error callback feeding `errors`, which must
// outlive it, and its callbacks served from the consumer queue
// (ServeCallbacks), so a refused login is seen while it waits.
Result<HandlePtr> NewQueryConsumer(ClientConfig config, const std::string& group_prefix,
                                   BrokerErrors* errors);

// TopicPartitions (admin.h) asked in short slices, serving callbacks in
// between, so a refused login fails at once with its reason instead of a
// transport failure after the whole `timeout`. `rk`'s error callback must
// feed `errors`; a consumer must not be consuming yet (ServeCallbacks).
Result<std::vector<int32_t>> TopicPartitionsOnceConnected(rd_kafka_t* rk, const std::string& topic,
                                                          std::chrono::milliseconds timeout,
                                                          const BrokerErrors& errors);

}  // namespace rp::kafka
