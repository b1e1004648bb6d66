// The Lua logic kind: a user's script with a global `transform(record)`.
//
// Lua 5.4 (Debian's liblua5.4), not LuaJIT, by measurement: calling a small
// transform through the C API ran at 1.04-1.12M records/s on Lua 5.4 and
// 1.43-1.50M/s on LuaJIT (the per-record table building dominates), but
// LuaJIT does not run count hooks inside compiled traces, so a runaway
// `while true do end` could never be stopped there (tried: killed after 5 s,
// where Lua 5.4 stopped it at the 200 ms limit).
//
// Sandbox: only the base (without load, loadfile, dofile), string (without
// dump), table, math, utf8 and coroutine libraries; no io, os, package, debug
// or C modules. Scripts load as text only (no precompiled bytecode).
//
// Helpers for scripts (see README "Bring your own logic"):
//   json.decode(text) -> value       objects and arrays become tables,
//                                    JSON null becomes json.null
//   json.encode(value[, key_order])  compact JSON; object keys in `key_order`
//                                    come first in that order, others sorted
//   json.null                        the null sentinel (also: a null value/key)
//   spark.parse_timestamp(text[, zone]) -> epoch micros or nil
//                                    Spark's CAST(string AS TIMESTAMP)
//   spark.format_timestamp(micros[, zone]) -> text, as Spark's to_json writes it
//   options                          the --logic-option name=value pairs
#include "logic/lua/lua_logic.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include "common/json_string.h"
#include "common/utf8.h"
#include "logic/spark_timestamp.h"
#include "logic/time_zone.h"

namespace rp::logic {
namespace {

using Clock = std::chrono::steady_clock;

// The registry key of the json.null sentinel (its address is unique).
char kNullKey;
// The registry key of the LuaLogic owning a state.
char kSelfKey;
// The error object of a timeout: the guarded pcall, xpcall and
// coroutine.resume of the prelude pass it on, so a script cannot catch it.
char kTimeoutKey;

// Runs once per state, before the script: wraps the functions that catch
// errors so that the timeout error goes through them. Called with the
// timeout sentinel as its argument.
constexpr const char* kPrelude = R"lua(
local timeout = ...
local raw_pcall, raw_xpcall, raw_error, raw_select = pcall, xpcall, error, select
local function pass(ok, ...)
  if not ok and (...) == timeout then raw_error(timeout, 0) end
  return ok, ...
end
pcall = function(f, ...) return pass(raw_pcall(f, ...)) end
xpcall = function(f, handler, ...)
  return pass(raw_xpcall(f, function(e) if e == timeout then return e end return handler(e) end, ...))
end
local raw_resume = coroutine.resume
coroutine.resume = function(co, ...) return pass(raw_resume(co, ...)) end
)lua";

// lua_getfield without metamethods: a script's result table may carry a
// metatable whose __index would run (and could fail) outside any pcall.
int RawGetField(lua_State* L, int table_index, const char* name) {
  table_index = lua_absindex(L, table_index);
  lua_pushstring(L, name);
  return lua_rawget(L, table_index);
}

constexpr size_t kMaxDetailCodePoints = 500;
constexpr int kMaxJsonDepth = 100;
constexpr int kHookInstructions = 1000;

void PushNull(lua_State* L) { lua_pushlightuserdata(L, &kNullKey); }
bool IsNull(lua_State* L, int index) { return lua_touserdata(L, index) == &kNullKey; }

// ---- json.decode -----------------------------------------------------------

void PushJson(lua_State* L, simdjson::dom::element e, int depth) {
  if (depth > kMaxJsonDepth) luaL_error(L, "json.decode: nested deeper than %d", kMaxJsonDepth);
  luaL_checkstack(L, 3, "json.decode");
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object o = e.get_object().value_unsafe();
      lua_createtable(L, 0, static_cast<int>(o.size()));
      for (auto field : o) {
        lua_pushlstring(L, field.key.data(), field.key.size());
        PushJson(L, field.value, depth + 1);
        lua_rawset(L, -3);
      }
      return;
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array a = e.get_array().value_unsafe();
      lua_createtable(L, static_cast<int>(a.size()), 0);
      lua_Integer i = 0;
      for (auto item : a) {
        PushJson(L, item, depth + 1);
        lua_rawseti(L, -2, ++i);
      }
      return;
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case simdjson::dom::element_type::INT64:
      lua_pushinteger(L, static_cast<lua_Integer>(e.get_int64().value_unsafe()));
      return;
    case simdjson::dom::element_type::UINT64:
      lua_pushnumber(L, static_cast<lua_Number>(e.get_uint64().value_unsafe()));
      return;
    case simdjson::dom::element_type::DOUBLE:
      lua_pushnumber(L, e.get_double().value_unsafe());
      return;
    case simdjson::dom::element_type::BOOL:
      lua_pushboolean(L, e.get_bool().value_unsafe() ? 1 : 0);
      return;
    case simdjson::dom::element_type::NULL_VALUE:
      PushNull(L);
      return;
  }
}

// ---- json.encode -----------------------------------------------------------
//
// No function here raises a Lua error: a Lua error unwinds with longjmp and
// would skip the destructors of the C++ strings and vectors on the way. They
// report through `error`, and JsonEncode raises once they are gone.

bool EncodeValue(lua_State* L, int index, int depth, std::string* out, std::string* error);

bool IsSequence(lua_State* L, int index, lua_Integer* n) {
  *n = static_cast<lua_Integer>(lua_rawlen(L, index));
  lua_Integer count = 0;
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1)) {
      lua_pop(L, 1);
      return false;
    }
    lua_Integer k = lua_tointeger(L, -1);
    if (k < 1 || k > *n) {
      lua_pop(L, 1);
      return false;
    }
    ++count;
  }
  return count == *n && *n > 0;
}

bool EncodeTable(lua_State* L, int index, int depth, const std::vector<std::string_view>* key_order,
                 std::string* out, std::string* error) {
  if (!lua_checkstack(L, 4)) {
    *error = "json.encode: out of stack";
    return false;
  }
  lua_Integer n = 0;
  if (IsSequence(L, index, &n)) {
    out->push_back('[');
    for (lua_Integer i = 1; i <= n; ++i) {
      if (i > 1) out->push_back(',');
      lua_rawgeti(L, index, i);
      const bool ok = EncodeValue(L, lua_gettop(L), depth + 1, out, error);
      lua_pop(L, 1);
      if (!ok) return false;
    }
    out->push_back(']');
    return true;
  }
  // The keys, as views of the table's own key strings (the table is on the
  // stack, so they stay alive); a JSON object's keys are text, and a table
  // mixing other keys in is not an array either.
  std::vector<std::string_view> keys;
  keys.reserve(8);
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      *error = std::string("json.encode: a table with a ") + luaL_typename(L, -1) +
               " key is neither an array (keys 1..n) nor an object (string keys)";
      lua_pop(L, 1);
      return false;
    }
    size_t len = 0;
    const char* k = lua_tolstring(L, -1, &len);
    keys.emplace_back(k, len);
  }
  std::sort(keys.begin(), keys.end());
  if (key_order && !key_order->empty()) {
    // The keys named in key_order first, in its order, then the rest sorted.
    auto rest = std::stable_partition(keys.begin(), keys.end(), [&](std::string_view k) {
      return std::find(key_order->begin(), key_order->end(), k) != key_order->end();
    });
    std::sort(keys.begin(), rest, [&](std::string_view a, std::string_view b) {
      return std::find(key_order->begin(), key_order->end(), a) < std::find(key_order->begin(), key_order->end(), b);
    });
  }
  out->push_back('{');
  bool first = true;
  for (const auto& k : keys) {
    lua_pushlstring(L, k.data(), k.size());
    lua_rawget(L, index);
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(k, out);
    out->push_back(':');
    const bool ok = EncodeValue(L, lua_gettop(L), depth + 1, out, error);
    lua_pop(L, 1);
    if (!ok) return false;
  }
  out->push_back('}');
  return true;
}

bool EncodeValue(lua_State* L, int index, int depth, std::string* out, std::string* error) {
  if (depth > kMaxJsonDepth) {
    *error = "json.encode: nested deeper than " + std::to_string(kMaxJsonDepth) + " (a cycle?)";
    return false;
  }
  switch (lua_type(L, index)) {
    case LUA_TNIL:
      out->append("null");
      return true;
    case LUA_TBOOLEAN:
      out->append(lua_toboolean(L, index) ? "true" : "false");
      return true;
    case LUA_TNUMBER: {
      char buf[32];
      if (lua_isinteger(L, index)) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(lua_tointeger(L, index)));
      } else {
        double d = lua_tonumber(L, index);
        if (!std::isfinite(d)) {
          *error = "json.encode: inf and nan are not JSON numbers";
          return false;
        }
        // The shortest of %.15g and %.17g that reads back as the same double.
        std::snprintf(buf, sizeof buf, "%.15g", d);
        if (std::strtod(buf, nullptr) != d) std::snprintf(buf, sizeof buf, "%.17g", d);
      }
      out->append(buf);
      return true;
    }
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      AppendJsonString(std::string_view(s, len), out);
      return true;
    }
    case LUA_TLIGHTUSERDATA:
      if (IsNull(L, index)) {
        out->append("null");
        return true;
      }
      break;
    case LUA_TTABLE:
      return EncodeTable(L, index, depth, nullptr, out, error);
    default:
      break;
  }
  *error = std::string("json.encode: cannot encode a ") + luaL_typename(L, index);
  return false;
}

// ---- library functions -----------------------------------------------------

int JsonDecode(lua_State* L) {
  size_t len = 0;
  const char* text = luaL_checklstring(L, 1, &len);
  static thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto error = parser.parse(text, len).get(root);
  if (error) return luaL_error(L, "json.decode: %s", simdjson::error_message(error));
  PushJson(L, root, 0);
  return 1;
}

int JsonEncode(lua_State* L) {
  luaL_checkany(L, 1);
  const bool ordered = lua_istable(L, 2);
  if (ordered) {  // checked before any C++ object exists (see above)
    for (lua_Integer i = 1; lua_rawgeti(L, 2, i) != LUA_TNIL; ++i) {
      if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "json.encode: key_order[%I] is not a string", i);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  bool ok = false;
  {
    // Views of key_order's strings: the table at index 2 keeps them alive.
    std::vector<std::string_view> order;
    if (ordered) {
      for (lua_Integer i = 1; lua_rawgeti(L, 2, i) != LUA_TNIL; ++i) {
        size_t len = 0;
        const char* k = lua_tolstring(L, -1, &len);
        order.emplace_back(k, len);
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
    static thread_local std::string out;
    std::string error;
    out.clear();
    ok = lua_istable(L, 1) ? EncodeTable(L, 1, 0, ordered ? &order : nullptr, &out, &error)
                           : EncodeValue(L, 1, 0, &out, &error);
    lua_pushlstring(L, ok ? out.data() : error.data(), ok ? out.size() : error.size());
  }
  if (!ok) return lua_error(L);  // the message is on the stack
  return 1;
}

class LuaLogic;
LuaLogic* Self(lua_State* L);

}  // namespace

namespace {

class LuaLogic final : public Logic {
 public:
  LuaLogic(std::string path, const LogicSpec& spec)
      : path_(std::move(path)), default_zone_(spec.visits.zone), timeout_(spec.timeout_ms) {}
  ~LuaLogic() override {
    if (L_) lua_close(L_);
  }

  Status Load(const LogicSpec& spec) {
    L_ = luaL_newstate();
    if (!L_) return Status::Internal("cannot create a Lua state");
    OpenSandboxedLibraries();
    // Every record makes a few short-lived tables: the generational
    // collector (Lua 5.4) frees them young, at a fraction of the cost.
    lua_gc(L_, LUA_GCGEN, 0, 0);
    lua_pushlightuserdata(L_, &kSelfKey);
    lua_pushlightuserdata(L_, this);
    lua_rawset(L_, LUA_REGISTRYINDEX);
    lua_createtable(L_, 0, static_cast<int>(spec.options.size()));
    for (const auto& [name, value] : spec.options) {
      lua_pushlstring(L_, value.data(), value.size());
      lua_setfield(L_, -2, name.c_str());
    }
    lua_setglobal(L_, "options");
    if (luaL_loadstring(L_, kPrelude) != LUA_OK) return Status::Internal("lua prelude: " + PopMessage());
    lua_pushlightuserdata(L_, &kTimeoutKey);
    if (lua_pcall(L_, 1, 0, 0) != LUA_OK) return Status::Internal("lua prelude: " + PopMessage());
    lua_sethook(L_, &LuaLogic::Hook, LUA_MASKCOUNT, kHookInstructions);

    if (luaL_loadfilex(L_, path_.c_str(), "t") != LUA_OK) {
      return Status::InvalidArgument("lua script " + path_ + ": " + PopMessage());
    }
    StartClock();
    if (lua_pcall(L_, 0, 0, 0) != LUA_OK) {
      std::string msg = timed_out_ ? "ran longer than the per-record limit while loading" : PopMessage();
      return Status::InvalidArgument("lua script " + path_ + ": " + msg);
    }
    lua_rawgeti(L_, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    const int type = RawGetField(L_, -1, "transform");
    if (type != LUA_TFUNCTION) {
      lua_settop(L_, 0);
      return Status::InvalidArgument("lua script " + path_ + ": defines no global function transform(record)");
    }
    transform_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);  // the function as it was after loading
    lua_settop(L_, 0);
    return Status::OK();
  }

  Outcome Apply(const InputRecord& in, OutputRecord* out, LogicRejection* rejection) override {
    lua_settop(L_, 0);
    lua_rawgeti(L_, LUA_REGISTRYINDEX, transform_ref_);
    PushRecord(in);
    StartClock();
    if (lua_pcall(L_, 1, 1, 0) != LUA_OK) {
      if (timed_out_) {
        rejection->reason = "timeout";
        rejection->detail = "transform ran longer than " + std::to_string(timeout_.count()) + " ms";
      } else {
        rejection->reason = "script_error";
        rejection->detail = Cut(PopMessage());
      }
      lua_settop(L_, 0);
      return Outcome::kRejected;
    }
    Outcome outcome = TakeResult(in, out, rejection);
    lua_settop(L_, 0);
    return outcome;
  }

  std::string Describe() const override { return "lua:" + path_; }

  // The zone argument at `index` (the default when absent); nullptr if unknown.
  const TimeZone* Zone(lua_State* L, int index) {
    if (lua_isnoneornil(L, index) || lua_type(L, index) != LUA_TSTRING) return &default_zone_;
    std::string name = lua_tostring(L, index);
    auto it = zones_.find(name);
    if (it == zones_.end()) {
      auto zone = TimeZone::Find(name);
      if (!zone.ok()) return nullptr;
      it = zones_.emplace(name, *zone).first;
    }
    return &it->second;
  }

 private:
  static void Hook(lua_State* L, lua_Debug*) {
    LuaLogic* self = Self(L);
    if (Clock::now() > self->deadline_) {
      self->timed_out_ = true;
      lua_pushlightuserdata(L, &kTimeoutKey);
      lua_error(L);
    }
  }

  void StartClock() {
    timed_out_ = false;
    deadline_ = Clock::now() + timeout_;
  }

  std::string PopMessage() {
    const char* msg = lua_type(L_, -1) == LUA_TSTRING || lua_type(L_, -1) == LUA_TNUMBER ? lua_tostring(L_, -1) : nullptr;
    std::string text = msg ? msg : std::string("error object is a ") + luaL_typename(L_, -1);
    lua_pop(L_, 1);
    return text;
  }

  static std::string Cut(std::string text) {
    text = ToValidUtf8(text);
    text.resize(Utf8PrefixBytes(text, kMaxDetailCodePoints));
    return text;
  }

  void OpenSandboxedLibraries() {
    static const luaL_Reg kLibraries[] = {{LUA_GNAME, luaopen_base},          {LUA_STRLIBNAME, luaopen_string},
                                          {LUA_TABLIBNAME, luaopen_table},    {LUA_MATHLIBNAME, luaopen_math},
                                          {LUA_UTF8LIBNAME, luaopen_utf8},    {LUA_COLIBNAME, luaopen_coroutine}};
    for (const auto& lib : kLibraries) {
      luaL_requiref(L_, lib.name, lib.func, 1);
      lua_pop(L_, 1);
    }
    for (const char* name : {"load", "loadfile", "dofile", "require", "collectgarbage"}) {
      lua_pushnil(L_);
      lua_setglobal(L_, name);
    }
    lua_getglobal(L_, LUA_STRLIBNAME);
    lua_pushnil(L_);
    lua_setfield(L_, -2, "dump");
    lua_pop(L_, 1);

    static const luaL_Reg kJson[] = {{"decode", JsonDecode}, {"encode", JsonEncode}, {nullptr, nullptr}};
    luaL_newlib(L_, kJson);
    PushNull(L_);
    lua_setfield(L_, -2, "null");
    lua_setglobal(L_, "json");
    static const luaL_Reg kSpark[] = {{"parse_timestamp", &LuaLogic::ParseTimestamp},
                                      {"format_timestamp", &LuaLogic::FormatTimestamp},
                                      {nullptr, nullptr}};
    luaL_newlib(L_, kSpark);
    lua_setglobal(L_, "spark");
  }

  static const TimeZone& CheckZone(lua_State* L, int index) {
    if (!lua_isnoneornil(L, index)) luaL_checktype(L, index, LUA_TSTRING);
    const TimeZone* zone = Self(L)->Zone(L, index);
    if (!zone) luaL_error(L, "unknown time zone '%s'", lua_tostring(L, index));
    return *zone;
  }

  static int ParseTimestamp(lua_State* L) {
    size_t len = 0;
    const char* text = luaL_checklstring(L, 1, &len);
    std::optional<int64_t> micros = ParseSparkTimestamp(std::string_view(text, len), CheckZone(L, 2));
    if (micros) {
      lua_pushinteger(L, static_cast<lua_Integer>(*micros));
    } else {
      lua_pushnil(L);
    }
    return 1;
  }

  static int FormatTimestamp(lua_State* L) {
    const lua_Integer micros = luaL_checkinteger(L, 1);
    const TimeZone& zone = CheckZone(L, 2);
    {
      std::string text = FormatSparkTimestamp(static_cast<int64_t>(micros), zone);
      lua_pushlstring(L, text.data(), text.size());
    }
    return 1;
  }

  void PushOptionalString(const std::optional<std::string_view>& s) {
    if (s) {
      lua_pushlstring(L_, s->data(), s->size());
    } else {
      lua_pushnil(L_);
    }
  }

  void PushRecord(const InputRecord& in) {
    lua_createtable(L_, 0, 8);
    PushOptionalString(in.value);
    lua_setfield(L_, -2, "value");
    PushOptionalString(in.key);
    lua_setfield(L_, -2, "key");
    lua_pushlstring(L_, in.topic.data(), in.topic.size());
    lua_setfield(L_, -2, "topic");
    lua_pushinteger(L_, in.partition);
    lua_setfield(L_, -2, "partition");
    lua_pushinteger(L_, static_cast<lua_Integer>(in.offset));
    lua_setfield(L_, -2, "offset");
    lua_pushinteger(L_, static_cast<lua_Integer>(in.timestamp_ms));
    lua_setfield(L_, -2, "timestamp");
    lua_createtable(L_, static_cast<int>(in.headers.size()), 0);
    lua_Integer i = 0;
    for (const auto& h : in.headers) {
      lua_createtable(L_, 0, 2);
      lua_pushlstring(L_, h.name.data(), h.name.size());
      lua_setfield(L_, -2, "name");
      PushOptionalString(h.value);
      lua_setfield(L_, -2, "value");
      lua_rawseti(L_, -2, ++i);
    }
    lua_setfield(L_, -2, "headers");
  }

  static void CopyInput(const InputRecord& in, OutputRecord* out) {
    if (in.value) {
      out->value.emplace(*in.value);
    } else {
      out->value.reset();
    }
    if (in.key) {
      out->key.emplace(*in.key);
    } else {
      out->key.reset();
    }
    out->headers.clear();
    for (const auto& h : in.headers) {
      out->headers.push_back({std::string(h.name), h.value ? std::optional<std::string>(*h.value) : std::nullopt});
    }
  }

  // The field `name` of the result table at stack top: absent keeps the
  // input's; json.null makes it null; otherwise it must be a string.
  bool TakeBytesField(const char* name, std::optional<std::string>* field, LogicRejection* rejection) {
    int type = RawGetField(L_, -1, name);
    bool ok = true;
    if (type == LUA_TNIL) {
      // keep the input's
    } else if (IsNull(L_, -1)) {
      field->reset();
    } else if (type == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L_, -1, &len);
      field->emplace(s, len);
    } else {
      rejection->reason = "bad_result";
      rejection->detail = std::string("transform returned a table whose ") + name + " is a " +
                          luaL_typename(L_, -1) + " (a string or json.null)";
      ok = false;
    }
    lua_pop(L_, 1);
    return ok;
  }

  bool TakeHeaders(OutputRecord* out, LogicRejection* rejection) {
    int type = RawGetField(L_, -1, "headers");
    if (type == LUA_TNIL) {
      lua_pop(L_, 1);
      return true;
    }
    auto bad = [&](const std::string& detail) {
      rejection->reason = "bad_result";
      rejection->detail = "transform returned headers that are not an array of {name, value}: " + detail;
      lua_pop(L_, 1);
      return false;
    };
    if (type != LUA_TTABLE) return bad(std::string("a ") + luaL_typename(L_, -1));
    out->headers.clear();
    const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L_, -1));
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_rawgeti(L_, -1, i);
      if (!lua_istable(L_, -1)) {
        lua_pop(L_, 1);
        return bad("item " + std::to_string(i));
      }
      // {name = …, value = …} or {"name", "value"}
      if (RawGetField(L_, -1, "name") == LUA_TNIL) {
        lua_pop(L_, 1);
        lua_rawgeti(L_, -1, 1);
        lua_rawgeti(L_, -2, 2);
      } else {
        RawGetField(L_, -2, "value");
      }
      if (lua_type(L_, -2) != LUA_TSTRING || !(lua_isnil(L_, -1) || IsNull(L_, -1) || lua_type(L_, -1) == LUA_TSTRING)) {
        lua_pop(L_, 3);
        return bad("item " + std::to_string(i) + " needs a string name and a string or nil value");
      }
      Header h;
      size_t len = 0;
      const char* s = lua_tolstring(L_, -2, &len);
      h.name.assign(s, len);
      if (lua_type(L_, -1) == LUA_TSTRING) {
        s = lua_tolstring(L_, -1, &len);
        h.value.emplace(s, len);
      }
      out->headers.push_back(std::move(h));
      lua_pop(L_, 3);
    }
    lua_pop(L_, 1);
    return true;
  }

  Outcome TakeResult(const InputRecord& in, OutputRecord* out, LogicRejection* rejection) {
    switch (lua_type(L_, -1)) {
      case LUA_TNIL:
        return Outcome::kFiltered;
      case LUA_TSTRING: {
        CopyInput(in, out);
        size_t len = 0;
        const char* s = lua_tolstring(L_, -1, &len);
        out->value.emplace(s, len);
        return Outcome::kOutput;
      }
      case LUA_TTABLE:
        CopyInput(in, out);
        if (!TakeBytesField("value", &out->value, rejection) || !TakeBytesField("key", &out->key, rejection) ||
            !TakeHeaders(out, rejection)) {
          return Outcome::kRejected;
        }
        return Outcome::kOutput;
      default:
        rejection->reason = "bad_result";
        rejection->detail = std::string("transform returned a ") + luaL_typename(L_, -1) +
                            " (a string, a table, or nil to drop the record)";
        return Outcome::kRejected;
    }
  }

  lua_State* L_ = nullptr;
  int transform_ref_ = LUA_NOREF;
  std::string path_;
  TimeZone default_zone_;
  std::map<std::string, TimeZone> zones_;
  std::chrono::milliseconds timeout_;
  Clock::time_point deadline_{};
  bool timed_out_ = false;
};

LuaLogic* Self(lua_State* L) {
  lua_pushlightuserdata(L, &kSelfKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* self = static_cast<LuaLogic*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return self;
}

}  // namespace

Result<std::unique_ptr<Logic>> OpenLuaLogic(const std::string& path, const LogicSpec& spec) {
  auto logic = std::make_unique<LuaLogic>(path, spec);
  RP_RETURN_IF_ERROR(logic->Load(spec));
  return std::unique_ptr<Logic>(std::move(logic));
}

}  // namespace rp::logic
