#include "worker/progress.h"

#include <gtest/gtest.h>

namespace tcoder::worker {
namespace {

TEST(Progress, ProgressReportsPercentOfDurationPerBlock) {
  ProgressParser p(10.0);
  EXPECT_FALSE(p.Feed("frame=30"));
  EXPECT_FALSE(p.Feed("out_time_us=2500000"));
  EXPECT_FALSE(p.Feed("speed=2.5x"));
  auto r = p.Feed("progress=continue");
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->percent, 25);
  EXPECT_DOUBLE_EQ(r->out_time_s, 2.5);
  EXPECT_DOUBLE_EQ(r->speed, 2.5);
  EXPECT_FALSE(r->done);
  p.Feed("out_time_us=10000000");
  r = p.Feed("progress=continue");
  ASSERT_TRUE(r);
  EXPECT_LT(r->percent, 100);  // 100 only at the end
  r = p.Feed("progress=end");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->done);
  EXPECT_DOUBLE_EQ(r->percent, 100);
}

TEST(Progress, ProgressIgnoresGarbageAndNeverGoesBack) {
  ProgressParser p(4.0);
  p.Feed("out_time_us=2000000");
  ASSERT_TRUE(p.Feed("progress=continue"));
  for (const char* junk : {"", "=", "out_time_us=N/A", "out_time_us=-5", "out_time_us=1e999", "speed=N/A",
                           "\xff\xfe garbage", "progress=", "progress=maybe", "out_time_us"}) {
    EXPECT_FALSE(p.Feed(junk)) << junk;
  }
  p.Feed("out_time_us=1000000");  // a backwards timestamp
  auto r = p.Feed("progress=continue\r");
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->percent, 50);
  EXPECT_DOUBLE_EQ(p.last().percent, 50);
}

TEST(Progress, ProgressWithUnknownDurationStaysAtZeroUntilTheEnd) {
  ProgressParser p(0);
  p.Feed("out_time_us=5000000");
  EXPECT_DOUBLE_EQ(p.Feed("progress=continue")->percent, 0);
  EXPECT_DOUBLE_EQ(p.Feed("progress=end")->percent, 100);
}

}  // namespace
}  // namespace tcoder::worker
