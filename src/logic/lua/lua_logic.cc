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
//
// Speed (bench/logic_bench.cc, BM_VisitsLogic/lua): a record's own work is a
// hundred-odd VM instructions, so what surrounds them counts. The state's
// memory comes from LuaHeap (free lists: the per-record tables and strings
// are recycled, not malloc'ed); the helpers keep their working memory in the
// LuaLogic (a warm json.encode allocates only its result) and find it in the
// state's extra space rather than the registry; names pushed every record
// (the record's fields, type()'s answers) are made once and kept.
// Left as they are: the record is a new table each time (reusing it would
// change what a script that keeps it sees), and the count hook costs about
// 8% (with any count hook set, Lua 5.4 routes every VM instruction through
// luaG_traceexec); a watchdog signal setting the hook only when a record
// overruns would avoid that, at the price of signals in a library.
#include "logic/lua/lua_logic.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
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
#include "logic/lua/lua_heap.h"
#include "logic/spark_timestamp.h"
#include "logic/time_zone.h"

namespace rp::logic {
namespace {

using Clock = std::chrono::steady_clock;

// The registry key of the json.null sentinel (its address is unique).
char kNullKey;
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

// ---- what luaL_newstate installs -------------------------------------------
//
// The state is made with lua_newstate (for LuaHeap), which installs neither
// luaL_newstate's panic function nor its warning function; these are theirs:
// `warn` prints nothing until a script calls warn("@on"), then "Lua warning:"
// lines on stderr.

int Panic(lua_State* L) {
  const char* msg = lua_tostring(L, -1);
  std::fprintf(stderr, "PANIC: unprotected error in call to Lua API (%s)\n",
               msg ? msg : "error object is not a string");
  std::fflush(stderr);
  return 0;  // Lua aborts
}

void WarnOff(void* ud, const char* message, int tocont);
void WarnOn(void* ud, const char* message, int tocont);
void WarnContinued(void* ud, const char* message, int tocont);

// "@on" and "@off" (as a whole message) switch warnings; true if it was one.
bool WarnControl(lua_State* L, const char* message, int tocont) {
  if (tocont || *message != '@') return false;
  if (std::strcmp(message + 1, "off") == 0) {
    lua_setwarnf(L, WarnOff, L);
  } else if (std::strcmp(message + 1, "on") == 0) {
    lua_setwarnf(L, WarnOn, L);
  }
  return true;
}

void WarnOff(void* ud, const char* message, int tocont) {
  WarnControl(static_cast<lua_State*>(ud), message, tocont);
}

void WarnContinued(void* ud, const char* message, int tocont) {
  std::fputs(message, stderr);
  if (tocont) {
    lua_setwarnf(static_cast<lua_State*>(ud), WarnContinued, ud);
  } else {
    std::fputs("\n", stderr);
    std::fflush(stderr);
    lua_setwarnf(static_cast<lua_State*>(ud), WarnOn, ud);
  }
}

void WarnOn(void* ud, const char* message, int tocont) {
  if (WarnControl(static_cast<lua_State*>(ud), message, tocont)) return;
  std::fputs("Lua warning: ", stderr);
  WarnContinued(ud, message, tocont);
}

// ---- json.decode -----------------------------------------------------------

void PushJson(lua_State* L, simdjson::dom::element e, int depth) {
  if (depth > kMaxJsonDepth) luaL_error(L, "json.decode: nested deeper than %d", kMaxJsonDepth);
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      // A container needs three slots (itself, a key, a value); a nested
      // container checks for its own.
      luaL_checkstack(L, 3, "json.decode");
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
      luaL_checkstack(L, 3, "json.decode");
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

// AppendJsonString, with a fast path: most keys and values need no escape,
// and finding that out eight bytes at a time (a byte below 0x20, '"' or
// '\\', with the usual SWAR tests: exact as a yes/no) lets them be copied
// whole instead of byte by byte.
void AppendJsonText(std::string_view s, std::string* out) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
  auto plain_word = [&](size_t at) {
    uint64_t x;
    std::memcpy(&x, s.data() + at, 8);
    const uint64_t quote = x ^ (kOnes * '"'), backslash = x ^ (kOnes * '\\');
    const uint64_t hits =
        ((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
    return (hits & kHighs) == 0;
  };
  bool plain = true;
  if (s.size() >= 8) {
    // Whole words, then the last eight bytes (overlapping what was checked).
    for (size_t i = 0; plain && i + 8 <= s.size(); i += 8) plain = plain_word(i);
    plain = plain && plain_word(s.size() - 8);
  } else {
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      plain = plain && c >= 0x20 && c != '"' && c != '\\';
    }
  }
  if (!plain) return AppendJsonString(s, out);
  out->push_back('"');
  out->append(s);
  out->push_back('"');
}

// The encoder lives as long as the state (in its LuaLogic) and keeps its
// buffers, so a warm json.encode allocates nothing but the Lua string it
// returns. Its methods raise no Lua error all the same: they report through
// error(), and json.encode raises once they have returned.
class JsonEncoder {
 public:
  // The key_order strings of the next Encode, as views: the key_order table
  // keeps them alive.
  std::vector<std::string_view>& order() { return order_; }

  // The value at `index` as JSON into text(); the keys of a top-level object
  // in order() first. False with error() set when it cannot be encoded.
  bool Encode(lua_State* L, int index) {
    out_.clear();
    error_.clear();
    entries_.clear();
    return lua_istable(L, index) ? Table(L, index, 0, !order_.empty()) : Value(L, index, 0);
  }
  const std::string& text() const { return out_; }
  const std::string& error() const { return error_; }

 private:
  // An object's key; `slot` is its stack index (its value is at slot + 1),
  // or 0 when the stack had no room and the value is looked up again.
  struct Entry {
    std::string_view key;
    size_t rank;  // its place in order(), order().size() if not there; 0 without an order
    int slot;
  };

  static bool IsSequence(lua_State* L, int index, lua_Integer* n) {
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

  bool Table(lua_State* L, int index, int depth, bool ordered) {
    if (!lua_checkstack(L, 4)) {
      error_ = "json.encode: out of stack";
      return false;
    }
    lua_Integer n = 0;
    if (IsSequence(L, index, &n)) {
      out_.push_back('[');
      for (lua_Integer i = 1; i <= n; ++i) {
        if (i > 1) out_.push_back(',');
        lua_rawgeti(L, index, i);
        const bool ok = Value(L, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
        if (!ok) return false;
      }
      out_.push_back(']');
      return true;
    }
    // Each key stays on the stack with its value, so that writing them needs
    // no second lookup (nor a second interning of the key). A JSON object's
    // keys are text, and a table mixing other keys in is not an array either.
    // This table's entries follow those of the tables it is nested in.
    const int top = lua_gettop(L);
    const size_t first = entries_.size();
    auto done = [&](bool ok) {
      lua_settop(L, top);
      entries_.resize(first);
      return ok;
    };
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING) {
        error_ = std::string("json.encode: a table with a ") + luaL_typename(L, -2) +
                 " key is neither an array (keys 1..n) nor an object (string keys)";
        return done(false);
      }
      size_t len = 0;
      const char* k = lua_tolstring(L, -2, &len);
      const std::string_view key(k, len);
      size_t rank = 0;
      if (ordered) rank = std::find(order_.begin(), order_.end(), key) - order_.begin();
      if (lua_checkstack(L, 3)) {
        entries_.push_back({key, rank, lua_gettop(L) - 1});
        lua_pushvalue(L, -2);  // for lua_next, which pops it
      } else {                 // the key string stays alive: the table holds it
        entries_.push_back({key, rank, 0});
        lua_pop(L, 1);
      }
    }
    // The keys named in the order first, in its order, then the rest sorted.
    std::sort(
        entries_.begin() + static_cast<ptrdiff_t>(first), entries_.end(),
        [](const Entry& a, const Entry& b) { return a.rank != b.rank ? a.rank < b.rank : a.key < b.key; });
    out_.push_back('{');
    const size_t last = entries_.size();
    for (size_t i = first; i < last; ++i) {
      // By index: the nested tables' entries may move the vector.
      const Entry e = entries_[i];
      if (i > first) out_.push_back(',');
      AppendJsonText(e.key, &out_);
      out_.push_back(':');
      bool ok = false;
      if (e.slot != 0) {
        ok = Value(L, e.slot + 1, depth + 1);
      } else {
        lua_pushlstring(L, e.key.data(), e.key.size());
        lua_rawget(L, index);
        ok = Value(L, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
      }
      if (!ok) return done(false);
    }
    out_.push_back('}');
    return done(true);
  }

  bool Value(lua_State* L, int index, int depth) {
    if (depth > kMaxJsonDepth) {
      error_ = "json.encode: nested deeper than " + std::to_string(kMaxJsonDepth) + " (a cycle?)";
      return false;
    }
    switch (lua_type(L, index)) {
      case LUA_TNIL:
        out_.append("null");
        return true;
      case LUA_TBOOLEAN:
        out_.append(lua_toboolean(L, index) ? "true" : "false");
        return true;
      case LUA_TNUMBER: {
        char buf[32];
        if (lua_isinteger(L, index)) {
          const auto end =
              std::to_chars(buf, buf + sizeof buf, static_cast<long long>(lua_tointeger(L, index))).ptr;
          out_.append(buf, end);
          return true;
        }
        double d = lua_tonumber(L, index);
        if (!std::isfinite(d)) {
          error_ = "json.encode: inf and nan are not JSON numbers";
          return false;
        }
        // The shortest of %.15g and %.17g that reads back as the same double.
        std::snprintf(buf, sizeof buf, "%.15g", d);
        if (std::strtod(buf, nullptr) != d) std::snprintf(buf, sizeof buf, "%.17g", d);
        out_.append(buf);
        return true;
      }
      case LUA_TSTRING: {
        size_t len = 0;
        const char* s = lua_tolstring(L, index, &len);
        AppendJsonText(std::string_view(s, len), &out_);
        return true;
      }
      case LUA_TLIGHTUSERDATA:
        if (IsNull(L, index)) {
          out_.append("null");
          return true;
        }
        break;
      case LUA_TTABLE:
        return Table(L, index, depth, false);
      default:
        break;
    }
    error_ = std::string("json.encode: cannot encode a ") + luaL_typename(L, index);
    return false;
  }

  std::string out_;
  std::string error_;
  std::vector<Entry> entries_;
  std::vector<std::string_view> order_;
};

class LuaLogic;
// The LuaLogic owning a state, from the state's extra space (coroutines get a
// copy of the main thread's): no registry lookup in the helpers and the hook.
LuaLogic* Self(lua_State* L) { return *static_cast<LuaLogic**>(lua_getextraspace(L)); }

class LuaLogic final : public Logic {
 public:
  LuaLogic(std::string path, const LogicSpec& spec)
      : path_(std::move(path)), default_zone_(spec.visits.zone), timeout_(spec.timeout_ms) {}
  ~LuaLogic() override {
    if (L_) lua_close(L_);  // before heap_ goes
  }

  Status Load(const LogicSpec& spec) {
    L_ = lua_newstate(LuaHeap::Allocator(), &heap_);
    if (!L_) return Status::Internal("cannot create a Lua state");
    *static_cast<LuaLogic**>(lua_getextraspace(L_)) = this;
    lua_atpanic(L_, Panic);
    lua_setwarnf(L_, WarnOff, L_);
    OpenSandboxedLibraries();
    PushFieldNames();
    // Every record makes a few short-lived tables: the generational
    // collector (Lua 5.4) frees them young, at a fraction of the cost.
    lua_gc(L_, LUA_GCGEN, 0, 0);
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
      return Status::InvalidArgument("lua script " + path_ +
                                     ": defines no global function transform(record)");
    }
    lua_remove(L_, -2);  // the function as it was after loading, in kTransformSlot
    lua_pushliteral(L_, "");
    topic_.clear();
    return lua_gettop(L_) == kPinnedSlots ? Status::OK() : Status::Internal("lua: unexpected stack");
  }

  Outcome Apply(const InputRecord& in, OutputRecord* out, LogicRejection* rejection) override {
    lua_settop(L_, kPinnedSlots);
    lua_pushvalue(L_, kTransformSlot);
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
      lua_settop(L_, kPinnedSlots);
      return Outcome::kRejected;
    }
    Outcome outcome = TakeResult(in, out, rejection);
    lua_settop(L_, kPinnedSlots);
    return outcome;
  }

  std::string Describe() const override { return "lua:" + path_; }

  // The zone argument at `index` (the default when absent); nullptr if unknown.
  const TimeZone* Zone(lua_State* L, int index) {
    if (lua_isnoneornil(L, index) || lua_type(L, index) != LUA_TSTRING) return &default_zone_;
    size_t len = 0;
    const char* text = lua_tolstring(L, index, &len);
    const std::string_view name(text, len);
    auto it = zones_.find(name);
    if (it == zones_.end()) {
      auto zone = TimeZone::Find(name);
      if (!zone.ok()) return nullptr;
      it = zones_.emplace(std::string(name), *zone).first;
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
    const char* msg =
        lua_type(L_, -1) == LUA_TSTRING || lua_type(L_, -1) == LUA_TNUMBER ? lua_tostring(L_, -1) : nullptr;
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
    static const luaL_Reg kLibraries[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine}};
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
    // type() and math.type() as the libraries' own, but answering with
    // names they keep as upvalues: the libraries push theirs by C string,
    // a string-cache lookup with two strcmp per call, and scripts call type()
    // on nearly every field they read.
    for (int t = 0; t < LUA_NUMTYPES; ++t) lua_pushstring(L_, lua_typename(L_, t));
    lua_pushcclosure(L_, &LuaLogic::Type, LUA_NUMTYPES);
    lua_setglobal(L_, "type");
    lua_getglobal(L_, LUA_MATHLIBNAME);
    lua_pushstring(L_, "integer");
    lua_pushstring(L_, "float");
    lua_pushcclosure(L_, &LuaLogic::MathType, 2);
    lua_setfield(L_, -2, "type");
    lua_pop(L_, 1);

    static const luaL_Reg kJson[] = {
        {"decode", &LuaLogic::JsonDecode}, {"encode", &LuaLogic::JsonEncode}, {nullptr, nullptr}};
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

  // ---- library functions ---------------------------------------------------

  static int Type(lua_State* L) {
    const int t = lua_type(L, 1);
    luaL_argcheck(L, t != LUA_TNONE, 1, "value expected");
    lua_pushvalue(L, lua_upvalueindex(t + 1));
    return 1;
  }

  static int MathType(lua_State* L) {
    if (lua_type(L, 1) == LUA_TNUMBER) {
      lua_pushvalue(L, lua_upvalueindex(lua_isinteger(L, 1) ? 1 : 2));
    } else {
      luaL_checkany(L, 1);
      luaL_pushfail(L);
    }
    return 1;
  }

  static int JsonDecode(lua_State* L) {
    size_t len = 0;
    const char* text = luaL_checklstring(L, 1, &len);
    simdjson::dom::element root;
    auto error = Self(L)->parser_.parse(text, len).get(root);
    if (error) return luaL_error(L, "json.decode: %s", simdjson::error_message(error));
    PushJson(L, root, 0);
    return 1;
  }

  static int JsonEncode(lua_State* L) {
    luaL_checkany(L, 1);
    // Only objects owned by the LuaLogic here (nothing a longjmp could skip
    // the destructor of), so errors may be raised directly.
    JsonEncoder& encoder = Self(L)->encoder_;
    std::vector<std::string_view>& order = encoder.order();
    order.clear();
    if (lua_istable(L, 2)) {
      for (lua_Integer i = 1; lua_rawgeti(L, 2, i) != LUA_TNIL; ++i) {
        if (lua_type(L, -1) != LUA_TSTRING)
          return luaL_error(L, "json.encode: key_order[%I] is not a string", i);
        size_t len = 0;
        const char* k = lua_tolstring(L, -1, &len);
        order.emplace_back(k, len);  // the key_order table at index 2 keeps it alive
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
    if (!encoder.Encode(L, 1)) {
      lua_pushlstring(L, encoder.error().data(), encoder.error().size());
      return lua_error(L);
    }
    lua_pushlstring(L, encoder.text().data(), encoder.text().size());
    return 1;
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
    std::string& text = Self(L)->text_;
    text.clear();
    AppendSparkTimestamp(static_cast<int64_t>(micros), zone, &text);
    lua_pushlstring(L, text.data(), text.size());
    return 1;
  }

  // ---- records in and out --------------------------------------------------

  void PushOptionalString(const std::optional<std::string_view>& s) {
    if (s) {
      lua_pushlstring(L_, s->data(), s->size());
    } else {
      lua_pushnil(L_);
    }
  }

  // The bottom of the main thread's stack holds what every record needs,
  // below its call: the record's field names, the transform function and
  // the last topic's string. Pushing one is a copy from the stack; a field
  // name by its C string was a string-cache lookup (strcmp) every time, and a
  // search of the string table whenever the collector had emptied that cache.
  enum Field { kValue, kKey, kTopic, kPartition, kOffset, kTimestamp, kHeaders, kName, kFieldCount };
  static constexpr int kTransformSlot = kFieldCount + 1;
  static constexpr int kTopicSlot = kFieldCount + 2;
  static constexpr int kPinnedSlots = kTopicSlot;
  void PushFieldNames() {
    static constexpr const char* kFieldNames[kFieldCount] = {"value",  "key",       "topic",   "partition",
                                                             "offset", "timestamp", "headers", "name"};
    for (const char* name : kFieldNames) lua_pushstring(L_, name);
  }
  void PushFieldName(Field f) { lua_pushvalue(L_, f + 1); }
  // Records mostly come from one topic: its name is made again only when it
  // changes.
  void PushTopic(std::string_view topic) {
    if (topic != topic_) {
      lua_pushlstring(L_, topic.data(), topic.size());
      lua_replace(L_, kTopicSlot);
      topic_.assign(topic);
    }
    lua_pushvalue(L_, kTopicSlot);
  }

  void PushRecord(const InputRecord& in) {
    // Raw sets: the table is new, without a metatable.
    lua_createtable(L_, 0, 8);
    PushFieldName(kValue);
    PushOptionalString(in.value);
    lua_rawset(L_, -3);
    PushFieldName(kKey);
    PushOptionalString(in.key);
    lua_rawset(L_, -3);
    PushFieldName(kTopic);
    PushTopic(in.topic);
    lua_rawset(L_, -3);
    PushFieldName(kPartition);
    lua_pushinteger(L_, in.partition);
    lua_rawset(L_, -3);
    PushFieldName(kOffset);
    lua_pushinteger(L_, static_cast<lua_Integer>(in.offset));
    lua_rawset(L_, -3);
    PushFieldName(kTimestamp);
    lua_pushinteger(L_, static_cast<lua_Integer>(in.timestamp_ms));
    lua_rawset(L_, -3);
    PushFieldName(kHeaders);
    lua_createtable(L_, static_cast<int>(in.headers.size()), 0);
    lua_Integer i = 0;
    for (const auto& h : in.headers) {
      lua_createtable(L_, 0, 2);
      PushFieldName(kName);
      lua_pushlstring(L_, h.name.data(), h.name.size());
      lua_rawset(L_, -3);
      PushFieldName(kValue);
      PushOptionalString(h.value);
      lua_rawset(L_, -3);
      lua_rawseti(L_, -2, ++i);
    }
    lua_rawset(L_, -3);
  }

  // Into the string `out` already holds, if any: its capacity is reused.
  static void Assign(std::optional<std::string>* out, std::string_view s) {
    if (*out) {
      (*out)->assign(s.data(), s.size());
    } else {
      out->emplace(s);
    }
  }
  static void Assign(std::optional<std::string>* out, const std::optional<std::string_view>& s) {
    if (s) {
      Assign(out, *s);
    } else {
      out->reset();
    }
  }

  // The key and headers of the input (a result keeps what it does not set),
  // into the strings `out` already has.
  static void CopyKeyAndHeaders(const InputRecord& in, OutputRecord* out) {
    Assign(&out->key, in.key);
    out->headers.resize(in.headers.size());
    for (size_t i = 0; i < in.headers.size(); ++i) {
      out->headers[i].name.assign(in.headers[i].name);
      Assign(&out->headers[i].value, in.headers[i].value);
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
      Assign(field, std::string_view(s, len));
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
      if (lua_type(L_, -2) != LUA_TSTRING ||
          !(lua_isnil(L_, -1) || IsNull(L_, -1) || lua_type(L_, -1) == LUA_TSTRING)) {
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
        CopyKeyAndHeaders(in, out);
        size_t len = 0;
        const char* s = lua_tolstring(L_, -1, &len);
        Assign(&out->value, std::string_view(s, len));
        return Outcome::kOutput;
      }
      case LUA_TTABLE:
        Assign(&out->value, in.value);
        CopyKeyAndHeaders(in, out);
        if (!TakeBytesField("value", &out->value, rejection) ||
            !TakeBytesField("key", &out->key, rejection) || !TakeHeaders(out, rejection)) {
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

  LuaHeap heap_;  // the state's memory: declared first, so destroyed last
  lua_State* L_ = nullptr;
  std::string topic_;  // the string in kTopicSlot
  std::string path_;
  TimeZone default_zone_;
  std::map<std::string, TimeZone, std::less<>> zones_;
  std::chrono::milliseconds timeout_;
  Clock::time_point deadline_{};
  bool timed_out_ = false;
  // The helpers' working memory, reused from call to call.
  simdjson::dom::parser parser_;
  JsonEncoder encoder_;
  std::string text_;
};

}  // namespace

Result<std::unique_ptr<Logic>> OpenLuaLogic(const std::string& path, const LogicSpec& spec) {
  auto logic = std::make_unique<LuaLogic>(path, spec);
  RP_RETURN_IF_ERROR(logic->Load(spec));
  return std::unique_ptr<Logic>(std::move(logic));
}

}  // namespace rp::logic
