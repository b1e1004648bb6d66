// Logic: the one seam for business logic. `stream`, `reprocess` (dry runs
// included) and `transform` hand every record to a Logic and nothing else, so
// a record gives the same output live and in replay, whichever logic it is.
//
// Kinds (OpenLogic): the built-in Spark-exact `visits` logic
// (logic/visits_logic.h), Lua scripts (logic/lua/lua_logic.h) and C plugins
// (logic/plugin/plugin_logic.h; their ABI is include/reprocessor/logic_plugin.h).
// A new kind implements this interface in a folder of its own and adds a case
// to OpenLogic.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "logic/visit_transform.h"

namespace rp::logic {

struct HeaderView {
  std::string_view name;
  std::optional<std::string_view> value;  // nullopt: a header without a value
};

// A record as it arrived (from Kafka, the raw table, or stdin). Views: valid
// for the duration of one Apply call.
struct InputRecord {
  std::optional<std::string_view> value;  // nullopt: a tombstone
  std::optional<std::string_view> key;
  std::span<const HeaderView> headers;
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // -1: unknown
};

struct Header {
  std::string name;
  std::optional<std::string> value;
};

// What the logic made of a record. Apply replaces all three fields.
struct OutputRecord {
  std::optional<std::string> value;
  std::optional<std::string> key;
  std::vector<Header> headers;
};

// Why a record was dead-lettered: a short stable name ("invalid_json",
// "script_error", "timeout", …) and a human-readable detail.
struct LogicRejection {
  std::string reason;
  std::string detail;
};

enum class Outcome {
  kOutput,    // `out` holds the output record
  kFiltered,  // dropped on purpose: counted, not dead-lettered
  kRejected,  // `rejection` says why: dead-lettered
};

// One instance per thread: implementations keep parser state and are not
// thread-safe.
class Logic {
 public:
  virtual ~Logic() = default;
  virtual Outcome Apply(const InputRecord& in, OutputRecord* out, LogicRejection* rejection) = 0;
  // "visits", "lua:/path/to/script.lua", …: for logs and summaries.
  virtual std::string Describe() const = 0;
};

// What the user chose: `--logic` (visits | lua:PATH | plugin:PATH), `--logic-option
// name=value` (repeatable), and the visits logic's own `--timezone` and
// `--strict` (its time zone is also the default zone of a script's Spark
// timestamp helpers).
struct LogicSpec {
  std::string logic = "visits";
  std::map<std::string, std::string> options;
  TransformOptions visits;
  // Lua: how long one record may run before it is stopped and dead-lettered.
  int64_t timeout_ms = 1000;
};

// Parses "name=value" into spec->options (InvalidArgument when malformed).
Status AddLogicOption(std::string_view assignment, LogicSpec* spec);

// Loads the chosen logic: a script that does not load, an unknown kind or an
// option a logic does not take is InvalidArgument (one line for the user).
Result<std::unique_ptr<Logic>> OpenLogic(const LogicSpec& spec);

}  // namespace rp::logic
