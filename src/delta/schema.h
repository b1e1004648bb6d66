// Delta's schemaString (PROTOCOL.md "Schema Serialization Format") <->
// arrow::Schema.
//
//   string<->utf8  long<->int64  integer<->int32  short<->int16  byte<->int8
//   boolean<->bool  float<->float32  double<->float64  binary<->binary
//   date<->date32  timestamp<->timestamp[us, tz=UTC]  timestamp_ntz<->timestamp[us]
//   decimal(p,s)<->decimal128(p,s)  struct/array/map<->struct/list/map
//
// Arrow's large_utf8/large_binary, and timestamps of any unit, map to the
// same Delta types when writing. Column metadata is written as {} and not
// carried into Arrow on reading.
#pragma once

#include <arrow/type_fwd.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rp::delta {

// Parses a schemaString. Unknown or unsupported types (variant, void, …) give
// Unsupported naming the column; malformed JSON gives Corruption.
Result<std::shared_ptr<arrow::Schema>> SchemaFromDeltaJson(std::string_view schema_string);

// Serializes an Arrow schema as a Delta schemaString (compact JSON).
// Arrow types without a Delta equivalent give InvalidArgument naming the column.
Result<std::string> SchemaToDeltaJson(const arrow::Schema& schema);

// The Delta type name of an Arrow primitive type ("long", "timestamp_ntz",
// "decimal(10,2)", …), for messages and comparisons; InvalidArgument if none.
Result<std::string> DeltaTypeName(const arrow::DataType& type);

}  // namespace rp::delta
