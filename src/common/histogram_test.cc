#include "common/histogram.h"

#include <gtest/gtest.h>

namespace tcoder {
namespace {

TEST(Histogram, BucketsAreCumulativeAndEndWithTheCount) {
  Histogram h({0.1, 1, 10});
  for (double s : {0.05, 0.1, 0.5, 2.0, 20.0, -1.0}) h.Observe(s);
  std::string out;
  h.Render(out, "t_seconds", "preset=\"hls\"");
  EXPECT_EQ(out,
            "t_seconds_bucket{preset=\"hls\",le=\"0.1\"} 3\n"
            "t_seconds_bucket{preset=\"hls\",le=\"1\"} 4\n"
            "t_seconds_bucket{preset=\"hls\",le=\"10\"} 5\n"
            "t_seconds_bucket{preset=\"hls\",le=\"+Inf\"} 6\n"
            "t_seconds_sum{preset=\"hls\"} 22.65\n"
            "t_seconds_count{preset=\"hls\"} 6\n");
  EXPECT_EQ(h.count(), 6u);
}

TEST(Histogram, WithoutLabelsOnlyLeIsShown) {
  Histogram h({1});
  h.Observe(0.5);
  std::string out;
  h.Render(out, "p", "");
  EXPECT_EQ(out, "p_bucket{le=\"1\"} 1\np_bucket{le=\"+Inf\"} 1\np_sum 0.5\np_count 1\n");
}

TEST(LabeledHistograms, OneSeriesPerValueSeen) {
  LabeledHistograms h("preset", {1});
  h.Observe("hls", 0.5);
  h.Observe("mp4", 2);
  h.Observe("hls", 3);
  std::string out;
  h.Render(out, "t");
  EXPECT_NE(out.find("t_count{preset=\"hls\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("t_count{preset=\"mp4\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("t_bucket{preset=\"mp4\",le=\"1\"} 0\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace tcoder
