// The endpoint over real HTTP on a free port, and promtool's verdict on what
// it serves.
#include "metrics/http_endpoint.h"

#include <gtest/gtest.h>

#include <fstream>

#include "metrics_test_util.h"
#include "support/http.h"
#include "support/process.h"

namespace rp::metrics {
namespace {

using testing::HttpGet;

TEST(ListenAddress, AcceptsIpLiteralsLocalhostAndAnyInterface) {
  auto a = ParseListenAddress("127.0.0.1:9464");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9464);
  EXPECT_EQ(ParseListenAddress("localhost:0")->host, "127.0.0.1");
  EXPECT_EQ(ParseListenAddress(":9464")->host, "0.0.0.0");
  EXPECT_EQ(ParseListenAddress("0.0.0.0:9464")->host, "0.0.0.0");
  EXPECT_EQ(ParseListenAddress("[::1]:9464")->host, "[::1]");
}

TEST(ListenAddress, RefusesWhatIsNotHostColonPort) {
  for (const char* bad : {"9464", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:65536", "127.0.0.1:-1",
                          "example.com:9464", "[::1:9464", "[nope]:9464", "1.2.3:9464"}) {
    auto a = ParseListenAddress(bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_TRUE(a.status().IsInvalidArgument()) << bad;
    EXPECT_NE(a.status().message().find("--metrics-address"), std::string::npos);
  }
}

TEST(HttpEndpoint, ServesMetricsAndProbesOnAFreePort) {
  auto metrics = BusyMetrics();
  auto endpoint = HttpEndpoint::Start("127.0.0.1:0", metrics.get());
  ASSERT_TRUE(endpoint.ok()) << endpoint.status().ToString();
  const std::string base = "http://" + (*endpoint)->address();
  EXPECT_NE((*endpoint)->address(), "127.0.0.1:0");

  auto scrape = HttpGet(base + "/metrics");
  EXPECT_EQ(scrape.status, 200) << scrape.error;
  EXPECT_EQ(Samples(scrape.body).at("reprocessor_input_records_total"), "10");

  auto live = HttpGet(base + "/healthz");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.body.rfind("alive: main loop turned", 0), 0u) << live.body;
  auto ready = HttpGet(base + "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.body.rfind("ready: 2 partitions assigned, lag 3 records", 0), 0u) << ready.body;
  EXPECT_EQ(std::count(ready.body.begin(), ready.body.end(), '\n'), 1) << "one line";

  metrics->health().SetBrokersDownSince(HealthClock::now());
  ready = HttpGet(base + "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body.rfind("no Kafka broker reachable", 0), 0u) << ready.body;

  EXPECT_EQ(HttpGet(base + "/other").status, 404);
}

TEST(HttpEndpoint, APortInUseIsAnIoErrorNamingTheAddress) {
  JobMetrics metrics(TestBuild());
  auto first = HttpEndpoint::Start("127.0.0.1:0", &metrics);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = HttpEndpoint::Start((*first)->address(), &metrics);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kIOError) << second.status().ToString();
  EXPECT_NE(second.status().message().find((*first)->address()), std::string::npos)
      << second.status().ToString();
}

TEST(Promtool, AcceptsTheRenderedMetrics) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/metrics.txt";
  std::ofstream(path) << BusyMetrics()->Render();
  // promtool reads the exposition on stdin; lint problems make it exit non-zero.
  auto r = testing::RunProcess({"promtool", "check", "metrics"}, testing::ReadFile(path));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out + r.err, "");
}

}  // namespace
}  // namespace rp::metrics
