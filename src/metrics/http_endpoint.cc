#include "metrics/http_endpoint.h"

#include <CivetServer.h>
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "common/log.h"

namespace rp::metrics {
namespace {

// civetweb reports why it could not start (a port in use, say) through its
// log callback, on the thread that constructs the server: kept here for the
// error line.
thread_local std::string* t_start_errors = nullptr;

int OnCivetLog(const mg_connection*, const char* message) {
  if (t_start_errors) {
    if (!t_start_errors->empty()) *t_start_errors += "; ";
    *t_start_errors += message;
  } else {
    Log(LogLevel::kWarn, "metrics", "http: {}", message);
  }
  return 1;  // handled: civetweb prints nothing itself
}

void Send(mg_connection* conn, int code, std::string_view content_type, std::string_view body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %.*s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n\r\n",
            code, code == 200 ? "OK" : "Service Unavailable", static_cast<int>(content_type.size()),
            content_type.data(), body.size());
  mg_write(conn, body.data(), body.size());
}

// One GET handler per path; civetweb calls it on one of its worker threads.
class GetHandler : public CivetHandler {
 public:
  explicit GetHandler(std::function<void(mg_connection*)> answer) : answer_(std::move(answer)) {}
  bool handleGet(CivetServer*, mg_connection* conn) override {
    answer_(conn);
    return true;
  }

 private:
  std::function<void(mg_connection*)> answer_;
};

void SendVerdict(mg_connection* conn, const HealthVerdict& verdict) {
  Send(conn, verdict.ok ? 200 : 503, "text/plain; charset=utf-8", verdict.reason + "\n");
}

}  // namespace

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(
        fmt::format("--metrics-address '{}': {} (HOST:PORT, e.g. 0.0.0.0:9464)", text, why));
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  const std::string_view host = text.substr(0, colon), port_text = text.substr(colon + 1);
  ListenAddress address;
  const char* end = port_text.data() + port_text.size();
  auto [ptr, ec] = std::from_chars(port_text.data(), end, address.port);
  if (port_text.empty() || ec != std::errc() || ptr != end || address.port < 0 || address.port > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  if (host.empty() || host == "*") {
    address.host = "0.0.0.0";
  } else if (host == "localhost") {
    address.host = "127.0.0.1";
  } else if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr v6;
    if (inet_pton(AF_INET6, std::string(host.substr(1, host.size() - 2)).c_str(), &v6) != 1) {
      return bad("not an IPv6 address");
    }
    address.host = std::string(host);
  } else {
    in_addr v4;
    if (inet_pton(AF_INET, std::string(host).c_str(), &v4) != 1) {
      return bad("the host must be an IP address, localhost or [IPv6]");
    }
    address.host = std::string(host);
  }
  return address;
}

struct HttpEndpoint::Server {
  explicit Server(JobMetrics* metrics)
      : metrics_handler([metrics](mg_connection* conn) {
          Send(conn, 200, "text/plain; version=0.0.4; charset=utf-8", metrics->Render());
        }),
        healthz_handler([metrics](mg_connection* conn) { SendVerdict(conn, metrics->health().Liveness()); }),
        readyz_handler([metrics](mg_connection* conn) { SendVerdict(conn, metrics->health().Readiness()); }) {
  }

  GetHandler metrics_handler, healthz_handler, readyz_handler;
  std::unique_ptr<CivetServer> civet;  // last: stopped before the handlers go
};

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(std::string_view address, JobMetrics* metrics) {
  RP_ASSIGN_OR_RETURN(ListenAddress listen, ParseListenAddress(address));
  std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint());
  endpoint->server_ = std::make_unique<Server>(metrics);
  const std::vector<std::string> options = {
      "listening_ports",
      fmt::format("{}:{}", listen.host, listen.port),
      // A scrape and a probe or two at a time: no need for civetweb's 50 threads.
      "num_threads",
      "4",
      "request_timeout_ms",
      "10000",
  };
  CivetCallbacks callbacks;
  callbacks.log_message = &OnCivetLog;
  std::string errors;
  t_start_errors = &errors;
  try {
    endpoint->server_->civet = std::make_unique<CivetServer>(options, &callbacks);
  } catch (const std::exception& e) {
    t_start_errors = nullptr;
    return Status::IOError(
        fmt::format("cannot serve metrics on {}: {}", address, errors.empty() ? e.what() : errors));
  }
  t_start_errors = nullptr;
  CivetServer& civet = *endpoint->server_->civet;
  civet.addHandler("/metrics", endpoint->server_->metrics_handler);
  civet.addHandler("/healthz", endpoint->server_->healthz_handler);
  civet.addHandler("/readyz", endpoint->server_->readyz_handler);
  const std::vector<int> ports = civet.getListeningPorts();
  endpoint->host_ = listen.host;
  endpoint->port_ = ports.empty() ? listen.port : ports.front();
  endpoint->address_ = fmt::format("{}:{}", endpoint->host_, endpoint->port_);
  return endpoint;
}

namespace {

// civetweb's master thread looks at its stop flag between polls of the
// listening socket, every 2 s (SOCKET_TIMEOUT_QUANTUM): a job would take that
// long to exit. A connection wakes the poll, so the destructor connects until
// close() returns.
void WakeListener(const std::string& host, int port) {
  const bool v6 = host.front() == '[';
  const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a.sin6_addr);
    if (IN6_IS_ADDR_UNSPECIFIED(&a.sin6_addr)) a.sin6_addr = in6addr_loopback;
    connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host == "0.0.0.0" ? "127.0.0.1" : host.c_str(), &a.sin_addr);
    connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  close(fd);
}

}  // namespace

HttpEndpoint::~HttpEndpoint() {
  if (!server_ || !server_->civet) return;
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    server_->civet->close();
    closed = true;
  });
  for (int i = 0; i < 200 && !closed; ++i) {
    WakeListener(host_, port_);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  closer.join();
}

}  // namespace rp::metrics
