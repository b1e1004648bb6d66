#include "common/json_string.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <string>

namespace rp {
namespace {

TEST(AppendJsonString, EscapesEachCharacterClassAsJacksonDoes) {
  std::string out;
  constexpr char kInput[] = "q\" b\\ n\n t\t r\r b\b f\f nul\0 us\x1f vt\x0b del\x7f /";
  AppendJsonString(std::string_view(kInput, sizeof(kInput) - 1), &out);
  EXPECT_EQ(out, R"("q\" b\\ n\n t\t r\r b\b f\f nul\u0000 us\u001F vt\u000B del)" "\x7f" R"( /")");
}

TEST(AppendJsonString, AppendsAndLeavesUtf8AsIs) {
  std::string out = "prefix:";
  AppendJsonString("", &out);
  AppendJsonString("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80", &out);
  EXPECT_EQ(out, "prefix:\"\"\"caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80\"");
  EXPECT_EQ(JsonQuoted("a\"b"), R"("a\"b")");
}

TEST(AppendJsonString, AnyTextRoundTripsThroughAJsonParser) {
  std::mt19937 rng(7);
  simdjson::dom::parser parser;
  for (int round = 0; round < 2000; ++round) {
    // Random ASCII (every control character included) plus some UTF-8.
    std::string text;
    const int n = std::uniform_int_distribution<int>(0, 24)(rng);
    for (int i = 0; i < n; ++i) {
      const int c = std::uniform_int_distribution<int>(0, 0x80)(rng);
      text += c == 0x80 ? std::string("\xc3\xa9") : std::string(1, static_cast<char>(c));
    }
    std::string json = "[";
    AppendJsonString(text, &json);
    json += ']';
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
    std::string_view back;
    ASSERT_EQ(doc.at(0).get_string().get(back), simdjson::SUCCESS) << json;
    EXPECT_EQ(back, text) << json;
  }
}

}  // namespace
}  // namespace rp
