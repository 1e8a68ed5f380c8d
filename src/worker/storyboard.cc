#include "worker/storyboard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "worker/ladder.h"

namespace tcoder::worker {
namespace {

// "00:01:02.500"
std::string VttTime(double s) {
  const long ms = std::lround(std::max(0.0, s) * 1000);
  char buf[32];
  (void)std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld.%03ld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
                      ms % 1000);
  return buf;
}

}  // namespace

StoryboardGrid GridFor(const MediaInfo& info) {
  StoryboardGrid g;
  if (!info.has_video() || !(info.duration_s > 0)) return g;
  const VideoStream& v = info.video.front();
  const int w = std::max(1, v.display_width()), h = std::max(1, v.display_height());
  g.duration_s = info.duration_s;
  g.tiles = std::clamp(static_cast<int>(std::ceil(info.duration_s)), 1, kMaxTiles);
  g.interval_s = info.duration_s / g.tiles;
  if (info.duration_s <= kMaxTiles) g.interval_s = 1;
  g.columns = std::min(kColumns, g.tiles);
  g.rows = (g.tiles + g.columns - 1) / g.columns;
  g.tile_width = w >= h ? kTileLongSide : EvenSize(static_cast<double>(kTileLongSide) * w / h);
  g.tile_height = w >= h ? EvenSize(static_cast<double>(kTileLongSide) * h / w) : kTileLongSide;
  return g;
}

std::string RenderStoryboardVtt(const StoryboardGrid& g, const std::string& image) {
  std::string out = "WEBVTT\n";
  for (int i = 0; i < g.tiles; ++i) {
    const double from = i * g.interval_s;
    const double to = i + 1 == g.tiles ? std::max(g.duration_s, from) : (i + 1) * g.interval_s;
    const int x = (i % g.columns) * g.tile_width, y = (i / g.columns) * g.tile_height;
    out += "\n" + VttTime(from) + " --> " + VttTime(to) + "\n" + image + "#xywh=" + std::to_string(x) + "," +
           std::to_string(y) + "," + std::to_string(g.tile_width) + "," + std::to_string(g.tile_height) + "\n";
  }
  return out;
}

}  // namespace tcoder::worker
