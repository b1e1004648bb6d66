#include "support/prometheus_server.h"

#include <curl/curl.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

#include "support/http.h"

namespace rp::testing {

PrometheusServer::PrometheusServer(const std::vector<std::string>& targets) : port_(FreePort()) {
  const std::string config = dir_.path() + "/prometheus.yml";
  {
    std::ofstream out(config);
    out << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
        << "scrape_configs:\n  - job_name: reprocessor\n    static_configs:\n      - targets: [";
    for (size_t i = 0; i < targets.size(); ++i) out << (i ? ", " : "") << "'" << targets[i] << "'";
    out << "]\n";
  }
  process_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{"prometheus", "--config.file=" + config,
                               "--storage.tsdb.path=" + dir_.path() + "/data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
      dir_.path() + "/prometheus.log");
  const std::string ready = "http://127.0.0.1:" + std::to_string(port_) + "/-/ready";
  if (!WaitFor([&] { return HttpGet(ready, 1000).status == 200 || !process_->Running(); }, 60000) ||
      !process_->Running()) {
    error_ = "prometheus did not become ready:\n" + log();
  }
}

PrometheusServer::~PrometheusServer() {
  if (process_ && process_->Running()) {
    process_->Signal(SIGTERM);
    process_->Wait(10000);
  }
}

std::optional<double> PrometheusServer::Query(const std::string& promql) const {
  char* escaped = curl_easy_escape(nullptr, promql.c_str(), static_cast<int>(promql.size()));
  const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/query?query=" + escaped;
  curl_free(escaped);
  HttpResponse r = HttpGet(url);
  // {"status":"success","data":{"resultType":"vector","result":[{"metric":{…},"value":[<time>,"<value>"]}]}}
  if (r.status != 200) return std::nullopt;
  const size_t value = r.body.find("\"value\":[");
  if (value == std::string::npos) return std::nullopt;
  const size_t quote = r.body.find('"', r.body.find(',', value));
  if (quote == std::string::npos) return std::nullopt;
  return std::strtod(r.body.c_str() + quote + 1, nullptr);
}

}  // namespace rp::testing
