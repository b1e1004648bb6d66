#include "delta/json_writer.h"

#include <gtest/gtest.h>

namespace rp::delta {
namespace {

std::string Escaped(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(JsonWriter, EscapesQuotesBackslashesAndEveryControlCharacter) {
  EXPECT_EQ(Escaped("plain"), "\"plain\"");
  EXPECT_EQ(Escaped("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Escaped("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(Escaped(std::string("\x00\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  // UTF-8 and DEL pass through unchanged; '/' needs no escape.
  EXPECT_EQ(Escaped("é/\x7f"), "\"é/\x7f\"");
}

TEST(JsonWriter, InsertsCommasBetweenMembersAndElements) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").Int(-1);
  w.Key("b").BeginArray().Bool(true).Null().String("x").BeginObject().EndObject().EndArray();
  w.Key("c").Raw("{\"k\":1}");
  w.Key("d").BeginObject().Key("e").Int(2).EndObject();
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":-1,"b":[true,null,"x",{}],"c":{"k":1},"d":{"e":2}})");
}

}  // namespace
}  // namespace rp::delta
