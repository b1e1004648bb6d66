#include "delta/json_writer.h"

#include <gtest/gtest.h>

namespace rp::delta {
namespace {

TEST(JsonWriter, KeysAndStringsAreEscapedJsonLiterals) {
  JsonWriter w;
  w.BeginObject().Key("k\"\n").String(std::string("v\\\x01\x00", 4)).EndObject();
  EXPECT_EQ(w.str(), R"({"k\"\n":"v\\\u0001\u0000"})");
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
