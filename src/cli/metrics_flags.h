// The flags of the jobs' metrics and health endpoint, shared by `sync`,
// `stream` and `reprocess`: --metrics-address HOST:PORT (serve /metrics,
// /healthz and /readyz there; port 0 picks a free one; the bound address is
// logged at info once the job runs) and
// --ready-max-commit-age (readiness: how old the last commit may be while
// there is lag). Starting the endpoint is checked before the job contacts a
// broker: a malformed address is a usage error (exit 2), a port in use a
// failure (exit 1).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "metrics/http_endpoint.h"
#include "metrics/job_metrics.h"

namespace rp::cli {

// The running endpoint and what it serves; empty when no address was given.
class MetricsService {
 public:
  metrics::JobMetrics* metrics() const { return metrics_.get(); }

 private:
  friend struct MetricsFlags;
  std::unique_ptr<metrics::JobMetrics> metrics_;
  std::unique_ptr<metrics::HttpEndpoint> endpoint_;  // after metrics_: stopped before it goes
};

struct MetricsFlags {
  std::optional<std::string> address;
  int64_t ready_max_commit_age_s = 60;

  void AddTo(CLI::App* cmd);
  // `command` is the build-info metric's command label.
  Result<MetricsService> Start(std::string_view command) const;
};

}  // namespace rp::cli
