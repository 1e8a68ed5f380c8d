#include "worker/ladder.h"

#include <gtest/gtest.h>

namespace tcoder::worker {
namespace {

VideoStream Source(int w, int h, int rotation = 0) {
  return VideoStream{.codec = "h264", .width = w, .height = h, .fps = 30, .rotation = rotation};
}

std::string Names(const std::vector<Rung>& rungs) {
  std::string s;
  for (const Rung& r : rungs)
    s += (s.empty() ? "" : " ") + r.name + "=" + std::to_string(r.width) + "x" + std::to_string(r.height);
  return s;
}

std::string Ladder(const VideoStream& v, Preset p, std::vector<std::string> q = {}) {
  auto r = SelectLadder(v, p, q);
  return r.ok() ? Names(*r) : r.status().ToString();
}

TEST(Ladder, LadderNeverUpscales) {
  EXPECT_EQ(Ladder(Source(1280, 720), Preset::kHlsAdaptive), "360p=640x360 480p=854x480 720p=1280x720");
  EXPECT_EQ(Ladder(Source(1920, 1080), Preset::kHlsAdaptive),
            "360p=640x360 480p=854x480 720p=1280x720 1080p=1920x1080");
  EXPECT_EQ(Ladder(Source(3840, 2160), Preset::kHlsAdaptive),
            "360p=640x360 480p=854x480 720p=1280x720 1080p=1920x1080");
  EXPECT_EQ(Ladder(Source(1920, 1080), Preset::kCmaf), Ladder(Source(1920, 1080), Preset::kHlsAdaptive));
}

TEST(Ladder, LadderKeepsTheSourceHeightAsTopRung) {
  EXPECT_EQ(Ladder(Source(1066, 600), Preset::kHlsAdaptive), "360p=640x360 480p=852x480 600p=1066x600");
  EXPECT_EQ(Ladder(Source(320, 240), Preset::kHlsAdaptive), "240p=320x240");
  EXPECT_EQ(Ladder(Source(321, 181), Preset::kHlsAdaptive), "180p=320x180");  // odd sizes round down to even
  EXPECT_EQ(Ladder(Source(1280, 720), Preset::kHlsAdaptive, {"1080p"}), "720p=1280x720");
}

TEST(Ladder, LadderBitratesOfASourceRungScaleWithPixels) {
  auto r = SelectLadder(Source(1066, 600), Preset::kHlsAdaptive, {});
  ASSERT_TRUE(r.ok());
  const Rung& top = r->back();
  EXPECT_LT(top.video_kbps, FindQuality("720p")->video_kbps);
  EXPECT_GT(top.video_kbps, FindQuality("480p")->video_kbps);
  EXPECT_EQ(top.profile, "high");
}

TEST(Ladder, LadderRespectsRequestedQualities) {
  EXPECT_EQ(Ladder(Source(1920, 1080), Preset::kHlsAdaptive, {"720p", "240p", "720p"}), "240p=426x240 720p=1280x720");
  EXPECT_EQ(Ladder(Source(1920, 1080), Preset::kWebOptimized, {"720p"}), "720p=1280x720");
  EXPECT_NE(Ladder(Source(1920, 1080), Preset::kHls, {"999p"}).find("invalid_argument"), std::string::npos);
}

TEST(Ladder, LadderScalesPortraitByTheShortSide) {
  EXPECT_EQ(Ladder(Source(720, 1280), Preset::kHlsAdaptive), "360p=360x640 480p=480x854 720p=720x1280");
  // A phone clip stored landscape with a 90° display rotation is portrait.
  EXPECT_EQ(Ladder(Source(1280, 720, 90), Preset::kHls, {"360p"}), "360p=360x640");
}

TEST(Ladder, LadderKeepsAspectRatioWithEvenWidths) {
  EXPECT_EQ(Ladder(Source(1440, 1080), Preset::kHlsAdaptive, {"360p"}), "360p=480x360");
  EXPECT_EQ(Ladder(Source(1998, 1080), Preset::kHlsAdaptive, {"240p"}), "240p=444x240");
  EXPECT_EQ(Ladder(Source(1000, 999), Preset::kHlsAdaptive, {"144p"}), "144p=144x144");
}

TEST(Ladder, HlsMakesOneQualityAndDefaultKeepsTheSource) {
  EXPECT_EQ(Ladder(Source(1920, 1080), Preset::kHls), "1080p=1920x1080");
  EXPECT_EQ(Ladder(Source(1280, 720), Preset::kHls), "720p=1280x720");
  EXPECT_EQ(Ladder(Source(1920, 1080), Preset::kHls, {"360p", "480p"}), "480p=854x480");
  EXPECT_EQ(Ladder(Source(1000, 562), Preset::kDefault), "source=1000x562");
}

TEST(Ladder, CodecsStringFollowsProfileAndLevel) {
  Rung r{.profile = "main", .level = "3.1"};
  EXPECT_EQ(CodecsOf(r, true), "avc1.4d401f,mp4a.40.2");
  r = Rung{.profile = "high", .level = "4.0"};
  EXPECT_EQ(CodecsOf(r, false), "avc1.640028");
}

}  // namespace
}  // namespace tcoder::worker
