// bench_kafka: the Kafka side of bench/run. Baselines (raw produce, a minimal
// consumer, a raw consume+produce pipe) and probes (end-to-end latency of the
// stream job, freshness of the sync job's table, time to a first record).
// Each command prints one JSON object on stdout. Times come from one clock
// (CLOCK_MONOTONIC, as Python's time.monotonic_ns) so bench/run can compare.
//
//   bench_kafka produce  -b B -t visits -n 1000000 [--rate R]
//   bench_kafka consume  -b B -t visits -n 1000000
//   bench_kafka pipe     -b B -t visits --to copy -n 1000000
//   bench_kafka latency  -b B -t in --to out --rate 10000 --seconds 10
//   bench_kafka freshness -b B -t in --table T --rate 1000 --seconds 10
//   bench_kafka wait-count -b B -t out -n 1000000   (prints when reached)
//   bench_kafka first    -b B -t out                (prints when a record arrives)
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "seed_records.h"

namespace {

using rp::bench::SeedShapedRecord;

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_kafka: %s\n", what.c_str());
  std::exit(1);
}

struct Common {
  std::string brokers = "127.0.0.1:9092";
  std::string topic;
  std::vector<std::string> props;  // -X key=value
};

rd_kafka_conf_t* NewConf(const Common& c) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) Die(err);
  };
  set("bootstrap.servers", c.brokers);
  for (const auto& p : c.props) {
    auto eq = p.find('=');
    if (eq == std::string::npos) Die("-X wants key=value: " + p);
    set(p.substr(0, eq), p.substr(eq + 1));
  }
  return conf;
}

void Set(rd_kafka_conf_t* conf, const char* k, const char* v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) Die(err);
}

rd_kafka_t* NewClient(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) Die(err);
  return rk;
}

int PartitionCount(rd_kafka_t* rk, const std::string& topic) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 5000);
    rd_kafka_topic_destroy(t);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
      int n = md->topic_cnt == 1 && md->topics[0].err == 0 ? md->topics[0].partition_cnt : 0;
      rd_kafka_metadata_destroy(md);
      if (n > 0) return n;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Die("topic " + topic + " has no partitions");
}

// Sum of high watermarks (for a topic only ever appended to: its record count).
int64_t HighWatermarkSum(rd_kafka_t* rk, const std::string& topic, int partitions) {
  int64_t sum = 0;
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 5000);
    if (e) Die(std::string("watermarks: ") + rd_kafka_err2str(e));
    sum += hi;
  }
  return sum;
}

// A consumer without a group, assigned to every partition of `topic` at the
// beginning (or at the current end).
rd_kafka_t* AssignedConsumer(const Common& c, bool from_end, int* partitions_out) {
  rd_kafka_conf_t* conf = NewConf(c);
  Set(conf, "group.id", "bench-kafka-unused");  // required by the API, no group is joined
  // librdkafka 2.0 stops fetching for up to 1 s once a partition's queue holds
  // queued.min.messages; a baseline tuned for speed keeps that out of reach.
  Set(conf, "queued.min.messages", "1000000");
  Set(conf, "enable.auto.commit", "false");
  Set(conf, "enable.partition.eof", "false");
  rd_kafka_t* rk = NewClient(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(rk);
  int partitions = PartitionCount(rk, c.topic);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    int64_t offset = RD_KAFKA_OFFSET_BEGINNING;
    if (from_end) {
      int64_t lo = 0, hi = 0;
      if (rd_kafka_query_watermark_offsets(rk, c.topic.c_str(), p, &lo, &hi, 5000)) Die("watermarks");
      offset = hi;
    }
    rd_kafka_topic_partition_list_add(list, c.topic.c_str(), p)->offset = offset;
  }
  if (rd_kafka_assign(rk, list)) Die("assign");
  rd_kafka_topic_partition_list_destroy(list);
  if (partitions_out) *partitions_out = partitions;
  return rk;
}

void CloseConsumer(rd_kafka_t* rk) {
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

// ---- produce -------------------------------------------------------------

struct Sent {
  int64_t send_ns = 0;
  int32_t partition = -1;
  int64_t offset = -1;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* sent = static_cast<std::vector<Sent>*>(opaque);
  if (m->err) {
    std::fprintf(stderr, "bench_kafka: delivery failed: %s\n", rd_kafka_err2str(m->err));
    return;
  }
  Sent& s = (*sent)[reinterpret_cast<uintptr_t>(m->_private)];
  s.partition = m->partition;
  s.offset = m->offset;
}

struct ProduceRun {
  double seconds = 0;
  int64_t first_ns = 0, delivered = 0;
};

// Produces records [first, first + n) of a `total`-record data set, at `rate`
// records/s (0: as fast as possible), recording each send time in `sent`.
ProduceRun ProduceRecords(const Common& c, int64_t first, int64_t n, int64_t total, double rate,
                          const std::vector<std::string>& producer_props, std::vector<Sent>* sent) {
  rd_kafka_conf_t* conf = NewConf(c);
  for (const auto& p : producer_props) {
    auto eq = p.find('=');
    Set(conf, p.substr(0, eq).c_str(), p.substr(eq + 1).c_str());
  }
  sent->assign(static_cast<size_t>(n), Sent{});
  rd_kafka_conf_set_opaque(conf, sent);
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_t* rk = NewClient(RD_KAFKA_PRODUCER, conf);
  PartitionCount(rk, c.topic);  // connected and the topic known before the clock starts

  std::string key, value;
  ProduceRun run;
  const int64_t start = NowNs();
  run.first_ns = start;
  for (int64_t i = 0; i < n; ++i) {
    if (rate > 0) {
      const int64_t due = start + static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate);
      while (true) {
        int64_t now = NowNs();
        if (now >= due) break;
        rd_kafka_poll(rk, 0);
        int64_t wait_us = std::min<int64_t>((due - now) / 1000, 1000);
        if (wait_us > 50) std::this_thread::sleep_for(std::chrono::microseconds(wait_us - 50));
      }
    }
    SeedShapedRecord(first + i, total, &key, &value);
    (*sent)[static_cast<size_t>(i)].send_ns = NowNs();
    while (true) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(c.topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(i))), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) Die(std::string("produce: ") + rd_kafka_err2str(e));
      rd_kafka_poll(rk, 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 300000)) Die("flush timed out");
  run.seconds = static_cast<double>(NowNs() - start) / 1e9;
  rd_kafka_destroy(rk);
  for (const Sent& s : *sent) run.delivered += s.offset >= 0;
  return run;
}

// Same settings as the jobs' producer: idempotent, librdkafka's defaults otherwise.
const std::vector<std::string> kJobLikeProducer = {"enable.idempotence=true"};

int Produce(const Common& c, int64_t n, int64_t first, int64_t total, double rate) {
  std::vector<Sent> sent;
  ProduceRun run = ProduceRecords(c, first, n, total > 0 ? total : n, rate, kJobLikeProducer, &sent);
  if (run.delivered != n) Die("only " + std::to_string(run.delivered) + " of " + std::to_string(n) + " delivered");
  std::printf("{\"records\": %" PRId64 ", \"seconds\": %.4f, \"rate\": %.1f}\n", n, run.seconds,
              static_cast<double>(n) / run.seconds);
  return 0;
}

// ---- consume / pipe ------------------------------------------------------

int Consume(const Common& c, int64_t n) {
  const int64_t start = NowNs();
  rd_kafka_t* rk = AssignedConsumer(c, false, nullptr);
  int64_t got = 0, bytes = 0;
  while (got < n) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 1000);
    if (!m) continue;
    if (!m->err) {
      ++got;
      bytes += static_cast<int64_t>(m->len);
    }
    rd_kafka_message_destroy(m);
  }
  double seconds = static_cast<double>(NowNs() - start) / 1e9;
  CloseConsumer(rk);
  std::printf("{\"records\": %" PRId64 ", \"bytes\": %" PRId64 ", \"seconds\": %.4f, \"rate\": %.1f}\n", got, bytes,
              seconds, static_cast<double>(got) / seconds);
  return 0;
}

// Consume + produce with no logic: each value copied to the same partition of
// `to`. Batched like a tuned job: up to 10k messages per consume call.
int Pipe(const Common& c, const std::string& to, int64_t n) {
  const int64_t start = NowNs();
  rd_kafka_t* consumer = AssignedConsumer(c, false, nullptr);
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer);
  rd_kafka_conf_t* conf = NewConf(c);
  Set(conf, "enable.idempotence", "true");
  rd_kafka_t* producer = NewClient(RD_KAFKA_PRODUCER, conf);
  std::vector<rd_kafka_message_t*> batch(10000);
  int64_t got = 0;
  while (got < n) {
    ssize_t k = rd_kafka_consume_batch_queue(queue, 1000, batch.data(), batch.size());
    for (ssize_t i = 0; i < k; ++i) {
      rd_kafka_message_t* m = batch[static_cast<size_t>(i)];
      if (!m->err) {
        ++got;
        while (true) {
          rd_kafka_resp_err_t e = rd_kafka_producev(
              producer, RD_KAFKA_V_TOPIC(to.c_str()), RD_KAFKA_V_PARTITION(m->partition),
              RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
          if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
          if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) Die(std::string("produce: ") + rd_kafka_err2str(e));
          rd_kafka_poll(producer, 1);
        }
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_poll(producer, 0);  // delivery reports
  }
  if (rd_kafka_flush(producer, 300000)) Die("flush timed out");
  double seconds = static_cast<double>(NowNs() - start) / 1e9;
  rd_kafka_destroy(producer);
  rd_kafka_queue_destroy(queue);
  CloseConsumer(consumer);
  std::printf("{\"records\": %" PRId64 ", \"seconds\": %.4f, \"rate\": %.1f}\n", got, seconds,
              static_cast<double>(got) / seconds);
  return 0;
}

// ---- percentiles ---------------------------------------------------------

// One JSON object: `fields` (already formatted, ending in ", ") then the percentiles.
void PrintPercentiles(const std::string& fields, std::vector<double> ms, int64_t expected, int64_t missing,
                      int64_t extra) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    if (ms.empty()) return -1.0;
    size_t i = static_cast<size_t>(q * static_cast<double>(ms.size() - 1) + 0.5);
    return ms[std::min(i, ms.size() - 1)];
  };
  std::printf("{%s\"samples\": %zu, \"expected\": %" PRId64 ", \"missing\": %" PRId64
              ", \"duplicates\": %" PRId64 ", \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f}\n",
              fields.c_str(), ms.size(), expected, missing, extra, at(0.5), at(0.99), at(0.999), ms.empty() ? -1.0 : ms.back());
}

std::string HeaderValue(rd_kafka_message_t* m, const char* name) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  const void* v = nullptr;
  size_t len = 0;
  if (rd_kafka_header_get_last(hdrs, name, &v, &len) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  return std::string(static_cast<const char*>(v), len);
}

// ---- latency ---------------------------------------------------------------

// Fixed-rate input to `topic`; the stream job's output read from `to`. A
// record's latency: its produce() call to its output's arrival here, matched
// through the output's source-partition/source-offset headers. The first
// `warmup` seconds of records are sent but not counted.
int Latency(const Common& c, const std::string& to, double rate, double seconds, double warmup) {
  Common out = c;
  out.topic = to;
  rd_kafka_t* consumer = AssignedConsumer(out, true, nullptr);
  struct Arrival {
    int32_t partition;
    int64_t offset, recv_ns;
  };
  std::vector<Arrival> arrivals;
  std::atomic<bool> producing_done{false};
  std::atomic<int64_t> received{0};
  const int64_t n = static_cast<int64_t>(rate * (seconds + warmup));
  std::thread reader([&] {
    int64_t idle_since = 0;
    while (true) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
      const int64_t now = NowNs();
      if (m && !m->err) {
        std::string p = HeaderValue(m, "source-partition"), o = HeaderValue(m, "source-offset");
        if (!p.empty() && !o.empty()) {
          arrivals.push_back({std::stoi(p), std::stoll(o), now});
        } else if (to == c.topic) {  // the baseline: the input itself, read back
          arrivals.push_back({m->partition, m->offset, now});
        }
        received.fetch_add(1);
        idle_since = 0;
      }
      if (m) rd_kafka_message_destroy(m);
      if (producing_done.load()) {
        if (received.load() >= n) break;
        if (idle_since == 0) idle_since = now;
        if (now - idle_since > 10'000'000'000) break;  // 10 s without output: the rest is missing
      }
    }
  });
  std::vector<Sent> sent;
  std::vector<std::string> props = kJobLikeProducer;
  props.push_back("linger.ms=0");  // the probe's own batching would count as latency
  ProduceRun run = ProduceRecords(c, 0, n, n, rate, props, &sent);
  producing_done.store(true);
  reader.join();
  CloseConsumer(consumer);

  std::map<std::pair<int32_t, int64_t>, size_t> index;
  for (size_t i = 0; i < sent.size(); ++i) index[{sent[i].partition, sent[i].offset}] = i;
  const int64_t warm_ns = run.first_ns + static_cast<int64_t>(warmup * 1e9);
  std::vector<bool> seen(sent.size(), false);
  std::vector<double> ms;
  int64_t expected = 0, extra = 0;
  for (const Sent& s : sent) expected += s.send_ns >= warm_ns;
  for (const Arrival& a : arrivals) {
    auto it = index.find({a.partition, a.offset});
    if (it == index.end()) continue;
    if (seen[it->second]) {
      ++extra;
      continue;
    }
    seen[it->second] = true;
    const Sent& s = sent[it->second];
    if (s.send_ns >= warm_ns) ms.push_back(static_cast<double>(a.recv_ns - s.send_ns) / 1e6);
  }
  int64_t missing = expected - static_cast<int64_t>(ms.size());
  char fields[128];
  std::snprintf(fields, sizeof fields, "\"rate\": %.0f, \"achieved_rate\": %.1f, ", rate,
                static_cast<double>(n) / run.seconds);
  PrintPercentiles(fields, ms, expected, missing, extra);
  return 0;
}

// ---- freshness -----------------------------------------------------------

// Reads the txn (appId, version) pairs of one commit file.
std::vector<std::pair<std::string, int64_t>> TxnActions(const std::string& path) {
  std::vector<std::pair<std::string, int64_t>> txns;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto t = line.find("{\"txn\":");
    if (t == std::string::npos) continue;
    auto a = line.find("\"appId\":\"", t);
    auto v = line.find("\"version\":", t);
    if (a == std::string::npos || v == std::string::npos) continue;
    a += 9;
    txns.emplace_back(line.substr(a, line.find('"', a) - a), std::stoll(line.substr(v + 10)));
  }
  return txns;
}

std::string CommitFile(const std::string& table, int64_t version) {
  char name[32];
  std::snprintf(name, sizeof name, "%020" PRId64 ".json", version);
  return table + "/_delta_log/" + name;
}

// Fixed-rate input to `topic`, while watching the sync job's table: a
// record is fresh once a commit file whose txn version for its partition
// covers its offset exists (a Delta commit is visible the moment its file is).
int Freshness(const Common& c, const std::string& table, double rate, double seconds, double warmup) {
  const int64_t n = static_cast<int64_t>(rate * (seconds + warmup));
  struct Visible {
    int64_t ns;
    int32_t partition;
    int64_t offset;
  };
  std::vector<Visible> visible;
  std::mutex mu;  // guards visible
  std::atomic<bool> stop{false};
  int64_t next_version = 0;
  while (std::filesystem::exists(CommitFile(table, next_version))) ++next_version;
  std::thread watcher([&] {
    while (!stop.load()) {
      const std::string file = CommitFile(table, next_version);
      if (!std::filesystem::exists(file)) {
        std::this_thread::sleep_for(std::chrono::microseconds(500));
        continue;
      }
      const int64_t now = NowNs();
      for (const auto& [app, version] : TxnActions(file)) {
        auto dash = app.rfind('-');
        std::lock_guard<std::mutex> lock(mu);
        visible.push_back({now, static_cast<int32_t>(std::stoi(app.substr(dash + 1))), version});
      }
      ++next_version;
    }
  });
  std::vector<Sent> sent;
  std::vector<std::string> props = kJobLikeProducer;
  props.push_back("linger.ms=0");
  ProduceRun run = ProduceRecords(c, 0, n, n, rate, props, &sent);
  // Wait until the last record is visible, or 10 s.
  std::map<int32_t, int64_t> last;
  for (const Sent& s : sent) last[s.partition] = std::max(last[s.partition], s.offset);
  const int64_t give_up = NowNs() + 10'000'000'000;
  while (NowNs() < give_up) {
    std::map<int32_t, int64_t> seen;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const Visible& v : visible) seen[v.partition] = std::max(seen[v.partition], v.offset);
    }
    bool all = true;
    for (auto [p, o] : last) all = all && seen.count(p) && seen[p] >= o;
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop.store(true);
  watcher.join();

  const int64_t warm_ns = run.first_ns + static_cast<int64_t>(warmup * 1e9);
  std::vector<double> ms;
  int64_t expected = 0;
  for (const Sent& s : sent) {
    if (s.send_ns < warm_ns) continue;
    ++expected;
    for (const Visible& v : visible) {  // in commit order: the first covering commit
      if (v.partition == s.partition && v.offset >= s.offset) {
        ms.push_back(static_cast<double>(v.ns - s.send_ns) / 1e6);
        break;
      }
    }
  }
  char fields[160];
  std::snprintf(fields, sizeof fields, "\"rate\": %.0f, \"achieved_rate\": %.1f, \"txn_actions\": %zu, ", rate,
                static_cast<double>(n) / run.seconds, visible.size());
  PrintPercentiles(fields, ms, expected, expected - static_cast<int64_t>(ms.size()), 0);
  return 0;
}

// ---- wait-count / first --------------------------------------------------

int WaitCount(const Common& c, int64_t n, double timeout_s) {
  rd_kafka_conf_t* conf = NewConf(c);
  rd_kafka_t* rk = NewClient(RD_KAFKA_PRODUCER, conf);  // any client can query watermarks
  int partitions = PartitionCount(rk, c.topic);
  std::printf("{\"ready_ns\": %" PRId64 "}\n", NowNs());
  std::fflush(stdout);
  const int64_t give_up = NowNs() + static_cast<int64_t>(timeout_s * 1e9);
  int64_t count = 0;
  while ((count = HighWatermarkSum(rk, c.topic, partitions)) < n && NowNs() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::printf("{\"count\": %" PRId64 ", \"done_ns\": %" PRId64 "}\n", count, NowNs());
  rd_kafka_destroy(rk);
  return count >= n ? 0 : 1;
}

int First(const Common& c, double timeout_s) {
  rd_kafka_t* rk = AssignedConsumer(c, true, nullptr);
  // Assignment is lazy: one poll round so fetching has started before "ready".
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
  if (m) rd_kafka_message_destroy(m);
  std::printf("{\"ready_ns\": %" PRId64 "}\n", NowNs());
  std::fflush(stdout);
  const int64_t give_up = NowNs() + static_cast<int64_t>(timeout_s * 1e9);
  int64_t at = -1;
  while (at < 0 && NowNs() < give_up) {
    m = rd_kafka_consumer_poll(rk, 1);
    if (m && !m->err) at = NowNs();
    if (m) rd_kafka_message_destroy(m);
  }
  std::printf("{\"first_ns\": %" PRId64 "}\n", at);
  CloseConsumer(rk);
  return at >= 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Kafka baselines and probes for bench/run");
  app.require_subcommand(1);
  Common c;
  int64_t n = 0, first = 0, total = 0;
  double rate = 0, seconds = 10, warmup = 1, timeout = 60;
  std::string to, table;
  auto common = [&](CLI::App* cmd) {
    cmd->add_option("-b,--brokers", c.brokers);
    cmd->add_option("-t,--topic", c.topic)->required();
    cmd->add_option("-X", c.props, "librdkafka property key=value");
  };
  CLI::App* produce = app.add_subcommand("produce", "Produce seed-shaped records");
  common(produce);
  produce->add_option("-n,--records", n)->required();
  produce->add_option("--first", first, "Index of the first record");
  produce->add_option("--total", total, "Size of the data set the records belong to (default: -n)");
  produce->add_option("--rate", rate, "Records/s (default: as fast as possible)");
  CLI::App* consume = app.add_subcommand("consume", "Minimal librdkafka consumer: read N records");
  common(consume);
  consume->add_option("-n,--records", n)->required();
  CLI::App* pipe = app.add_subcommand("pipe", "Copy N records to another topic, no logic");
  common(pipe);
  pipe->add_option("--to", to)->required();
  pipe->add_option("-n,--records", n)->required();
  CLI::App* latency = app.add_subcommand("latency", "End-to-end latency through a running stream job");
  common(latency);
  latency->add_option("--to", to)->required();
  latency->add_option("--rate", rate)->required();
  latency->add_option("--seconds", seconds);
  latency->add_option("--warmup", warmup);
  CLI::App* fresh = app.add_subcommand("freshness", "Produce-to-committed-table time through a running sync job");
  common(fresh);
  fresh->add_option("--table", table)->required();
  fresh->add_option("--rate", rate)->required();
  fresh->add_option("--seconds", seconds);
  fresh->add_option("--warmup", warmup);
  CLI::App* wait = app.add_subcommand("wait-count", "Wait until a topic holds N records");
  common(wait);
  wait->add_option("-n,--records", n)->required();
  wait->add_option("--timeout", timeout);
  CLI::App* first_cmd = app.add_subcommand("first", "Wait for the first new record of a topic");
  common(first_cmd);
  first_cmd->add_option("--timeout", timeout);
  CLI11_PARSE(app, argc, argv);

  if (*produce) return Produce(c, n, first, total, rate);
  if (*consume) return Consume(c, n);
  if (*pipe) return Pipe(c, to, n);
  if (*latency) return Latency(c, to, rate, seconds, warmup);
  if (*fresh) return Freshness(c, table, rate, seconds, warmup);
  if (*wait) return WaitCount(c, n, timeout);
  if (*first_cmd) return First(c, timeout);
  return 2;
}
