// A minimal streaming JSON writer for log entries, checkpoints hints and
// checksums. Writing needs no JSON library; strings are escaped by
// common/json_string.h, the one escaper every layer shares.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rp::delta {

// Writes compact JSON; commas between members and elements are inserted
// automatically. The caller is responsible for balanced Begin/End calls.
class JsonWriter {
 public:
  JsonWriter() = default;

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // An object member name; must be followed by exactly one value.
  JsonWriter& Key(std::string_view name);

  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Already-serialized JSON text, written verbatim.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Release() { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open container: true until its first element is written.
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace rp::delta
