// --metrics-address on sync, stream and reprocess: checked before any broker
// is contacted. A malformed address is a usage error (exit 2), a port in use
// a failure (exit 1); either way one line.
#include <gtest/gtest.h>

#include <algorithm>

#include "metrics/http_endpoint.h"
#include "support/local_broker.h"
#include "support/process.h"

namespace rp {
namespace {

using testing::ReprocessorBinary;
using testing::RunProcess;

// Each job's flags, short of --metrics-address. The broker address leads
// nowhere: the job must fail before it matters.
std::vector<std::vector<std::string>> JobCommands(const std::string& table) {
  return {{"sync", "--topic", "t", "--table", table, "-b", "127.0.0.1:1"},
          {"stream", "--input-topic", "t", "-b", "127.0.0.1:1"},
          {"reprocess", "--table", table, "--output-topic", "o", "-b", "127.0.0.1:1"}};
}

void ExpectOneLineFailure(std::vector<std::string> args, int exit_code, const std::string& mentions) {
  args.insert(args.begin(), ReprocessorBinary());
  auto r = RunProcess(args);
  EXPECT_EQ(r.exit_code, exit_code) << args[1] << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(mentions), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(MetricsFlags, AMalformedAddressIsAUsageError) {
  testing::TempDir dir;
  for (auto args : JobCommands(dir.path() + "/table")) {
    for (const char* bad : {"9464", "localhost:http", "example.com:9464"}) {
      auto with = args;
      with.insert(with.end(), {"--metrics-address", bad});
      ExpectOneLineFailure(with, 2, std::string("--metrics-address '") + bad + "'");
    }
  }
}

TEST(MetricsFlags, APortInUseFailsTheJobAtOnce) {
  testing::TempDir dir;
  metrics::JobMetrics holder_metrics({"test", "", "", "", ""});
  auto holder = metrics::HttpEndpoint::Start("127.0.0.1:0", &holder_metrics);
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  for (auto args : JobCommands(dir.path() + "/table")) {
    args.insert(args.end(), {"--metrics-address", (*holder)->address()});
    ExpectOneLineFailure(args, 1, "cannot serve metrics on " + (*holder)->address());
  }
}

}  // namespace
}  // namespace rp
