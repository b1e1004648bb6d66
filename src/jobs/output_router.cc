#include "jobs/output_router.h"

#include <charconv>
#include <chrono>
#include <random>

#include "kafka/admin.h"

namespace rp::jobs {

Result<Partitioning> ParsePartitioning(std::string_view name) {
  if (name == "preserve") return Partitioning::kPreserve;
  if (name == "key") return Partitioning::kKey;
  if (name == "random") return Partitioning::kRandom;
  return Status::InvalidArgument("unknown partitioning '" + std::string(name) +
                                 "' (preserve, key or random)");
}

logic::InputRecord ToInputRecord(const SourceRecord& record) {
  logic::InputRecord in;
  in.value = record.value;
  in.key = record.key;
  in.headers = record.headers;
  in.topic = record.topic;
  in.partition = record.partition;
  in.offset = record.offset;
  in.timestamp_ms = record.timestamp_ms;
  return in;
}

OutputRouter::OutputRouter(kafka::Producer* producer, logic::Logic* logic, OutputRouterOptions options)
    : producer_(producer),
      logic_(logic),
      options_(std::move(options)),
      random_state_(std::random_device{}()) {}

Result<std::unique_ptr<OutputRouter>> OutputRouter::Create(kafka::Producer* producer, logic::Logic* logic,
                                                           OutputRouterOptions options) {
  if (options.dlq_topic.empty()) options.dlq_topic = options.output_topic + "-dlq";
  std::unique_ptr<OutputRouter> router(new OutputRouter(producer, logic, std::move(options)));
  constexpr std::chrono::seconds kTimeout(30);
  // The first broker request: through the producer, so a refused login fails it at once.
  auto out = producer->TopicPartitions(router->options_.output_topic, kTimeout);
  if (!out.ok()) return out.status();
  router->output_partitions_ = static_cast<int32_t>(out->size());
  RP_RETURN_IF_ERROR(kafka::EnsureTopic(producer->handle(), router->options_.dlq_topic,
                                        router->output_partitions_, kTimeout));
  auto dlq = kafka::TopicPartitions(producer->handle(), router->options_.dlq_topic, kTimeout);
  if (!dlq.ok()) return dlq.status();
  router->dlq_partitions_ = static_cast<int32_t>(dlq->size());
  router->output_rkt_ = producer->Topic(router->options_.output_topic);
  if (router->output_rkt_ == nullptr) {
    return kafka::KafkaError(rd_kafka_last_error(), "topic handle for " + router->options_.output_topic);
  }
  if (metrics::JobMetrics* m = router->options_.metrics) {
    router->producer_hook_ = m->OnScrape([m, producer] {
      m->SetProducerState(producer->queue_length(), producer->delivery_errors(), producer->request_retries());
    });
  }
  return router;
}

int32_t OutputRouter::PartitionFor(const SourceRecord& record, int32_t partition_count) {
  switch (options_.partitioning) {
    case Partitioning::kKey:
      if (record.key) {
        return rd_kafka_msg_partitioner_murmur2(output_rkt_, record.key->data(), record.key->size(),
                                                partition_count, nullptr, nullptr);
      }
      // No key: the source partition, not a random one (a Java producer's
      // choice), so a replay puts the record where the live job did.
      [[fallthrough]];
    case Partitioning::kPreserve:
      return record.partition % partition_count;
    case Partitioning::kRandom:
      // xorshift: cheap and good enough to spread load.
      random_state_ ^= random_state_ << 13;
      random_state_ ^= random_state_ >> 7;
      random_state_ ^= random_state_ << 17;
      return static_cast<int32_t>(random_state_ % static_cast<uint64_t>(partition_count));
  }
  return 0;
}

namespace {

// `value` in decimal, in `digits` (big enough for any value of its type).
template <typename Int, size_t N>
std::string_view Decimal(Int value, char (&digits)[N]) {
  const auto end = std::to_chars(digits, digits + N, value).ptr;
  return std::string_view(digits, static_cast<size_t>(end - digits));
}

}  // namespace

// Sets headers_ to `first` headers already there (the logic's), then the
// source headers, then `extra` more slots for the caller. Views only: nothing
// is copied until the producer copies the lot.
void OutputRouter::SetSourceHeaders(const SourceRecord& record, size_t first, size_t extra) {
  headers_.resize(first + (options_.run_id ? 4 : 3) + extra);
  kafka::HeaderRef* h = headers_.data() + first;
  *h++ = {kHeaderSourceTopic, record.topic};
  *h++ = {kHeaderSourcePartition, Decimal(record.partition, partition_digits_)};
  *h++ = {kHeaderSourceOffset, Decimal(record.offset, offset_digits_)};
  if (options_.run_id) *h = {kHeaderReprocessRun, std::string_view(*options_.run_id)};
}

Status OutputRouter::Process(const SourceRecord& record) {
  metrics::JobMetrics* const m = options_.metrics;
  if (m) {
    m->RecordsIn(1, static_cast<int64_t>(record.key.value_or("").size() + record.value.value_or("").size()));
  }
  const logic::Outcome outcome = logic_->Apply(ToInputRecord(record), &output_, &rejection_);
  if (outcome == logic::Outcome::kFiltered) {
    ++filtered_;
    if (m) m->RecordFiltered();
    // Nothing to deliver: the position is done at once.
    if (record.delivery_token != 0) producer_->NotifyDone(record.delivery_token);
    return Status::OK();
  }
  if (outcome == logic::Outcome::kOutput) {
    SetSourceHeaders(record, output_.headers.size(), 0);
    for (size_t i = 0; i < output_.headers.size(); ++i) {
      const logic::Header& h = output_.headers[i];
      headers_[i] = {h.name, h.value ? std::optional<std::string_view>(*h.value) : std::nullopt};
    }
    SourceRecord routed = record;
    if (output_.key) {
      routed.key = *output_.key;
    } else {
      routed.key.reset();
    }
    RP_RETURN_IF_ERROR(producer_->Produce(options_.output_topic, PartitionFor(routed, output_partitions_),
                                          routed.key, output_.value, headers_, record.delivery_token));
    ++produced_;
    if (m) {
      m->RecordsOut(1, static_cast<int64_t>(routed.key.value_or("").size() +
                                            (output_.value ? output_.value->size() : 0)));
    }
    return Status::OK();
  }
  SetSourceHeaders(record, 0, 2);
  headers_[headers_.size() - 2] = {kHeaderDlqReason, rejection_.reason};
  headers_[headers_.size() - 1] = {kHeaderDlqDetail, rejection_.detail};
  RP_RETURN_IF_ERROR(producer_->Produce(options_.dlq_topic, PartitionFor(record, dlq_partitions_), record.key,
                                        record.value, headers_, record.delivery_token));
  ++dead_lettered_;
  if (m) m->RecordsDeadLettered(rejection_.reason);
  return Status::OK();
}

}  // namespace rp::jobs
