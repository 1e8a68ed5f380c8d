#include "http/url.h"

#include <gtest/gtest.h>

namespace tcoder::http {
namespace {

TEST(Url, SplitTargetAtTheFirstQuestionMark) {
  EXPECT_EQ(SplitTarget("/a%20b?x=y").path, "/a%20b");
  EXPECT_EQ(SplitTarget("/a%20b?x=y").query, "x=y");
  EXPECT_EQ(SplitTarget("/a?b?c").query, "b?c");
  EXPECT_EQ(SplitTarget("/plain").path, "/plain");
  EXPECT_EQ(SplitTarget("/plain").query, "");
  EXPECT_EQ(SplitTarget("/?").path, "/");
  EXPECT_EQ(SplitTarget("/?").query, "");
}

TEST(Url, PercentDecodeAndQuery) {
  EXPECT_EQ(PercentDecode("a%2Fb%20c+d").value(), "a/b c+d");
  EXPECT_FALSE(PercentDecode("bad%2").has_value());
  EXPECT_FALSE(PercentDecode("bad%zz").has_value());
  auto q = ParseQuery("uploads&partNumber=2&key=a%26b");
  ASSERT_TRUE(q.has_value());
  ASSERT_EQ(q->size(), 3u);
  EXPECT_EQ((*q)[0].first, "uploads");
  EXPECT_EQ((*q)[2].second, "a&b");
}

TEST(Url, PercentDecodeTakesEitherCaseAndEveryByte) {
  EXPECT_EQ(PercentDecode("%2f%2F").value(), "//");
  EXPECT_EQ(PercentDecode("%00%ff").value(), std::string("\0\xff", 2));
  EXPECT_EQ(PercentDecode("").value(), "");
  EXPECT_FALSE(PercentDecode("%").has_value());
  EXPECT_FALSE(PercentDecode("%g0").has_value());
}

TEST(Url, LenientDecodingKeepsBadEscapes) {
  EXPECT_EQ(PercentDecodeLenient("a%2Fb%zz%4"), "a/b%zz%4");
  EXPECT_EQ(PercentDecodeLenient("%252F"), "%2F");
  EXPECT_EQ(PercentDecodeLenient("%"), "%");
}

TEST(Url, ParseQuerySkipsEmptyPartsAndKeepsOrder) {
  const auto q = ParseQuery("&a=1&&b=x=y&=v&a=2&");
  ASSERT_TRUE(q.has_value());
  const QueryParams want = {{"a", "1"}, {"b", "x=y"}, {"", "v"}, {"a", "2"}};
  EXPECT_EQ(*q, want);
  EXPECT_TRUE(ParseQuery("")->empty());
  EXPECT_FALSE(ParseQuery("a=%zz").has_value());
  EXPECT_FALSE(ParseQuery("%zz=1").has_value());
}

}  // namespace
}  // namespace tcoder::http
