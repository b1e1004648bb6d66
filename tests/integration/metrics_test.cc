// The jobs' metrics and health endpoint (--metrics-address) as an operator
// uses it: promtool accepts what a running sync serves; a real Prometheus
// server scrapes a running sync and its HTTP API sees the records counted and
// the lag fall to 0; /healthz and /readyz answer 200, and /readyz turns 503
// with its reason while the broker is down.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>

#include "support/http.h"
#include "support/jobs.h"
#include "support/prometheus_server.h"

namespace rp {
namespace {

using testing::BackgroundProcess;
using testing::HttpGet;
using testing::JobArgs;
using testing::LogOf;
using testing::SharedBroker;
using testing::WaitFor;

// The bound address the job logs at start ("… on http://HOST:PORT"), or "".
std::string MetricsAddress(BackgroundProcess& job) {
  std::string address;
  WaitFor(
      [&] {
        const std::string log = LogOf(job);
        const size_t at = log.find("on http://");
        if (at == std::string::npos) return !job.Running();
        address = log.substr(at + 10, log.find_first_of(" \n", at + 10) - at - 10);
        return true;
      },
      30000);
  return address;
}

// The value of one series in a scrape ("name" or "name{labels}"), or -1.
double Sample(const std::string& scrape, const std::string& series) {
  const size_t at = scrape.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::atof(scrape.c_str() + at + series.size() + 2);
}

// The sum of every series of a metric in a scrape.
double Sum(const std::string& scrape, const std::string& name) {
  double sum = 0;
  for (size_t at = scrape.find("\n" + name); at != std::string::npos; at = scrape.find("\n" + name, at + 1)) {
    const size_t space = scrape.find(' ', at + 1);
    const char next = scrape[at + 1 + name.size()];
    if (next == ' ' || next == '{') sum += std::atof(scrape.c_str() + space + 1);
  }
  return sum;
}

// A probe's answer: "<status> <body>".
std::string Probe(const std::string& address, const std::string& path) {
  auto r = HttpGet("http://" + address + path, 3000);
  return std::to_string(r.status) + " " + r.body;
}

void Produce(const std::string& topic, int from, int to, int partitions) {
  std::vector<testing::TestRecord> records;
  for (int i = from; i < to; ++i) records.push_back({i % partitions, testing::VisitRecord(i), {}, {}});
  testing::Produce(SharedBroker().bootstrap(), topic, records);
}

TEST(MetricsEndpoint, PromtoolAcceptsWhatARunningSyncServes) {
  SharedBroker().CreateTopic("metrics_promtool", 2);
  Produce("metrics_promtool", 0, 50, 2);
  testing::TempDir dir;
  BackgroundProcess sync(JobArgs({"sync", "--topic", "metrics_promtool", "--table", dir.path() + "/table",
                                  "--timezone", "UTC", "--metrics-address", "127.0.0.1:0"}),
                         dir.path() + "/sync.log");
  const std::string address = MetricsAddress(sync);
  ASSERT_NE(address, "") << LogOf(sync);
  EXPECT_NE(address, "127.0.0.1:0");
  std::string scrape;
  ASSERT_TRUE(WaitFor(
      [&] {
        scrape = HttpGet("http://" + address + "/metrics").body;
        return Sample(scrape, "reprocessor_output_records_total") == 50 &&
               Sum(scrape, "reprocessor_consumer_lag_records") == 0 &&
               Sample(scrape, "reprocessor_consumer_assigned_partitions") == 2;
      },
      60000))
      << scrape << LogOf(sync);
  EXPECT_EQ(Sample(scrape, "reprocessor_input_records_total"), 50);
  EXPECT_GT(Sample(scrape, "reprocessor_input_bytes_total"), 50 * 50);
  EXPECT_GE(Sample(scrape, "reprocessor_delta_commits_total{table=\"data\"}"), 1);
  EXPECT_GE(Sample(scrape, "reprocessor_delta_commit_duration_seconds_count"), 1);
  EXPECT_GE(Sample(scrape, "reprocessor_delta_files_written_total"), 1);
  EXPECT_GE(Sample(scrape, "reprocessor_delta_table_version"), 1);
  EXPECT_GT(Sample(scrape, "reprocessor_last_commit_timestamp_seconds"), 1.7e9);
  EXPECT_NE(scrape.find("reprocessor_build_info{arrow_version=\""), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("command=\"sync\""), std::string::npos) << scrape;

  auto r = testing::RunProcess({"promtool", "check", "metrics"}, scrape);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << scrape;
  EXPECT_EQ(r.out + r.err, "") << scrape;

  sync.Signal(SIGTERM);
  EXPECT_EQ(sync.Wait(30000), 0) << LogOf(sync);
}

TEST(MetricsEndpoint, PrometheusScrapesSyncAndSeesRecordsCountedAndLagFallToZero) {
  SharedBroker().CreateTopic("metrics_prom", 2);
  testing::TempDir dir;
  // Batches wait 4 s for more records, so the lag stays visible for a few scrapes.
  BackgroundProcess sync(
      JobArgs({"sync", "--topic", "metrics_prom", "--table", dir.path() + "/table", "--timezone", "UTC",
               "--max-batch-ms", "4000", "--metrics-address", "127.0.0.1:0"}),
      dir.path() + "/sync.log");
  const std::string address = MetricsAddress(sync);
  ASSERT_NE(address, "") << LogOf(sync);
  testing::PrometheusServer prometheus({address});
  ASSERT_EQ(prometheus.error(), "");
  auto query = [&](const std::string& promql) { return prometheus.Query(promql).value_or(-1); };
  // Scraped, with both partitions assigned.
  ASSERT_TRUE(WaitFor(
      [&] { return query("count(reprocessor_consumer_lag_records{topic=\"metrics_prom\"})") == 2; }, 60000))
      << prometheus.log() << LogOf(sync);
  EXPECT_EQ(query("up{job=\"reprocessor\"}"), 1);
  EXPECT_EQ(query("sum(reprocessor_input_records_total)"), 0);

  Produce("metrics_prom", 0, 200, 2);
  EXPECT_TRUE(WaitFor([&] { return query("sum(reprocessor_consumer_lag_records)") > 0; }, 30000))
      << "the lag was never seen above 0\n"
      << LogOf(sync);
  EXPECT_TRUE(WaitFor(
      [&] {
        return query("sum(reprocessor_consumer_lag_records)") == 0 &&
               query("sum(reprocessor_output_records_total)") == 200;
      },
      60000))
      << LogOf(sync) << prometheus.log();
  EXPECT_EQ(query("sum(reprocessor_input_records_total)"), 200);
  EXPECT_GE(query("sum(reprocessor_delta_commits_total{table=\"data\"})"), 1);
  EXPECT_EQ(query("count(reprocessor_build_info{command=\"sync\"})"), 1);

  sync.Signal(SIGTERM);
  EXPECT_EQ(sync.Wait(30000), 0) << LogOf(sync);
}

TEST(MetricsEndpoint, ReprocessReportsItsProgressWhileItRuns) {
  SharedBroker().CreateTopic("metrics_rp_in", 2);
  SharedBroker().CreateTopic("metrics_rp_out", 2);
  Produce("metrics_rp_in", 0, 60, 2);
  testing::TempDir dir;
  const std::string table = dir.path() + "/table";
  testing::SyncUntil("metrics_rp_in", table, 60, dir.path());
  // 20 records/s: three seconds to scrape it mid-run.
  BackgroundProcess reprocess(
      JobArgs({"reprocess", "0", "100", "--table", table, "--output-topic", "metrics_rp_out", "--max-rate",
               "20", "--metrics-address", "127.0.0.1:0"}),
      dir.path() + "/reprocess.log");
  const std::string address = MetricsAddress(reprocess);
  ASSERT_NE(address, "") << LogOf(reprocess);
  std::string scrape;
  EXPECT_TRUE(WaitFor(
      [&] {
        scrape = HttpGet("http://" + address + "/metrics").body;
        return Sample(scrape, "reprocessor_reprocess_rows_processed_total") >= 10;
      },
      30000))
      << scrape << LogOf(reprocess);
  EXPECT_EQ(Sample(scrape, "reprocessor_reprocess_rows"), 60) << scrape;
  EXPECT_LT(Sample(scrape, "reprocessor_reprocess_rows_processed_total"), 60) << scrape;
  EXPECT_GE(Sample(scrape, "reprocessor_output_records_total"), 1) << scrape;
  EXPECT_NE(scrape.find("command=\"reprocess\""), std::string::npos) << scrape;
  // No consumer group: ready while it replays.
  EXPECT_EQ(Probe(address, "/readyz").rfind("200 ready: lag 0 records", 0), 0u) << Probe(address, "/readyz");
  EXPECT_EQ(reprocess.Wait(60000), 0) << LogOf(reprocess);
}

TEST(HealthEndpoints, ReadyzFailsWithItsReasonWhileTheBrokerIsDown) {
  testing::LocalBroker broker;  // its own: this test stops it
  broker.CreateTopic("health_in", 2);
  broker.CreateTopic("health_out", 2);
  testing::TempDir dir;
  auto args = [&](std::vector<std::string> a) {
    a.insert(a.begin(), testing::ReprocessorBinary());
    a.insert(a.end(), {"--metrics-address", "127.0.0.1:0", "-b", broker.bootstrap()});
    return a;
  };
  BackgroundProcess sync(
      args({"sync", "--topic", "health_in", "--table", dir.path() + "/table", "--timezone", "UTC"}),
      dir.path() + "/sync.log");
  BackgroundProcess stream(args({"stream", "--input-topic", "health_in", "--output-topic", "health_out"}),
                           dir.path() + "/stream.log");
  const std::map<std::string, BackgroundProcess*> jobs = {{"sync", &sync}, {"stream", &stream}};
  std::map<std::string, std::string> address;
  for (const auto& [name, job] : jobs) {
    address[name] = MetricsAddress(*job);
    ASSERT_NE(address[name], "") << LogOf(*job);
  }
  for (const auto& [name, job] : jobs) {
    std::string ready;
    EXPECT_TRUE(WaitFor(
        [&] { return (ready = Probe(address[name], "/readyz")).rfind("200 ready: 2 partitions", 0) == 0; },
        60000))
        << name << ": " << ready << LogOf(*job);
    EXPECT_EQ(Probe(address[name], "/healthz").rfind("200 alive", 0), 0u) << name;
  }

  // Records flow through both: stream counts them at its OutputRouter.
  std::vector<testing::TestRecord> records;
  for (int i = 0; i < 20; ++i) records.push_back({i % 2, testing::VisitRecord(i), {}, {}});
  records.push_back({0, std::string("not json"), {}, {}});  // the visits logic dead-letters it
  testing::Produce(broker.bootstrap(), "health_in", records);
  std::string scrape;
  EXPECT_TRUE(WaitFor(
      [&] {
        scrape = HttpGet("http://" + address["stream"] + "/metrics").body;
        return Sample(scrape, "reprocessor_output_records_total") == 20 &&
               Sample(scrape, "reprocessor_dead_lettered_records_total{reason=\"invalid_json\"}") == 1;
      },
      60000))
      << scrape << LogOf(stream);
  EXPECT_EQ(Sample(scrape, "reprocessor_input_records_total"), 21) << scrape;
  EXPECT_GE(Sample(scrape, "reprocessor_producer_queue_messages"), 0) << scrape;
  EXPECT_EQ(Sample(scrape, "reprocessor_producer_delivery_errors_total"), 0) << scrape;
  EXPECT_TRUE(WaitFor(
      [&] {
        return Sum(HttpGet("http://" + address["stream"] + "/metrics").body,
                   "reprocessor_consumer_lag_records") == 0;
      },
      30000));
  EXPECT_TRUE(WaitFor(
      [&] {
        return Sample(HttpGet("http://" + address["sync"] + "/metrics").body,
                      "reprocessor_output_records_total") == 21;
      },
      60000))
      << LogOf(sync);

  broker.Stop();
  for (const auto& [name, job] : jobs) {
    std::string ready;
    EXPECT_TRUE(WaitFor(
        [&] {
          return (ready = Probe(address[name], "/readyz")).rfind("503 no Kafka broker reachable for", 0) == 0;
        },
        30000))
        << name << ": " << ready << LogOf(*job);
    EXPECT_EQ(std::count(ready.begin(), ready.end(), '\n'), 1) << ready;
    // The loop still turns (retrying): alive, so not restarted.
    EXPECT_EQ(Probe(address[name], "/healthz").rfind("200 alive", 0), 0u) << name;
  }

  broker.Start();
  for (const auto& [name, job] : jobs) {
    std::string ready;
    EXPECT_TRUE(
        WaitFor([&] { return (ready = Probe(address[name], "/readyz")).rfind("200 ready", 0) == 0; }, 90000))
        << name << ": " << ready << LogOf(*job);
  }
  for (const auto& [name, job] : jobs) {
    job->Signal(SIGTERM);
    EXPECT_EQ(job->Wait(30000), 0) << LogOf(*job);
  }
}

}  // namespace
}  // namespace rp
