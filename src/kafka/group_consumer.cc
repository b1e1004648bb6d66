#include "kafka/group_consumer.h"

#include <algorithm>
#include <set>

#include "common/log.h"
#include "kafka/broker_errors.h"

namespace rp::kafka {

Result<std::unique_ptr<GroupConsumer>> GroupConsumer::Create(const ClientConfig& config,
                                                             GroupConsumerOptions options) {
  ClientConfig effective = config;
  effective.Set("group.id", options.group_id);
  effective.Set("enable.auto.commit", "false");        // offsets are committed only after the output is safe
  effective.Set("enable.auto.offset.store", "false");
  if (!effective.Get("auto.offset.reset")) effective.Set("auto.offset.reset", "earliest");
  if (options.read_committed) effective.Set("isolation.level", "read_committed");
  // A partition whose local queue is full is fetched again after this long
  // (librdkafka >= 2.2; its default is 1 s). A job that drains a backlog
  // faster than that would otherwise wait out the second with an empty queue.
  if (!effective.Get("fetch.queue.backoff.ms")) effective.Set("fetch.queue.backoff.ms", "10");
  RP_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, effective.BuildRdKafkaConf());

  std::unique_ptr<GroupConsumer> consumer(new GroupConsumer());
  consumer->options_ = std::move(options);
  rd_kafka_conf_set_opaque(conf, consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf, &GroupConsumer::OnRebalance);
  rd_kafka_conf_set_error_cb(conf, &GroupConsumer::OnError);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("cannot create Kafka consumer: ") + err);
  }
  consumer->rk_.reset(rk);
  rd_kafka_poll_set_consumer(rk);

  TopicPartitionListPtr topics(rd_kafka_topic_partition_list_new(static_cast<int>(consumer->options_.topics.size())));
  for (const auto& t : consumer->options_.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  // A missing topic is the user's mistake: say so now rather than wait on it.
  // A refused login ends the wait at once (broker_errors.h).
  for (const auto& t : consumer->options_.topics) {
    auto partitions = TopicPartitionsOnceConnected(rk, t, std::chrono::seconds(30), consumer->broker_errors_);
    if (!partitions.ok()) return partitions.status();
  }
  rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics.get());
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(e, "subscribe");
  return consumer;
}

GroupConsumer::~GroupConsumer() {
  closing_ = true;
  if (rk_ && !closed_) rd_kafka_consumer_close(rk_.get());
}

namespace {
int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void GroupConsumer::OnError(rd_kafka_t*, int err, const char* reason, void* opaque) {
  // A refusal is returned by the next Poll/CheckBrokers as the job's one error line.
  if (static_cast<GroupConsumer*>(opaque)->broker_errors_.Record(err, reason)) return;
  Log(LogLevel::kWarn, "kafka", "{}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

// librdkafka retries an unreachable broker forever and, since 2.x, no longer
// reports "all brokers down" reliably (2.12 never raised it in 15 s). So the
// evidence is our own: a record received, or a metadata request answered.
// While records flow nothing is asked; an idle job asks once a second (a
// Metadata request without topics, answered in about a millisecond).
Status GroupConsumer::CheckBrokers(std::chrono::milliseconds broker_timeout) {
  RP_RETURN_IF_ERROR(broker_errors_.refused());
  const int64_t now = SteadyMs();
  if (now - last_alive_ms_ < 1000 || now - last_probe_ms_ < 1000) return Status::OK();
  last_probe_ms_ = now;
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_.get(), 0, nullptr, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(md);
    if (down_since_ms_ != 0) Log(LogLevel::kInfo, "kafka", "brokers reachable again");
    down_since_ms_ = 0;
    last_alive_ms_ = SteadyMs();
    return Status::OK();
  }
  if (down_since_ms_ == 0) {
    down_since_ms_ = now;
    Log(LogLevel::kWarn, "kafka", "no broker answers; retrying for up to {} s", broker_timeout.count() / 1000);
  }
  const int64_t down_ms = SteadyMs() - down_since_ms_;
  if (down_ms > broker_timeout.count()) {
    return Status::Timeout("no Kafka broker reachable for " + std::to_string(down_ms / 1000) + " s");
  }
  return Status::OK();
}

void GroupConsumer::OnRebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                                void* opaque) {
  static_cast<GroupConsumer*>(opaque)->HandleRebalance(err, partitions);
}

void GroupConsumer::HandleRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  if (closing_) {
    // Leaving the group: take what the coordinator hands out and give it
    // back, without the job's callbacks (its state may already be gone).
    ApplyRebalance(err, partitions);
    return;
  }
  std::vector<TopicPartition> tps;
  for (int i = 0; i < partitions->cnt; ++i) tps.emplace_back(partitions->elems[i].topic, partitions->elems[i].partition);

  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    for (int i = 0; i < partitions->cnt; ++i) {
      auto& tp = partitions->elems[i];
      int64_t start = kUseCommitted;
      if (options_.start_offset) {
        Result<int64_t> r = options_.start_offset(tp.topic, tp.partition);
        if (!r.ok()) {
          // Without a known start we must not consume this partition at all.
          if (rebalance_error_.ok()) rebalance_error_ = r.status();
          continue;
        }
        start = *r;
      }
      if (start == RD_KAFKA_OFFSET_BEGINNING) {
        // Assigned the logical "beginning", librdkafka first resolves it with
        // an offset request of its own and fetches only after that (2.0
        // waited ~400 ms); the partition's first offset, looked up now,
        // starts it at once. (Should retention remove it before the
        // fetch, auto.offset.reset applies, as for any out-of-range offset.)
        int64_t low = 0, high = 0;
        if (rd_kafka_query_watermark_offsets(rk_.get(), tp.topic, tp.partition, &low, &high, 5000) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
          start = low;
        }
      }
      tp.offset = start;
    }
    std::string list;
    for (const auto& [t, p] : tps) list += (list.empty() ? "" : ", ") + t + "[" + std::to_string(p) + "]";
    Log(LogLevel::kInfo, "kafka", "assigned {}", list.empty() ? "nothing" : list);
    ApplyRebalance(err, partitions);
    if (options_.on_assigned) options_.on_assigned(tps);
    return;
  }
  // Revoked (or an error): drop what this Poll gathered for those partitions.
  if (polling_into_) {
    std::set<TopicPartition> gone(tps.begin(), tps.end());
    auto first = polling_into_->begin() + static_cast<std::ptrdiff_t>(polling_from_);
    auto kept = std::remove_if(first, polling_into_->end(), [&](const MessagePtr& m) {
      return gone.count({rd_kafka_topic_name(m->rkt), m->partition}) > 0;
    });
    polling_into_->erase(kept, polling_into_->end());
  }
  if (options_.on_revoked) options_.on_revoked(tps);
  Log(LogLevel::kInfo, "kafka", "revoked {} partition(s)", tps.size());
  ApplyRebalance(err, partitions);
}

// The eager protocol hands over the whole new assignment and takes all of it
// back; the cooperative one (the consumer protocol of KIP-848, or the classic
// protocol with cooperative-sticky) only the partitions that move. Either
// way `partitions` is what the job's callbacks were told about.
void GroupConsumer::ApplyRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  const bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  if (std::string_view(rd_kafka_rebalance_protocol(rk_.get())) == "COOPERATIVE") {
    rd_kafka_error_t* error = assign ? rd_kafka_incremental_assign(rk_.get(), partitions)
                                     : rd_kafka_incremental_unassign(rk_.get(), partitions);
    if (error) {
      Log(LogLevel::kWarn, "kafka", "{}: {}", assign ? "incremental assign" : "incremental unassign",
          rd_kafka_error_string(error));
      rd_kafka_error_destroy(error);
    }
    return;
  }
  rd_kafka_assign(rk_.get(), assign ? partitions : nullptr);
}

Status GroupConsumer::Poll(std::vector<MessagePtr>* out, size_t max_records, std::chrono::milliseconds max_wait,
                           std::chrono::milliseconds linger) {
  polling_into_ = out;
  polling_from_ = out->size();
  const auto deadline = std::chrono::steady_clock::now() + max_wait;
  std::chrono::steady_clock::time_point linger_until{};
  size_t got = 0;
  Status status;
  size_t since_clock = 0;
  while (got < max_records) {
    rd_kafka_message_t* raw = nullptr;
    // While records are queued, take them without reading the clock (a read
    // per record cost sync 8% of its time); the deadline is looked at every
    // 256 records and whenever the queue is empty.
    if (got > 0 && ++since_clock < 256) raw = rd_kafka_consumer_poll(rk_.get(), 0);
    if (!raw) {
      since_clock = 0;
      auto now = std::chrono::steady_clock::now();
      auto until = got == 0 ? deadline : std::min(deadline, linger_until);
      if (now >= until && (got > 0 || now >= deadline)) break;
      int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count());
      raw = rd_kafka_consumer_poll(rk_.get(), std::max(wait_ms, 0));
    }
    if (!rebalance_error_.ok()) {
      status = rebalance_error_;
      rebalance_error_ = Status::OK();
      break;
    }
    if (broker_errors_.has_refusal()) {
      MessagePtr dropped(raw);  // the job fails; a restart reads it again
      status = broker_errors_.refused();
      break;
    }
    if (!raw) {
      if (got > 0 || std::chrono::steady_clock::now() >= deadline) break;
      continue;
    }
    MessagePtr m(raw);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        char reason[512];
        rd_kafka_fatal_error(rk_.get(), reason, sizeof reason);
        status = Status::IOError(std::string("fatal consumer error: ") + reason);
        break;
      }
      // Transient (broker down, transport, a topic whose metadata is still
      // propagating right after creation): librdkafka retries on its own.
      // A topic missing at start is caught by Create().
      Log(LogLevel::kWarn, "kafka", "consumer: {}", rd_kafka_message_errstr(m.get()));
      continue;
    }
    if (got == 0) {
      linger_until = std::chrono::steady_clock::now() + linger;
      last_alive_ms_ = SteadyMs();  // a broker answered (see CheckBrokers)
    }
    out->push_back(std::move(m));
    got = out->size() - polling_from_;  // a revocation may have removed some
  }
  polling_into_ = nullptr;
  return status;
}

Status GroupConsumer::Commit(const std::map<TopicPartition, int64_t>& next_offsets, bool async) {
  if (next_offsets.empty()) return Status::OK();
  TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
  for (const auto& [tp, offset] : next_offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = offset;
  }
  return KafkaError(rd_kafka_commit(rk_.get(), list.get(), async ? 1 : 0), "commit offsets");
}

Status GroupConsumer::Seek(const TopicPartition& tp, int64_t offset) {
  TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = offset;
  rd_kafka_error_t* error = rd_kafka_seek_partitions(rk_.get(), list.get(), 10000);
  if (error) {
    std::string msg = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    return Status::IOError("seek " + tp.first + "[" + std::to_string(tp.second) + "]: " + msg);
  }
  return KafkaError(list->elems[0].err, "seek");
}

Result<std::map<TopicPartition, int64_t>> GroupConsumer::Committed(std::chrono::milliseconds timeout) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_assignment(rk_.get(), &raw);
  TopicPartitionListPtr list(raw);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(e, "assignment");
  e = rd_kafka_committed(rk_.get(), list.get(), static_cast<int>(timeout.count()));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(e, "committed offsets");
  std::map<TopicPartition, int64_t> result;
  for (int i = 0; i < list->cnt; ++i) {
    result[{list->elems[i].topic, list->elems[i].partition}] = list->elems[i].offset;
  }
  return result;
}

std::optional<int64_t> LagRecords(int64_t next, int64_t low, int64_t high) {
  if (high < 0) return std::nullopt;
  const int64_t from = std::max({next, low, int64_t{0}});
  return std::max<int64_t>(high - from, 0);
}

std::vector<PartitionOffsets> GroupConsumer::Offsets() const {
  std::vector<PartitionOffsets> result;
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return result;
  TopicPartitionListPtr list(raw);
  rd_kafka_position(rk_.get(), list.get());
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    PartitionOffsets p{{e.topic, e.partition}, e.offset};
    if (rd_kafka_get_watermark_offsets(rk_.get(), e.topic, e.partition, &p.low, &p.high) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      p.low = p.high = RD_KAFKA_OFFSET_INVALID;
    }
    result.push_back(std::move(p));
  }
  return result;
}

std::optional<std::chrono::steady_clock::time_point> GroupConsumer::BrokersDownSince() const {
  if (down_since_ms_ == 0) return std::nullopt;
  return std::chrono::steady_clock::time_point(std::chrono::milliseconds(down_since_ms_));
}

std::vector<TopicPartition> GroupConsumer::Assignment() const {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  std::vector<TopicPartition> tps;
  if (rd_kafka_assignment(rk_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return tps;
  TopicPartitionListPtr list(raw);
  for (int i = 0; i < list->cnt; ++i) tps.emplace_back(list->elems[i].topic, list->elems[i].partition);
  return tps;
}

Status GroupConsumer::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  closing_ = true;
  return KafkaError(rd_kafka_consumer_close(rk_.get()), "close consumer");
}

}  // namespace rp::kafka
