// GroupConsumer: a consumer-group member that hands out batches of messages.
//
// Where each partition starts is the job's decision (StartOffsetFn): `stream`
// uses the group's committed offsets, `sync` uses the Delta table's txn
// versions. When partitions are revoked, messages of those partitions that
// were polled but not yet handed out are dropped: the next owner re-reads them
// from its own start position, so nothing is lost and nothing is processed twice
// by the same batch.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "kafka/broker_errors.h"
#include "kafka/client_config.h"
#include "kafka/handle.h"
#include "kafka/record.h"

namespace rp::kafka {


// A start offset for a newly assigned partition. kUseCommitted means the
// group's committed offset, or auto.offset.reset (earliest) when there is none.
inline constexpr int64_t kUseCommitted = RD_KAFKA_OFFSET_INVALID;
using StartOffsetFn = std::function<Result<int64_t>(const std::string& topic, int32_t partition)>;
using PartitionsFn = std::function<void(const std::vector<TopicPartition>&)>;

// A partition's offsets as librdkafka last saw them (no request is made):
// the next offset the consumer hands out, and the log's start and end as the
// latest fetch response gave them. RD_KAFKA_OFFSET_INVALID where not known yet.
struct PartitionOffsets {
  TopicPartition tp;
  int64_t position = RD_KAFKA_OFFSET_INVALID;
  int64_t low = RD_KAFKA_OFFSET_INVALID, high = RD_KAFKA_OFFSET_INVALID;
};
// Records between `next` (the next offset a job has still to take or store;
// RD_KAFKA_OFFSET_INVALID: none taken yet, so from the log's start) and the
// end of the log; nullopt while the end is not known.
std::optional<int64_t> LagRecords(int64_t next, int64_t low, int64_t high);

struct GroupConsumerOptions {
  std::string group_id;
  std::vector<std::string> topics;
  bool read_committed = false;
  StartOffsetFn start_offset;  // null: always kUseCommitted
  PartitionsFn on_assigned;    // after the new partitions are assigned
  PartitionsFn on_revoked;     // before they are given up; drop state for them
};

class GroupConsumer {
 public:
  static Result<std::unique_ptr<GroupConsumer>> Create(const ClientConfig& config, GroupConsumerOptions options);
  ~GroupConsumer();

  // Appends up to `max_records` messages to `out`, waiting at most `max_wait`
  // for the first and returning as soon as no more are immediately available
  // after `linger`. Per-message errors other than partition EOF are returned
  // as a Status only when fatal; transient ones are logged and skipped.
  Status Poll(std::vector<MessagePtr>* out, size_t max_records, std::chrono::milliseconds max_wait,
              std::chrono::milliseconds linger);

  // Commits the given next-offsets (last processed + 1) for the group.
  Status Commit(const std::map<TopicPartition, int64_t>& next_offsets, bool async);
  // Moves a partition's fetch position (after an aborted transaction, say).
  Status Seek(const TopicPartition& tp, int64_t offset);
  // The group's committed offsets for the current assignment (kUseCommitted where none).
  Result<std::map<TopicPartition, int64_t>> Committed(std::chrono::milliseconds timeout);
  std::vector<TopicPartition> Assignment() const;
  // Per assigned partition, from librdkafka's caches (cheap: for metrics).
  std::vector<PartitionOffsets> Offsets() const;
  // Leaves the group cleanly (revokes partitions, commits nothing by itself).
  Status Close();

  // Timeout once no broker has answered for longer than `broker_timeout`
  // (librdkafka keeps retrying meanwhile; jobs call this when a Poll brought
  // nothing, so that a broker that never comes back ends them). A broker
  // that refused our login (broker_errors.h) fails it at once, as it fails
  // Create and Poll.
  Status CheckBrokers(std::chrono::milliseconds broker_timeout);
  // Since when CheckBrokers has found no broker answering; nullopt while one does.
  std::optional<std::chrono::steady_clock::time_point> BrokersDownSince() const;

  rd_kafka_t* handle() { return rk_.get(); }

 private:
  GroupConsumer() = default;
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                          void* opaque);
  void HandleRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void ApplyRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);

  GroupConsumerOptions options_;
  BrokerErrors broker_errors_;  // fed by OnError; declared before rk_, so it outlives the handle's callbacks
  HandlePtr rk_;
  std::vector<MessagePtr>* polling_into_ = nullptr;  // the batch being filled, for revocation
  size_t polling_from_ = 0;                           // first index added by the current Poll
  Status rebalance_error_;
  bool closed_ = false;
  bool closing_ = false;  // in Close() or the destructor: rebalances skip the job's callbacks
  // Steady-clock ms: when a broker last answered (a record, or a probe), when
  // CheckBrokers last probed, and since when no probe was answered (0: none failed).
  int64_t last_alive_ms_ = 0;
  int64_t last_probe_ms_ = 0;
  int64_t down_since_ms_ = 0;
};

}  // namespace rp::kafka
