#include "kafka/producer.h"

#include "common/log.h"
#include "kafka/statistics.h"

namespace rp::kafka {
namespace {

Status TxnError(rd_kafka_error_t* error, const std::string& what) {
  if (error == nullptr) return Status::OK();
  std::string msg = what + ": " + rd_kafka_error_string(error);
  bool fatal = rd_kafka_error_is_fatal(error);
  rd_kafka_error_destroy(error);
  return fatal ? Status::Conflict(msg + " (fatal)") : Status::IOError(msg);
}

}  // namespace

Result<std::unique_ptr<Producer>> Producer::Create(const ClientConfig& config,
                                                   const ProducerOptions& options) {
  ClientConfig effective = config;
  if (options.idempotent || options.transactional_id) effective.Set("enable.idempotence", "true");
  if (options.transactional_id) effective.Set("transactional.id", *options.transactional_id);
  RP_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, effective.BuildRdKafkaConf());

  std::unique_ptr<Producer> producer(new Producer());
  rd_kafka_conf_set_opaque(conf, producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &Producer::OnDelivery);
  rd_kafka_conf_set_stats_cb(conf, &Producer::OnStatistics);  // called only if statistics.interval.ms is set
  rd_kafka_conf_set_error_cb(conf, &Producer::OnError);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("cannot create Kafka producer: ") + err);
  }
  producer->rk_.reset(rk);
  return producer;
}

Producer::~Producer() {
  // Give in-flight records a short chance; the caller flushes explicitly when it matters.
  if (rk_) rd_kafka_flush(rk_.get(), 100);
  for (const auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
}

rd_kafka_topic_t* Producer::Topic(const std::string& topic) {
  for (const auto& [name, rkt] : topics_) {
    if (name == topic) return rkt;
  }
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr);
  if (rkt != nullptr) topics_.emplace_back(topic, rkt);
  return rkt;
}

void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->delivered_.fetch_add(1, std::memory_order_relaxed);
    if (msg->_private && self->listener_) self->listener_(reinterpret_cast<uintptr_t>(msg->_private));
    return;
  }
  self->delivery_errors_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(self->error_mu_);
  if (self->delivery_error_.ok()) {
    self->delivery_error_ = KafkaError(msg->err, std::string("delivery to ") + rd_kafka_topic_name(msg->rkt) +
                                                     "[" + std::to_string(msg->partition) + "] failed");
    self->has_delivery_error_.store(true, std::memory_order_release);
  }
}

void Producer::OnError(rd_kafka_t*, int err, const char* reason, void* opaque) {
  // A refusal comes back from the next call as the job's one error line.
  if (static_cast<Producer*>(opaque)->broker_errors_.Record(err, reason)) return;
  Log(LogLevel::kWarn, "kafka", "{}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

int Producer::OnStatistics(rd_kafka_t*, char* json, size_t json_len, void* opaque) {
  static_cast<Producer*>(opaque)->request_retries_.store(SumStatistic({json, json_len}, "txretries"),
                                                         std::memory_order_relaxed);
  return 0;  // librdkafka frees the JSON
}

Status Producer::TakeDeliveryError() {
  std::lock_guard<std::mutex> lock(error_mu_);
  Status s = delivery_error_;
  delivery_error_ = Status::OK();
  has_delivery_error_.store(false, std::memory_order_relaxed);
  return s;
}

Status Producer::Produce(const std::string& topic, int32_t partition, std::optional<std::string_view> key,
                         std::optional<std::string_view> value, const std::vector<Header>& headers,
                         uint64_t token) {
  std::vector<HeaderRef> refs;
  refs.reserve(headers.size());
  for (const Header& h : headers) refs.push_back({h.name, h.value});
  return Produce(topic, partition, key, value, std::span<const HeaderRef>(refs), token);
}

Status Producer::Produce(const std::string& topic, int32_t partition, std::optional<std::string_view> key,
                         std::optional<std::string_view> value, std::span<const HeaderRef> headers,
                         uint64_t token) {
  if (broker_errors_.has_refusal()) return broker_errors_.refused();
  // The mutex only once a delivery has failed: this runs for every record.
  if (has_delivery_error_.load(std::memory_order_acquire)) RP_RETURN_IF_ERROR(TakeDeliveryError());
  rd_kafka_headers_t* hdrs = nullptr;
  if (!headers.empty()) {
    hdrs = rd_kafka_headers_new(headers.size());
    for (const HeaderRef& h : headers) {
      rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()),
                          h.value ? h.value->data() : nullptr,
                          h.value ? static_cast<ssize_t>(h.value->size()) : 0);
    }
  }
  // produceva with a cached topic handle, not producev by name: producev
  // parses varargs and looks the topic up (a lock and a reference count) per
  // record, a tenth of reprocess's samples.
  rd_kafka_topic_t* rkt = Topic(topic);
  if (rkt == nullptr) {
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    return KafkaError(rd_kafka_last_error(), "topic handle for " + topic);
  }
  rd_kafka_vu_t vus[7];
  vus[0].vtype = RD_KAFKA_VTYPE_RKT;
  vus[0].u.rkt = rkt;
  vus[1].vtype = RD_KAFKA_VTYPE_PARTITION;
  vus[1].u.i32 = partition;
  vus[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vus[2].u.i = RD_KAFKA_MSG_F_COPY;
  vus[3].vtype = RD_KAFKA_VTYPE_VALUE;
  vus[3].u.mem.ptr = value ? const_cast<char*>(value->data()) : nullptr;
  vus[3].u.mem.size = value ? value->size() : 0;
  vus[4].vtype = RD_KAFKA_VTYPE_KEY;
  vus[4].u.mem.ptr = key ? const_cast<char*>(key->data()) : nullptr;
  vus[4].u.mem.size = key ? key->size() : 0;
  vus[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vus[5].u.ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(token));
  vus[6].vtype = RD_KAFKA_VTYPE_HEADERS;
  vus[6].u.headers = hdrs;
  const size_t count = hdrs ? 7 : 6;
  while (true) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (rd_kafka_error_t* error = rd_kafka_produceva(rk_.get(), vus, count)) {
      err = rd_kafka_error_code(error);
      rd_kafka_error_destroy(error);
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::OK();  // librdkafka owns hdrs now
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (stop_ && stop_->load()) {
        if (hdrs) rd_kafka_headers_destroy(hdrs);
        return Status::Timeout("stopped while waiting for room in the producer's queue");
      }
      rd_kafka_poll(rk_.get(), 1);  // backpressure: wait for deliveries to free room
      continue;
    }
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    return KafkaError(err, "produce to " + topic + "[" + std::to_string(partition) + "]");
  }
}

Status Producer::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
  RP_RETURN_IF_ERROR(TakeDeliveryError());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(err, std::to_string(rd_kafka_outq_len(rk_.get())) + " records still unacknowledged");
  }
  return Status::OK();
}

Result<int32_t> Producer::PartitionCount(const std::string& topic, std::chrono::milliseconds timeout) {
  RP_ASSIGN_OR_RETURN(std::vector<int32_t> ids, TopicPartitions(topic, timeout));
  return static_cast<int32_t>(ids.size());
}

Result<std::vector<int32_t>> Producer::TopicPartitions(const std::string& topic,
                                                       std::chrono::milliseconds timeout) {
  return TopicPartitionsOnceConnected(rk_.get(), topic, timeout, broker_errors_);
}

Status Producer::InitTransactions(std::chrono::milliseconds timeout) {
  return TxnError(rd_kafka_init_transactions(rk_.get(), static_cast<int>(timeout.count())),
                  "init transactions");
}
Status Producer::BeginTransaction() {
  return TxnError(rd_kafka_begin_transaction(rk_.get()), "begin transaction");
}
Status Producer::SendOffsetsToTransaction(rd_kafka_t* consumer, const std::map<TopicPartition, int64_t>& next,
                                          std::chrono::milliseconds timeout) {
  TopicPartitionListPtr offsets(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
  for (const auto& [tp, offset] : next) {
    rd_kafka_topic_partition_list_add(offsets.get(), tp.first.c_str(), tp.second)->offset = offset;
  }
  rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata(consumer);
  Status s = TxnError(
      rd_kafka_send_offsets_to_transaction(rk_.get(), offsets.get(), cgmd, static_cast<int>(timeout.count())),
      "send offsets to transaction");
  rd_kafka_consumer_group_metadata_destroy(cgmd);
  return s;
}
Status Producer::CommitTransaction(std::chrono::milliseconds timeout) {
  RP_RETURN_IF_ERROR(TxnError(rd_kafka_commit_transaction(rk_.get(), static_cast<int>(timeout.count())),
                              "commit transaction"));
  return TakeDeliveryError();
}
Status Producer::AbortTransaction(std::chrono::milliseconds timeout) {
  (void)TakeDeliveryError();  // the aborted records' failures no longer matter
  return TxnError(rd_kafka_abort_transaction(rk_.get(), static_cast<int>(timeout.count())),
                  "abort transaction");
}

}  // namespace rp::kafka
