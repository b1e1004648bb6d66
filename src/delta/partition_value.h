// Partition values as text, the way the log stores them (PROTOCOL.md,
// "Partition Value Serialization"): integers in decimal, booleans as
// "true"/"false", dates "yyyy-MM-dd", strings unchanged; null (and, as the
// protocol says, the empty string) is nullopt.
#pragma once

#include <arrow/api.h>

#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace rp::delta {

// Whether a column of this type can be a partition column here.
bool IsSupportedPartitionType(const arrow::DataType& type);

// The log text of array[row].
Result<std::optional<std::string>> SerializePartitionValue(const arrow::Array& array, int64_t row);

// The typed scalar for a log value (a null scalar for nullopt), for columns the
// scan re-materializes. Text that does not parse as `type` is Corruption.
Result<std::shared_ptr<arrow::Scalar>> ParsePartitionValue(const std::optional<std::string>& value,
                                                           const std::shared_ptr<arrow::DataType>& type);

}  // namespace rp::delta
