// The `stream` job: consume the input topic, apply the shared logic, produce
// to the output topic (rejections to the DLQ topic), continuously.
//
// Delivery:
//   at-least-once (default): idempotent producer; a batch's group offsets are
//     committed only after every output record of the batch is acknowledged.
//   exactly-once: each batch is one Kafka transaction that also carries the
//     consumed offsets; read_committed readers see each input once. Each
//     instance has its own transactional id (group, input topic and
//     instance id), so many instances can share a group; the consumer-group
//     metadata sent with the offsets fences a member that lost its
//     partitions (KIP-447), and a restarted instance with the same id fences
//     and aborts its predecessor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "jobs/output_router.h"
#include "kafka/client_config.h"
#include "logic/logic.h"
#include "metrics/job_metrics.h"

namespace rp::jobs {

enum class Delivery { kAtLeastOnce, kExactlyOnce };
Result<Delivery> ParseDelivery(std::string_view name);

struct StreamJobOptions {
  kafka::ClientConfig kafka;
  std::string input_topic = "visits";
  std::string group_id = "reprocessor-stream";
  // Exactly-once: this instance's stable name, unique among the group's
  // instances (default: the host name; see DefaultInstanceId).
  std::string instance_id;
  Delivery delivery = Delivery::kAtLeastOnce;
  logic::LogicSpec logic;  // visits by default
  OutputRouterOptions output;
  size_t max_batch_records = 10000;
  std::chrono::milliseconds max_batch_wait{100};  // idle poll slice (stop checks)
  std::chrono::milliseconds linger{2};            // wait for more records after the first
  // How long the job keeps retrying an unreachable broker before it gives up.
  std::chrono::milliseconds broker_timeout{std::chrono::minutes(5)};
  // --metrics-address: counts, lag and health go here (must outlive the job).
  metrics::JobMetrics* metrics = nullptr;
};

struct StreamJobStats {
  int64_t consumed = 0, produced = 0, filtered = 0, dead_lettered = 0, batches = 0;
};

// The host name: stable across restarts of one machine or pod.
std::string DefaultInstanceId();
// The transactional id of an exactly-once instance.
std::string TransactionalId(const StreamJobOptions& options);

// Runs until `stop` becomes true (then finishes the batch and returns OK) or a
// non-retriable error occurs.
Status RunStreamJob(const StreamJobOptions& options, const std::atomic<bool>& stop, StreamJobStats* stats);

}  // namespace rp::jobs
