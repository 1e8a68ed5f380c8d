#include "worker/storyboard.h"

#include <gtest/gtest.h>

#include "worker/ffmpeg_plan.h"

namespace tcoder::worker {
namespace {

MediaInfo Video(int w, int h, double seconds) {
  MediaInfo m;
  m.duration_s = seconds;
  m.video.push_back(VideoStream{.codec = "h264", .width = w, .height = h, .fps = 25});
  return m;
}

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(Storyboard, GridForAShortClipHasATileASecond) {
  const StoryboardGrid g = GridFor(Video(1280, 720, 12.3));
  EXPECT_EQ(g.tiles, 13);
  EXPECT_EQ(g.columns, 10);
  EXPECT_EQ(g.rows, 2);
  EXPECT_DOUBLE_EQ(g.interval_s, 1);
  EXPECT_EQ(g.tile_width, 160);
  EXPECT_EQ(g.tile_height, 90);
}

TEST(Storyboard, GridForALongVideoSpreadsTheMostTilesOverIt) {
  const StoryboardGrid g = GridFor(Video(1920, 1080, 7200));
  EXPECT_EQ(g.tiles, kMaxTiles);
  EXPECT_EQ(g.rows, 10);
  EXPECT_DOUBLE_EQ(g.interval_s, 72);
  MediaInfo portrait = Video(1920, 1080, 5);
  portrait.video[0].rotation = 90;  // shown 1080x1920
  const StoryboardGrid p = GridFor(portrait);
  EXPECT_EQ(p.tile_width, 90);
  EXPECT_EQ(p.tile_height, 160);
  EXPECT_EQ(p.columns, 5);                   // fewer tiles than a row
  EXPECT_EQ(GridFor(MediaInfo{}).tiles, 0);  // no video: no storyboard
}

TEST(Storyboard, VttCuesPointIntoTheSprite) {
  const StoryboardGrid g = GridFor(Video(1280, 720, 12.3));
  const std::string vtt = RenderStoryboardVtt(g);
  EXPECT_TRUE(vtt.starts_with("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,160,90\n")) << vtt;
  EXPECT_EQ(Count(vtt, " --> "), 13u);
  EXPECT_NE(vtt.find("00:00:09.000 --> 00:00:10.000\nstoryboard.jpg#xywh=1440,0,160,90\n"), std::string::npos);
  EXPECT_NE(vtt.find("00:00:10.000 --> 00:00:11.000\nstoryboard.jpg#xywh=0,90,160,90\n"), std::string::npos);
  EXPECT_TRUE(vtt.ends_with("00:00:12.000 --> 00:00:12.300\nstoryboard.jpg#xywh=320,90,160,90\n")) << vtt;
  const std::string hours = RenderStoryboardVtt(GridFor(Video(640, 360, 7200)));
  EXPECT_NE(hours.find("01:58:48.000 --> 02:00:00.000"), std::string::npos);
}

TEST(Storyboard, PlanStoryboardDecodesKeyframesAndTilesOnePicture) {
  const MediaInfo m = Video(1280, 720, 250);
  const StoryboardGrid g = GridFor(m);
  const auto fast = PlanStoryboard("/in/video.mp4", m, g, PlanOptions{}, true);
  const auto skip = std::find(fast.begin(), fast.end(), "-skip_frame");
  ASSERT_NE(skip, fast.end());
  EXPECT_EQ(*(skip + 1), "nokey");
  EXPECT_LT(skip, std::find(fast.begin(), fast.end(), "-i"));
  const auto vf = std::find(fast.begin(), fast.end(), "-vf");
  ASSERT_NE(vf, fast.end());
  EXPECT_EQ(*(vf + 1), "fps=fps=0.400000:eof_action=pass,scale=w=160:h=90,setsar=1,tile=10x10,format=yuvj420p");
  EXPECT_EQ(fast.back(), kStoryboardImage);
  const auto all = PlanStoryboard("/in/video.mp4", m, g, PlanOptions{}, false);
  EXPECT_EQ(std::find(all.begin(), all.end(), "-skip_frame"), all.end());
}

}  // namespace
}  // namespace tcoder::worker
