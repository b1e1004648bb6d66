#include <fmt/format.h>

#include "cli/build_info.h"
#include "delta/data_file_writer.h"
#include "kafka/handle.h"

namespace rp::cli {

std::string VersionText() {
  return fmt::format("reprocessor {} (commit {})\nlibrdkafka {}\nArrow {}\n", BuildVersion(), BuildCommit(),
                     kafka::LibrdkafkaVersion(), delta::ArrowVersion());
}

}  // namespace rp::cli
