// simdjson helpers shared by the log parsers (internal to rp_delta: this
// header exposes simdjson types and is not for other layers).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "delta/actions.h"

namespace rp::delta::json {

using simdjson::dom::element;
using simdjson::dom::object;

// Field accessors: a missing field or JSON null reads as nullopt; a present
// field of another type is Corruption "<what>.<key>: expected <type>".
Result<std::optional<std::string_view>> OptString(object o, std::string_view what, const char* key);
Result<std::optional<int64_t>> OptInt(object o, std::string_view what, const char* key);
Result<std::optional<bool>> OptBool(object o, std::string_view what, const char* key);
// Same, but absence is Corruption "<what>.<key>: missing".
Result<std::string_view> ReqString(object o, std::string_view what, const char* key);
Result<int64_t> ReqInt(object o, std::string_view what, const char* key);

// The field as an object/array, or nullopt when missing or null.
Result<std::optional<object>> OptObject(object o, std::string_view what, const char* key);
Result<std::optional<simdjson::dom::array>> OptArray(object o, std::string_view what, const char* key);

// {"k":"v",…}; null values are dropped (a Map[String,String] has none).
Status ReadStringMap(object o, std::string_view what, std::map<std::string, std::string>* out);
// {"k":"v"|null,…}: partition values keep their nulls.
Status ReadPartitionValues(object o, std::string_view what, PartitionValues* out);
// ["a","b"]
Status ReadStringList(simdjson::dom::array a, std::string_view what, std::vector<std::string>* out);

// The action bodies (the object inside {"add":…}).
Status ParseProtocol(object o, Protocol* out);
Status ParseMetadata(object o, Metadata* out);
Status ParseAddFile(object o, AddFile* out);
Status ParseRemoveFile(object o, RemoveFile* out);
Status ParseTxn(object o, Txn* out);
// commitInfo is free-form: fields that do not fit are skipped, never an error.
void ParseCommitInfo(object o, CommitInfo* out);

}  // namespace rp::delta::json
