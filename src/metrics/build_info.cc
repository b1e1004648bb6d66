#include "metrics/build_info.h"

#include <prometheus/gauge.h>

namespace rp::metrics {

void RegisterBuildInfo(prometheus::Registry& registry, const BuildInfo& info) {
  prometheus::BuildGauge()
      .Name(kBuildInfoName)
      .Help(
          "Always 1; the labels name the command, its version and commit, and the librdkafka and Arrow "
          "versions")
      .Register(registry)
      .Add({{"command", info.command},
            {"version", info.version},
            {"commit", info.commit},
            {"librdkafka_version", info.librdkafka_version},
            {"arrow_version", info.arrow_version}})
      .Set(1);
}

}  // namespace rp::metrics
