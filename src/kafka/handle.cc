#include "kafka/handle.h"

namespace rp::kafka {

std::string LibrdkafkaVersion() { return rd_kafka_version_str(); }

Status KafkaError(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::OK();
  std::string msg = what + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return Status::Timeout(msg);
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return Status::NotFound(msg);
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
      return Status::InvalidArgument(msg);
    default:
      return Status::IOError(msg);
  }
}

}  // namespace rp::kafka
