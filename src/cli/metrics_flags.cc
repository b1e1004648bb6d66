#include "cli/metrics_flags.h"

#include "cli/build_info.h"
#include "common/log.h"
#include "delta/data_file_writer.h"
#include "kafka/handle.h"

namespace rp::cli {

void MetricsFlags::AddTo(CLI::App* cmd) {
  cmd->add_option(
      "--metrics-address", address,
      "Serve Prometheus metrics at /metrics and health probes at /healthz and /readyz on HOST:PORT "
      "(e.g. 0.0.0.0:9464; port 0 picks a free port, logged once the job runs)");
  cmd->add_option("--ready-max-commit-age", ready_max_commit_age_s,
                  "/readyz fails when, with records waiting, the last commit is older than this many seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

Result<MetricsService> MetricsFlags::Start(std::string_view command) const {
  MetricsService service;
  if (!address) return service;
  metrics::BuildInfo build{std::string(command), BuildVersion(), BuildCommit(), kafka::LibrdkafkaVersion(),
                           delta::ArrowVersion()};
  metrics::HealthPolicy policy;
  policy.max_commit_age = std::chrono::seconds(ready_max_commit_age_s);
  service.metrics_ = std::make_unique<metrics::JobMetrics>(build, policy);
  RP_ASSIGN_OR_RETURN(service.endpoint_, metrics::HttpEndpoint::Start(*address, service.metrics_.get()));
  // Said once the job runs, so that a refused start still prints its one error line only.
  service.metrics_->health().OnRunning([bound = service.endpoint_->address()] {
    Log(LogLevel::kInfo, "metrics", "serving /metrics, /healthz and /readyz on http://{}", bound);
  });
  return service;
}

}  // namespace rp::cli
