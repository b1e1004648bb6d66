// The build-info metric: a gauge fixed at 1 whose labels say what runs (the
// command, our version and commit, and the librdkafka and Arrow versions, the
// libraries that decide behaviour on the wire and on disk), the Prometheus
// convention for joining versions onto other series. The caller supplies the
// versions: this layer sits below the Kafka and Delta layers that know them.
#pragma once

#include <prometheus/registry.h>

#include <string>

namespace rp::metrics {

struct BuildInfo {
  std::string command;  // sync, stream or reprocess
  std::string version, commit;
  std::string librdkafka_version, arrow_version;
};

inline constexpr const char* kBuildInfoName = "reprocessor_build_info";

void RegisterBuildInfo(prometheus::Registry& registry, const BuildInfo& info);

}  // namespace rp::metrics
