#include "reliability.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kafka/producer.h"
#include "kafka/topic_snapshot.h"
#include "support/process.h"

namespace rp::reliability {

using Clock = std::chrono::steady_clock;
using testing::BackgroundProcess;

bool LongScale() {
  const char* s = std::getenv("RP_RELIABILITY_SCALE");
  return s != nullptr && std::strcmp(s, "long") == 0;
}

const char* ScaleName() { return LongScale() ? "long" : "short"; }

uint32_t Seed() {
  static const uint32_t seed = [] {
    const char* s = std::getenv("RP_RELIABILITY_SEED");
    return s != nullptr ? static_cast<uint32_t>(std::strtoul(s, nullptr, 10)) : std::random_device{}();
  }();
  return seed;
}

void PrintFigures(const Figures& f) {
  std::printf(
      "RELIABILITY test=%s scale=%s seed=%u runs=%d kills=%d rows=%lld duplicates=%lld losses=%lld "
      "seconds=%.1f%s%s\n",
      f.test.c_str(), ScaleName(), Seed(), f.runs, f.kills, static_cast<long long>(f.rows),
      static_cast<long long>(f.duplicates), static_cast<long long>(f.losses), f.seconds,
      f.extra.empty() ? "" : " ", f.extra.c_str());
  std::fflush(stdout);
}

PacedProducer::PacedProducer(std::string topic, int partitions, int64_t records, double seconds) {
  thread_ = std::thread([topic = std::move(topic), partitions, records, seconds] {
    kafka::ClientConfig config;
    config.Set("bootstrap.servers", testing::SharedBroker().bootstrap());
    auto producer = kafka::Producer::Create(config, {});
    if (!producer.ok()) {
      ADD_FAILURE() << "producer: " << producer.status().ToString();
      return;
    }
    // A chunk every 100 ms.
    const int64_t chunks = std::max<int64_t>(1, static_cast<int64_t>(seconds * 10));
    const auto start = Clock::now();
    int64_t next = 0;
    for (int64_t c = 1; c <= chunks; ++c) {
      const int64_t upto = records * c / chunks;
      for (; next < upto; ++next) {
        Status s =
            (*producer)->Produce(topic, static_cast<int32_t>(next % partitions), std::nullopt,
                                 testing::VisitRecord(static_cast<int>(next)), std::vector<kafka::Header>{});
        if (!s.ok()) {
          ADD_FAILURE() << "produce: " << s.ToString();
          return;
        }
      }
      (*producer)->Poll();
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(seconds * c / chunks)));
    }
    Status flushed = (*producer)->Flush(std::chrono::seconds(60));
    if (!flushed.ok()) ADD_FAILURE() << "flush: " << flushed.ToString();
  });
}

PacedProducer::~PacedProducer() { Join(); }

void PacedProducer::Join() {
  if (thread_.joinable()) thread_.join();
}

OffsetRanges RoundRobinOffsets(int64_t records, int partitions) {
  OffsetRanges ranges;
  for (int p = 0; p < partitions; ++p)
    ranges[p] = {0, records / partitions + (p < records % partitions ? 1 : 0)};
  return ranges;
}

Cover CheckCover(const KeyCounts& seen, const OffsetRanges& expected) {
  Cover c;
  for (const auto& [key, n] : seen) {
    auto it = expected.find(key.first);
    if (it == expected.end() || key.second < it->second.first || key.second >= it->second.second) {
      c.foreign += n;
      continue;
    }
    c.rows += n;
    c.distinct += 1;
    c.duplicates += n - 1;
  }
  int64_t want = 0;
  for (const auto& [p, range] : expected) want += range.second - range.first;
  c.losses = want - c.distinct;
  return c;
}

bool GaplessFromZero(const KeyCounts& keys) {
  int32_t partition = -1;
  int64_t next = 0;
  for (const auto& [key, n] : keys) {  // ordered by partition, then offset
    if (key.first != partition) {
      partition = key.first;
      next = 0;
    }
    if (key.second != next) return false;
    ++next;
  }
  return true;
}

std::map<int32_t, int64_t> PerPartition(const KeyCounts& keys) {
  std::map<int32_t, int64_t> counts;
  for (const auto& [key, n] : keys) counts[key.first]++;
  return counts;
}

KeyCounts DeltaRsKeys(const std::string& table, const TableAccess& access) {
  const std::string open = "DeltaTable('" + table + "', storage_options=" + access.delta_rs_options + ")";
  auto r = testing::RunPython(
      "import sys\n"
      "from deltalake import DeltaTable\n"
      "t = " +
      open +
      ".to_pyarrow_table(columns=['partition', 'offset'])\n"
      "p = t.column('partition').to_pylist()\n"
      "o = t.column('offset').to_pylist()\n"
      "sys.stdout.write(''.join(f'{a} {b}\\n' for a, b in zip(p, o)))\n");
  KeyCounts keys;
  if (r.exit_code != 0) {
    ADD_FAILURE() << "delta-rs cannot read " << table << ": " << r.err;
    return keys;
  }
  const char* s = r.out.c_str();
  char* end = nullptr;
  while (*s != '\0') {
    long long p = std::strtoll(s, &end, 10);
    if (end == s) break;
    s = end;
    long long o = std::strtoll(s, &end, 10);
    if (end == s) break;
    s = end;
    while (*s == '\n') ++s;
    keys[{static_cast<int32_t>(p), static_cast<int64_t>(o)}]++;
  }
  if (*s != '\0') ADD_FAILURE() << "unexpected delta-rs output: " << std::string(s).substr(0, 200);
  return keys;
}

int64_t OrphanDataFiles(const std::string& table, const TableAccess& access) {
  // Paths relative to the table root on both sides: the log's URIs (s3://…
  // or file paths), and the files on disk (an S3 table's objects are files
  // in the server's data dir).
  const std::string settings = "root = '" + table + "'.rstrip('/')\n" + "disk_root = os.path.realpath('" +
                               (access.files_dir.empty() ? table : access.files_dir) + "')\n" +
                               "options = " + access.delta_rs_options + "\n";
  auto r = testing::RunPython(
      "import os\n"
      "from urllib.parse import unquote\n"
      "from deltalake import DeltaTable\n" +
      settings +
      "def rel(u):\n"
      "    if u.startswith('s3://'): return unquote(u[len(root) + 1:])\n"
      "    return os.path.relpath(os.path.realpath(unquote(u.removeprefix('file://'))), "
      "os.path.realpath(root))\n"
      "live = {rel(u) for u in DeltaTable(root, storage_options=options).file_uris()}\n"
      "disk = {os.path.relpath(os.path.join(d, f), disk_root) for d, _, fs in os.walk(disk_root)\n"
      "        if '_delta_log' not in d for f in fs if f.endswith('.parquet')}\n"
      "print(len(disk - live))\n");
  if (r.exit_code != 0) {
    ADD_FAILURE() << "delta-rs cannot read " << table << ": " << r.err;
    return -1;
  }
  return std::atoll(r.out.c_str());
}

int64_t CliTableRows(const std::string& table, std::string* error) {
  auto r = testing::RunProcess(
      {testing::ReprocessorBinary(), "read-table", "--table", table, "--format", "jsonl"});
  if (r.exit_code != 0) {
    if (error != nullptr) *error = r.err;
    return -1;
  }
  return std::count(r.out.begin(), r.out.end(), '\n');
}

std::vector<kafka::Record> ReadTopic(const std::string& topic, bool read_committed) {
  kafka::ClientConfig config;
  config.Set("bootstrap.servers", testing::SharedBroker().bootstrap());
  // Explicit both ways: librdkafka's default is read_committed.
  config.Set("isolation.level", read_committed ? "read_committed" : "read_uncommitted");
  kafka::TopicSnapshotOptions options;
  options.timeout = std::chrono::seconds(30);
  auto records = kafka::ReadTopicSnapshot(config, topic, options);
  if (!records.ok()) {
    ADD_FAILURE() << "reading " << topic << ": " << records.status().ToString();
    return {};
  }
  return std::move(*records);
}

KeyCounts SourceKeys(const std::vector<kafka::Record>& records, const std::string* run) {
  KeyCounts keys;
  for (const auto& r : records) {
    if (run != nullptr && testing::HeaderValue(r, "reprocess-run") != *run) continue;
    auto p = testing::HeaderValue(r, "source-partition");
    auto o = testing::HeaderValue(r, "source-offset");
    if (!p || !o) {
      ADD_FAILURE() << "output record without source headers at " << r.partition << "/" << r.offset;
      continue;
    }
    keys[{std::stoi(*p), std::stoll(*o)}]++;
  }
  return keys;
}

std::string LogTail(const std::string& path, size_t bytes) {
  std::string log = testing::ReadFile(path);
  if (log.size() > bytes) log = "…" + log.substr(log.size() - bytes);
  return path + ":\n" + log;
}

int CountInFile(const std::string& path, const std::string& needle) {
  std::string text = testing::ReadFile(path);
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size()))
    ++n;
  return n;
}

std::unique_ptr<ScopedMount> ScopedMount::Tmpfs(const std::string& path, const std::string& size,
                                                std::string* error) {
  const std::string options = "size=" + size + ",mode=0755";
  if (mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    *error = "mount -t tmpfs -o " + options + " " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<ScopedMount>(new ScopedMount(path));
}

std::unique_ptr<ScopedMount> ScopedMount::ReadOnly(const std::string& path, std::string* error) {
  if (mount(path.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    *error = "mount --bind " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  auto m = std::unique_ptr<ScopedMount>(new ScopedMount(path));
  if (mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
    *error = "mount -o remount,bind,ro " + path + ": " + std::strerror(errno);
    return nullptr;  // the destructor undoes the bind mount
  }
  return m;
}

bool ScopedMount::Resize(const std::string& size, std::string* error) {
  const std::string options = "size=" + size;
  if (mount(nullptr, path_.c_str(), nullptr, MS_REMOUNT, options.c_str()) != 0) {
    *error = "mount -o remount," + options + " " + path_ + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

ScopedMount::~ScopedMount() {
  if (umount2(path_.c_str(), 0) != 0) umount2(path_.c_str(), MNT_DETACH);
}

std::string LastLine(const std::string& path) {
  std::string text = testing::ReadFile(path);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  auto pos = text.rfind('\n');
  return pos == std::string::npos ? text : text.substr(pos + 1);
}

namespace {

struct Slot {
  std::vector<std::string> argv;
  std::unique_ptr<BackgroundProcess> proc;
  int kills_left = 0;
  int runs = 0;
  std::string log;
  std::string ready;  // this run's ready line
  bool waiting_ready = false, working = false;
  Clock::time_point next;  // when to kill (running) or start (stopped)
};

int Uniform(std::mt19937* rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(*rng); }

}  // namespace

KillStats RunUnderKills(const std::vector<std::vector<std::string>>& slots_argv, const KillPlan& plan,
                        std::mt19937* rng, const std::string& log_prefix) {
  KillStats stats;
  std::vector<Slot> slots(slots_argv.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    slots[i].argv = slots_argv[i];
    slots[i].kills_left = plan.kills / static_cast<int>(slots.size()) +
                          (static_cast<int>(i) < plan.kills % static_cast<int>(slots.size()) ? 1 : 0);
    slots[i].next = Clock::now();
  }
  auto ms = [](int n) { return std::chrono::milliseconds(n); };
  while (true) {
    bool busy = false;
    for (size_t i = 0; i < slots.size(); ++i) {
      Slot& s = slots[i];
      const auto now = Clock::now();
      if (!s.proc) {
        if (s.kills_left == 0) continue;
        busy = true;
        if (now < s.next) continue;
        s.log = log_prefix + "-" + std::to_string(i) + "-run" + std::to_string(++s.runs) + ".log";
        s.proc = std::make_unique<BackgroundProcess>(s.argv, s.log);
        ++stats.runs;
        s.working = false;
        s.waiting_ready = Uniform(rng, 0, 3) != 0;  // one kill in four is blind
        s.ready = plan.ready[Uniform(rng, 0, static_cast<int>(plan.ready.size()) - 1)];
        s.next = now + ms(s.waiting_ready ? plan.ready_timeout_ms : Uniform(rng, 200, plan.max_blind_ms));
        continue;
      }
      busy = true;
      if (!s.proc->Running()) {
        ADD_FAILURE() << "run ended by itself (exit " << s.proc->Wait(0) << ") before its kill\n"
                      << LogTail(s.log);
        s.proc.reset();
        --s.kills_left;
        continue;
      }
      if (s.waiting_ready && CountInFile(s.log, s.ready) > 0) {
        s.waiting_ready = false;
        s.working = true;
        s.next = now + ms(Uniform(rng, 0, Uniform(rng, 0, 1) == 0 ? plan.max_early_ms : plan.max_working_ms));
      }
      if (now < s.next) continue;
      s.proc->Signal(SIGKILL);
      int code = s.proc->Wait(10000);
      if (code != 128 + SIGKILL)
        ADD_FAILURE() << "run ended with " << code << " instead of SIGKILL\n" << LogTail(s.log);
      ++stats.kills;
      if (s.working) ++stats.kills_while_working;
      if (!plan.progress.empty()) stats.progress += CountInFile(s.log, plan.progress);
      if (std::getenv("RP_RELIABILITY_VERBOSE") != nullptr) {
        std::printf("killed %s (%s)\n%s\n", s.log.c_str(), s.working ? "working" : "blind",
                    LogTail(s.log).c_str());
      }
      s.proc.reset();
      --s.kills_left;
      s.next = Clock::now() + ms(Uniform(rng, 0, plan.max_pause_ms));
    }
    if (!busy) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return stats;
}

}  // namespace rp::reliability
