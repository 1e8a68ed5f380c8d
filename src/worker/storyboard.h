// Storyboard: the thumbnails players show while scrubbing. One sprite JPEG
// (kStoryboardImage) of up to kMaxTiles thumbnails, kColumns a row, one every
// `interval_s` seconds of the video, and a WebVTT track (kStoryboardVtt) whose
// cues point into it with media fragments (`storyboard.jpg#xywh=x,y,w,h`), as
// hls.js, Video.js and Mux's players read them.
//
// GridFor sizes the grid; RenderStoryboardVtt writes the track; the FFmpeg
// run that draws the sprite is PlanStoryboard (ffmpeg_plan.h). Pure
// functions, thread-safe.
#pragma once

#include <string>

#include "worker/probe.h"

namespace tcoder::worker {

inline constexpr char kStoryboardImage[] = "storyboard.jpg";
inline constexpr char kStoryboardVtt[] = "storyboard.vtt";
inline constexpr int kMaxTiles = 100;
inline constexpr int kColumns = 10;
inline constexpr int kTileLongSide = 160;  // pixels

struct StoryboardGrid {
  int tiles = 0;          // thumbnails in the sprite
  int columns = 0;        // per row
  int rows = 0;           // ceil(tiles / columns)
  double interval_s = 0;  // seconds of video per thumbnail
  int tile_width = 0;     // each thumbnail, square pixels at the display aspect
  int tile_height = 0;
  double duration_s = 0;
};

// The grid for `info` (a video): one tile a second for clips up to
// kMaxTiles seconds, else kMaxTiles tiles spread over the duration.
StoryboardGrid GridFor(const MediaInfo& info);

// The WebVTT thumbnails track: one cue per tile, from i x interval to the
// next (the last ends at the duration), each "<image>#xywh=x,y,w,h".
std::string RenderStoryboardVtt(const StoryboardGrid& grid, const std::string& image = kStoryboardImage);

}  // namespace tcoder::worker
