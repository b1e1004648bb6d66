// The one bridge from Arrow's errors to ours: every layer that calls Arrow
// or Parquet C++ (the Delta layer's files and scans, S3, the jobs' raw-table
// builders) turns an arrow::Status into a Status here, so an Arrow failure
// reads and classifies the same wherever it happens.
#pragma once

#include <arrow/result.h>
#include <arrow/status.h>

#include <string_view>

#include "common/status.h"

namespace rp::delta {

// Arrow's I/O errors stay IOError and its NotImplemented/TypeError become
// Unsupported (valid data beyond what Arrow reads); any other error gets
// `otherwise`: Corruption where the bytes came from a file, Internal where we
// built the data ourselves. The message is "<context>: <arrow's message>".
Status FromArrowError(const arrow::Status& s, std::string_view context, Status::Code otherwise);

inline Status FromArrow(const arrow::Status& s, std::string_view context, Status::Code otherwise) {
  if (s.ok()) [[likely]]
    return Status::OK();
  return FromArrowError(s, context, otherwise);
}

}  // namespace rp::delta
