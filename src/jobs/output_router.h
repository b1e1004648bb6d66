// OutputRouter: the one way `stream` and `reprocess` write results to Kafka.
// It applies the job's logic (logic::Logic, whichever kind) to a record, then
// produces the output record, counts a filtered one, or dead-letters the
// rejection, choosing the output partition and attaching the source headers. Keeping this in one place is
// what makes a reprocessed record indistinguishable from a streamed one, apart from its run header.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kafka/producer.h"
#include "logic/logic.h"
#include "metrics/job_metrics.h"

namespace rp::jobs {

// Header names on every output and dead-letter record.
inline constexpr const char* kHeaderSourceTopic = "source-topic";
inline constexpr const char* kHeaderSourcePartition = "source-partition";
inline constexpr const char* kHeaderSourceOffset = "source-offset";
inline constexpr const char* kHeaderReprocessRun = "reprocess-run";
inline constexpr const char* kHeaderDlqReason = "dlq-reason";
inline constexpr const char* kHeaderDlqDetail = "dlq-detail";

enum class Partitioning {
  kPreserve,  // the input partition, modulo the output's partition count
  kKey,       // murmur2 of the key, as Java clients do; a null key: as kPreserve
  kRandom,
};
Result<Partitioning> ParsePartitioning(std::string_view name);

struct SourceRecord {
  std::string_view topic;
  int32_t partition;
  int64_t offset;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;  // nullopt: a tombstone
  uint64_t delivery_token = 0;            // passed to the producer's delivery listener
  std::span<const logic::HeaderView> headers = {};
  int64_t timestamp_ms = -1;
};

// The logic's view of a source record.
logic::InputRecord ToInputRecord(const SourceRecord& record);

struct OutputRouterOptions {
  std::string output_topic;
  std::string dlq_topic;  // empty: "<output_topic>-dlq"
  Partitioning partitioning = Partitioning::kPreserve;
  std::optional<std::string> run_id;  // set by `reprocess`: the reprocess-run header
  // Counts records in, out, filtered and dead-lettered, and reads the
  // producer's queue and errors at each scrape (must outlive the router).
  metrics::JobMetrics* metrics = nullptr;
};

class OutputRouter {
 public:
  // Looks up both topics' partition counts; creates the DLQ topic if missing
  // (with the output's partition count). A missing output topic is NotFound.
  // `logic` is the job's and must outlive the router.
  static Result<std::unique_ptr<OutputRouter>> Create(kafka::Producer* producer, logic::Logic* logic,
                                                      OutputRouterOptions options);
  ~OutputRouter() = default;
  OutputRouter(const OutputRouter&) = delete;
  OutputRouter& operator=(const OutputRouter&) = delete;

  // Transforms and produces one record (or its dead letter; a filtered one
  // is only counted).
  Status Process(const SourceRecord& record);

  int64_t produced() const { return produced_; }
  int64_t filtered() const { return filtered_; }
  int64_t dead_lettered() const { return dead_lettered_; }
  const std::string& output_topic() const { return options_.output_topic; }
  const std::string& dlq_topic() const { return options_.dlq_topic; }
  kafka::Producer* producer() { return producer_; }

 private:
  OutputRouter(kafka::Producer* producer, logic::Logic* logic, OutputRouterOptions options);
  int32_t PartitionFor(const SourceRecord& record, int32_t partition_count);
  void SetSourceHeaders(const SourceRecord& record, size_t first, size_t extra);

  kafka::Producer* producer_;
  logic::Logic* logic_;
  OutputRouterOptions options_;
  int32_t output_partitions_ = 1;
  int32_t dlq_partitions_ = 1;
  rd_kafka_topic_t* output_rkt_ = nullptr;  // for the murmur2 partitioner; the producer's
  // Reused per record: views of the record, the logic's output and
  // rejection, and the digits below, valid until Produce has copied them.
  std::vector<kafka::HeaderRef> headers_;
  char partition_digits_[12];
  char offset_digits_[21];
  logic::OutputRecord output_;       // reused per record
  logic::LogicRejection rejection_;  // reused per record
  int64_t produced_ = 0;
  int64_t filtered_ = 0;
  int64_t dead_lettered_ = 0;
  uint64_t random_state_;
  metrics::ScrapeHook producer_hook_;  // reads producer_ at scrapes; unregistered before it goes
};

}  // namespace rp::jobs
