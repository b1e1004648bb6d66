// HttpEndpoint: the job's one HTTP listener (--metrics-address HOST:PORT),
// serving
//   /metrics  the Prometheus text format of JobMetrics,
//   /healthz  200 or 503 with a one-line reason (liveness, metrics/health.h),
//   /readyz   the same for readiness.
//
// Why civetweb's CivetServer and not prometheus-cpp's Exposer: the Exposer
// (prometheus-cpp-pull, itself built on civetweb) serves registries at its
// own paths only and offers no way to add other handlers, and the probes
// belong on the same port as the metrics (one port to open, one to
// configure). So the endpoint is one CivetServer (Debian's libcivetweb, the
// same server the Exposer wraps) with three handlers; /metrics serializes
// the registry with prometheus::TextSerializer, as the Exposer would. No HTTP
// is hand-written here beyond the status line and headers of each answer.
//
// Port 0 picks a free port; address() is the bound one (jobs log it, tests
// read it from the log).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "metrics/job_metrics.h"

namespace rp::metrics {

// A listen address: an IPv4 literal, "localhost", a bracketed IPv6 literal
// ("[::1]"), or "" / "*" / "0.0.0.0" for every IPv4 interface; then ":PORT",
// 0 to 65535. InvalidArgument otherwise.
struct ListenAddress {
  std::string host;  // as civetweb takes it: "127.0.0.1", "[::1]", "0.0.0.0"
  int port = 0;
};
Result<ListenAddress> ParseListenAddress(std::string_view text);

class HttpEndpoint {
 public:
  // Starts serving `metrics` (which must outlive the endpoint). IOError when
  // the address cannot be bound.
  static Result<std::unique_ptr<HttpEndpoint>> Start(std::string_view address, JobMetrics* metrics);
  ~HttpEndpoint();  // stops serving; a request under way is finished first
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // "HOST:PORT" with the port actually bound.
  const std::string& address() const { return address_; }

 private:
  struct Server;
  HttpEndpoint() = default;

  std::string address_, host_;
  int port_ = 0;
  std::unique_ptr<Server> server_;
};

}  // namespace rp::metrics
