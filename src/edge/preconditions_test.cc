#include "edge/preconditions.h"

#include <gtest/gtest.h>

namespace tcoder::edge {
namespace {

constexpr std::string_view kTag = "\"abc\"";
constexpr std::int64_t kTime = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

TEST(Preconditions, IfNoneMatch) {
  EXPECT_TRUE(NotModified("\"abc\"", "", kTag, kTime));
  EXPECT_TRUE(NotModified("W/\"abc\"", "", kTag, kTime));  // weak comparison
  EXPECT_TRUE(NotModified("\"x\", \"abc\"", "", kTag, kTime));
  EXPECT_TRUE(NotModified("*", "", kTag, kTime));
  EXPECT_FALSE(NotModified("\"other\"", "", kTag, kTime));
  EXPECT_FALSE(NotModified("\"abc\"", "", "", kTime));  // no ETag known
}

TEST(Preconditions, IfNoneMatchWinsOverIfModifiedSince) {
  EXPECT_FALSE(NotModified("\"other\"", "Sun, 06 Nov 1994 08:49:37 GMT", kTag, kTime));
}

TEST(Preconditions, IfModifiedSince) {
  EXPECT_TRUE(NotModified("", "Sun, 06 Nov 1994 08:49:37 GMT", kTag, kTime));
  EXPECT_TRUE(NotModified("", "Mon, 07 Nov 1994 08:49:37 GMT", kTag, kTime));
  EXPECT_FALSE(NotModified("", "Sat, 05 Nov 1994 08:49:37 GMT", kTag, kTime));
  EXPECT_FALSE(NotModified("", "not a date", kTag, kTime));
  EXPECT_FALSE(NotModified("", "Sun, 06 Nov 1994 08:49:37 GMT", kTag, std::nullopt));
  EXPECT_FALSE(NotModified("", "", kTag, kTime));
}

TEST(Preconditions, IfRange) {
  EXPECT_TRUE(IfRangeHolds("", kTag, kTime));
  EXPECT_TRUE(IfRangeHolds("\"abc\"", kTag, kTime));
  EXPECT_FALSE(IfRangeHolds("\"old\"", kTag, kTime));
  EXPECT_FALSE(IfRangeHolds("W/\"abc\"", kTag, kTime));
  EXPECT_TRUE(IfRangeHolds("Sun, 06 Nov 1994 08:49:37 GMT", kTag, kTime));
  EXPECT_FALSE(IfRangeHolds("Mon, 07 Nov 1994 08:49:37 GMT", kTag, kTime));
  EXPECT_FALSE(IfRangeHolds("garbage", kTag, kTime));
}

}  // namespace
}  // namespace tcoder::edge
