// Test support: plain HTTP GETs (libcurl), for the jobs' /metrics, /healthz
// and /readyz and for a Prometheus server's API.
#pragma once

#include <string>

namespace rp::testing {

struct HttpResponse {
  long status = 0;  // 0: no answer (see error)
  std::string body;
  std::string error;  // libcurl's, when there was no answer
};

HttpResponse HttpGet(const std::string& url, long timeout_ms = 5000);

}  // namespace rp::testing
