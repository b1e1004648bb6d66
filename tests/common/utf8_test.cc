#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace rp {
namespace {

TEST(Utf8, ValidationFollowsTheUnicodeRules) {
  for (const char* ok : {"", "plain", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
                         "\xed\x9f\xbf"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
  }
  for (const char* bad : {"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",  // invalid byte, overlong forms
                          "\xed\xa0\x80", "\xf4\x90\x80\x80",                      // surrogate, past U+10FFFF
                          "\xe2\x82", "a\x80", "\xf8\x88\x80\x80\x80"}) {          // truncated, stray, 5-byte
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
}

TEST(Utf8, ToValidUtf8ReplacesEachInvalidByteAsJavaDoes) {
  EXPECT_EQ(ToValidUtf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(ToValidUtf8("a\xff" "b"), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(ToValidUtf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xe2\x82 \xed\xa0\x80 \xf4\x90\x80\x80")));
}

TEST(Utf8, PrefixesCountCodePointsAndNeverSplitASequence) {
  const std::string text = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";  // a é € 😀 z
  EXPECT_EQ(Utf8PrefixBytes(text, 0), 0u);
  EXPECT_EQ(Utf8PrefixBytes(text, 1), 1u);
  EXPECT_EQ(Utf8PrefixBytes(text, 2), 3u);
  EXPECT_EQ(Utf8PrefixBytes(text, 3), 6u);
  EXPECT_EQ(Utf8PrefixBytes(text, 4), 10u);
  EXPECT_EQ(Utf8PrefixBytes(text, 99), text.size());
  size_t len = 0;
  EXPECT_EQ(Utf8CodePointAt(text, 3, &len), U'\u20ac');
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(Utf8CodePointAt(text, 6, &len), U'\U0001F600');
  EXPECT_EQ(len, 4u);
  // A sequence cut by the end of the text is read no further.
  EXPECT_EQ(Utf8PrefixBytes(std::string("\xf0\x9f"), 5), 2u);
}

}  // namespace
}  // namespace rp
