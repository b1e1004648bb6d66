#include "delta/arrow_status.h"

#include <string>

namespace rp::delta {

Status FromArrowError(const arrow::Status& s, std::string_view context, Status::Code otherwise) {
  Status::Code code = otherwise;
  if (s.IsIOError()) code = Status::Code::kIOError;
  if (s.IsNotImplemented() || s.IsTypeError()) code = Status::Code::kUnsupported;
  return Status::FromCode(code, std::string(context) + ": " + s.ToString());
}

}  // namespace rp::delta
