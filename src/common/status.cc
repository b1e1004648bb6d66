#include "common/status.h"

namespace rp {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kInvalidArgument: return "Invalid argument";
    case Status::Code::kNotFound: return "Not found";
    case Status::Code::kIOError: return "IO error";
    case Status::Code::kCorruption: return "Corruption";
    case Status::Code::kConflict: return "Conflict";
    case Status::Code::kUnsupported: return "Unsupported";
    case Status::Code::kTimeout: return "Timeout";
    case Status::Code::kInternal: return "Internal error";
  }
  return "Unknown";
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(state_->code)) + ": " + state_->message;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(state_->code, std::string(context) + ": " + state_->message);
}

}  // namespace rp
