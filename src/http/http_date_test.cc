#include "http/http_date.h"

#include <gtest/gtest.h>

namespace tcoder::http {
namespace {

TEST(HttpDate, HttpDateRoundTrips) {
  EXPECT_EQ(HttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT").value(), 784111777);
  EXPECT_FALSE(ParseHttpDate("yesterday").has_value());
}

TEST(HttpDate, EpochAndTrailingText) {
  EXPECT_EQ(HttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(ParseHttpDate(HttpDate(1700000000)).value(), 1700000000);
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT; x").has_value());
  EXPECT_FALSE(ParseHttpDate("").has_value());
}

}  // namespace
}  // namespace tcoder::http
