// Test support: a real Prometheus server (Debian's `prometheus` package),
// started by a test with a generated config that scrapes the given targets
// every second, on a free port with its own temp data dir, and stopped by the
// destructor. Queries go through its HTTP API (/api/v1/query), as a
// dashboard's would.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/process.h"

namespace rp::testing {

class PrometheusServer {
 public:
  // `targets`: "host:port" of /metrics endpoints, scraped as job "reprocessor".
  explicit PrometheusServer(const std::vector<std::string>& targets);
  ~PrometheusServer();

  // Whether it started and answers /-/ready; "" or why not (with its log).
  const std::string& error() const { return error_; }
  // The value of an instant query that yields one sample (e.g. a sum()),
  // nullopt when it yields none or fails.
  std::optional<double> Query(const std::string& promql) const;
  std::string log() const { return ReadFile(dir_.path() + "/prometheus.log"); }
  int port() const { return port_; }

 private:
  TempDir dir_;
  int port_ = 0;
  std::string error_;
  std::unique_ptr<BackgroundProcess> process_;
};

}  // namespace rp::testing
