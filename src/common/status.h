// Status: the outcome of an operation that returns no value.
// Errors cross layer boundaries as values, never as exceptions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace rp {

// [[nodiscard]]: an error dropped on the floor is a bug the compiler finds.
class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // bad flags, config, or input that the caller controls
    kNotFound,
    kIOError,
    kCorruption,       // stored data that does not parse (a log entry, a file)
    kConflict,         // another writer won a race that cannot be retried
    kUnsupported,      // valid but beyond what we implement (e.g. a Delta reader feature)
    kTimeout,
    kInternal,
  };

  Status() = default;  // OK
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }
  static Status Unsupported(std::string msg) { return Status(Code::kUnsupported, std::move(msg)); }
  static Status Timeout(std::string msg) { return Status(Code::kTimeout, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }
  // A status of any code (kOk gives OK, whatever the message).
  static Status FromCode(Code code, std::string msg) {
    return code == Code::kOk ? Status() : Status(code, std::move(msg));
  }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  // The message without the code name; empty for OK.
  const std::string& message() const;
  // "Code: message", or "OK".
  std::string ToString() const;

  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsConflict() const { return code() == Code::kConflict; }

  // Returns a copy with "context: " prepended to the message.
  Status WithContext(std::string_view context) const;

 private:
  struct State {
    Code code;
    std::string message;
  };
  Status(Code code, std::string msg) : state_(std::make_shared<const State>(State{code, std::move(msg)})) {}
  // Shared and immutable: copying an error is cheap, OK costs nothing.
  std::shared_ptr<const State> state_;
};

const char* CodeName(Status::Code code);

}  // namespace rp

#define RP_RETURN_IF_ERROR(expr)           \
  do {                                     \
    ::rp::Status _rp_status = (expr);      \
    if (!_rp_status.ok()) return _rp_status; \
  } while (0)
