#include "edge/key_path.h"

#include <gtest/gtest.h>

namespace tcoder::edge {
namespace {

std::string Key(std::string_view path) {
  auto k = KeyFromPath(path);
  EXPECT_TRUE(k.ok()) << path << ": " << k.status().ToString();
  return k.ok() ? *k : "";
}

Code Error(std::string_view path) {
  auto k = KeyFromPath(path);
  EXPECT_FALSE(k.ok()) << path;
  return k.ok() ? Code::kOk : k.status().code();
}

TEST(KeyPath, DecodesOnce) {
  EXPECT_EQ(Key("/public/j/master.m3u8"), "public/j/master.m3u8");
  EXPECT_EQ(Key("/public/a%20b.ts"), "public/a b.ts");
  EXPECT_EQ(Key("/public/a%2520b"), "public/a%20b");  // once, not twice
  EXPECT_EQ(Key("/public/a+b"), "public/a+b");
  EXPECT_EQ(Key("/public/%C3%A9t%C3%A9.mp4"), "public/\xC3\xA9t\xC3\xA9.mp4");
}

TEST(KeyPath, DotsAndEmptySegmentsAreKeyBytes) {
  EXPECT_EQ(Key("/public/../x"), "public/../x");
  EXPECT_EQ(Key("/public//x"), "public//x");
  EXPECT_EQ(Key("//x"), "/x");
}

TEST(KeyPath, RefusesWhatIsNotAKey) {
  EXPECT_EQ(Error("/"), Code::kNotFound);
  EXPECT_EQ(Error("public/x"), Code::kInvalidArgument);
  EXPECT_EQ(Error("*"), Code::kInvalidArgument);
  EXPECT_EQ(Error("http://host/x"), Code::kInvalidArgument);
  EXPECT_EQ(Error("/a%00b"), Code::kInvalidArgument);
  EXPECT_EQ(Error("/a%0Ab"), Code::kInvalidArgument);
  EXPECT_EQ(Error("/a%7Fb"), Code::kInvalidArgument);
  EXPECT_EQ(Error("/a%zz"), Code::kInvalidArgument);
  EXPECT_EQ(Error("/a%2"), Code::kInvalidArgument);
  EXPECT_EQ(Error("/a%FFb"), Code::kInvalidArgument);        // not UTF-8
  EXPECT_EQ(Error("/a%C0%AFb"), Code::kInvalidArgument);     // overlong '/'
  EXPECT_EQ(Error("/a%ED%A0%80b"), Code::kInvalidArgument);  // a surrogate
  EXPECT_EQ(Error("/" + std::string(1025, 'a')), Code::kInvalidArgument);
  EXPECT_EQ(Key("/" + std::string(1024, 'a')).size(), 1024u);
}

}  // namespace
}  // namespace tcoder::edge
