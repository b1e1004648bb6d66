#include "jobs/output_router.h"

#include <chrono>
#include <random>

#include "kafka/admin.h"

namespace rp::jobs {

Result<Partitioning> ParsePartitioning(std::string_view name) {
  if (name == "preserve") return Partitioning::kPreserve;
  if (name == "key") return Partitioning::kKey;
  if (name == "random") return Partitioning::kRandom;
  return Status::InvalidArgument("unknown partitioning '" + std::string(name) + "' (preserve, key or random)");
}

OutputRouter::OutputRouter(kafka::Producer* producer, logic::TransformOptions transform, OutputRouterOptions options)
    : producer_(producer),
      transformer_(std::move(transform)),
      options_(std::move(options)),
      random_state_(std::random_device{}()) {}

OutputRouter::~OutputRouter() {
  if (output_rkt_) rd_kafka_topic_destroy(output_rkt_);
}

Result<std::unique_ptr<OutputRouter>> OutputRouter::Create(kafka::Producer* producer,
                                                           logic::TransformOptions transform,
                                                           OutputRouterOptions options) {
  if (options.dlq_topic.empty()) options.dlq_topic = options.output_topic + "-dlq";
  std::unique_ptr<OutputRouter> router(new OutputRouter(producer, std::move(transform), std::move(options)));
  constexpr std::chrono::seconds kTimeout(30);
  auto out = kafka::TopicPartitions(producer->handle(), router->options_.output_topic, kTimeout);
  if (!out.ok()) return out.status();
  router->output_partitions_ = static_cast<int32_t>(out->size());
  RP_RETURN_IF_ERROR(
      kafka::EnsureTopic(producer->handle(), router->options_.dlq_topic, router->output_partitions_, kTimeout));
  auto dlq = kafka::TopicPartitions(producer->handle(), router->options_.dlq_topic, kTimeout);
  if (!dlq.ok()) return dlq.status();
  router->dlq_partitions_ = static_cast<int32_t>(dlq->size());
  router->output_rkt_ = rd_kafka_topic_new(producer->handle(), router->options_.output_topic.c_str(), nullptr);
  return router;
}

int32_t OutputRouter::PartitionFor(const SourceRecord& record, int32_t partition_count) {
  switch (options_.partitioning) {
    case Partitioning::kPreserve:
      return record.partition % partition_count;
    case Partitioning::kKey:
      if (record.key) {
        return rd_kafka_msg_partitioner_murmur2(output_rkt_, record.key->data(), record.key->size(), partition_count,
                                                nullptr, nullptr);
      }
      [[fallthrough]];
    case Partitioning::kRandom:
      // xorshift: cheap and good enough to spread load.
      random_state_ ^= random_state_ << 13;
      random_state_ ^= random_state_ >> 7;
      random_state_ ^= random_state_ << 17;
      return static_cast<int32_t>(random_state_ % static_cast<uint64_t>(partition_count));
  }
  return 0;
}

void OutputRouter::SetSourceHeaders(const SourceRecord& record) {
  headers_.resize(3);
  headers_[0].name = kHeaderSourceTopic;
  headers_[0].value = std::string(record.topic);
  headers_[1].name = kHeaderSourcePartition;
  headers_[1].value = std::to_string(record.partition);
  headers_[2].name = kHeaderSourceOffset;
  headers_[2].value = std::to_string(record.offset);
  if (options_.run_id) headers_.push_back({kHeaderReprocessRun, *options_.run_id});
}

std::optional<logic::Rejection> OutputRouter::Preview(const SourceRecord& record, std::string* output) {
  if (!record.value) return logic::Rejection{logic::RejectReason::kEmptyValue, "tombstone (null value)"};
  return transformer_.Transform(*record.value, output);
}

Status OutputRouter::Process(const SourceRecord& record) {
  std::optional<logic::Rejection> rejection = Preview(record, &output_);
  SetSourceHeaders(record);
  if (!rejection) {
    RP_RETURN_IF_ERROR(producer_->Produce(options_.output_topic, PartitionFor(record, output_partitions_),
                                          record.key, output_, headers_, record.delivery_token));
    ++produced_;
    return Status::OK();
  }
  headers_.push_back({kHeaderDlqReason, logic::RejectReasonName(rejection->reason)});
  headers_.push_back({kHeaderDlqDetail, rejection->detail});
  RP_RETURN_IF_ERROR(producer_->Produce(options_.dlq_topic, PartitionFor(record, dlq_partitions_), record.key,
                                        record.value, headers_, record.delivery_token));
  ++dead_lettered_;
  return Status::OK();
}

}  // namespace rp::jobs
