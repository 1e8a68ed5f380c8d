#include "common/duration.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tcoder {
namespace {

using std::chrono::milliseconds;

TEST(Duration, BareNumberIsSeconds) { EXPECT_EQ(*ParseDuration("300"), milliseconds(300'000)); }

TEST(Duration, Units) {
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(*ParseDuration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(*ParseDuration("2d"), milliseconds(172'800'000));
}

TEST(Duration, Rejects) {
  for (const char* bad : {"", "m", "5x", "-5", "5 m", "1h30", "99999999999999999999d"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(Duration, FormatRoundTrips) {
  EXPECT_EQ(FormatDuration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(*ParseDuration(FormatDuration(milliseconds(93'784'005))), milliseconds(93'784'005));
}

TEST(Duration, StreamOperator) {
  Duration d;
  std::istringstream("5m") >> d;
  EXPECT_EQ(d.seconds().count(), 300);
  std::istringstream bad("five");
  bad >> d;
  EXPECT_TRUE(bad.fail());
}

TEST(Size, Units) {
  EXPECT_EQ(*ParseSize("10"), 10u);
  EXPECT_EQ(*ParseSize("10GiB"), 10ULL << 30);
  EXPECT_EQ(*ParseSize("5M"), 5'000'000u);
  EXPECT_FALSE(ParseSize("10XB").ok());
  EXPECT_FALSE(ParseSize("99999999999TiB").ok());
}

TEST(Duration, IsoTimestampsParseBack) {
  EXPECT_EQ(ParseIsoTimestamp("2026-11-25T08:51:28.123Z"), 1795596688123);
  EXPECT_EQ(ParseIsoTimestamp(IsoTimestamp(1795596688007)), 1795596688007);
  EXPECT_EQ(ParseIsoTimestamp("2026-11-25T08:51:28Z"), 1795596688000);
  EXPECT_EQ(ParseIsoTimestamp("2026-11-25T08:51:28.5Z"), 1795596688500);
  for (const char* bad : {"", "2026-11-25", "2026-11-25T08:51:28", "2026-11-25T08:51:28.Z", "2026-13-25T08:51:28Z",
                          "2026-11-25T08:51:28+01:00", "Wed, 25 Nov 2026 08:51:28 GMT"})
    EXPECT_FALSE(ParseIsoTimestamp(bad).has_value()) << bad;
}

TEST(Duration, IsoTimestampIsUtcWithMilliseconds) {
  EXPECT_EQ(IsoTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(IsoTimestamp(1795596688123), "2026-11-25T08:51:28.123Z");
  EXPECT_EQ(IsoTimestamp(1795596688007), "2026-11-25T08:51:28.007Z");
  EXPECT_EQ(IsoTimestamp(-5), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(IsoTimestamp(UnixMillis()).size(), 24u);
}

}  // namespace
}  // namespace tcoder
