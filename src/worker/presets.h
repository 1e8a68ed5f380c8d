// Presets and the quality table: the one place the ladder's heights, bitrates
// and H.264 profiles are written (docs/presets.md mirrors it).
//
// Pure data and lookups, thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tcoder::worker {

enum class Preset { kDefault, kWebOptimized, kHls, kHlsAdaptive, kCmaf };

// The segmented presets: hls, hls-adaptive and cmaf (hls-adaptive's ladder in
// fMP4 segments with both an HLS and a DASH manifest).
bool IsSegmented(Preset preset);

// One row of the quality table. Widths are for 16:9; real widths follow the
// source's aspect ratio (see ladder.h).
struct Quality {
  std::string_view name;  // "720p"
  int height;
  int width;
  int video_kbps;
  int maxrate_kbps;
  int bufsize_kbps;
  int audio_kbps;
  std::string_view profile;  // H.264 profile for libx264: baseline | main | high
  std::string_view level;    // H.264 level, e.g. "4.0"
};

// Every quality, lowest first: 144p 240p 360p 480p 720p 1080p 1440p 2160p.
std::span<const Quality> QualityTable();
// The row named `name`, or nullptr.
const Quality* FindQuality(std::string_view name);
// The lowest row at least `height` tall (the top row when none is).
const Quality& QualityAtLeast(int height);
// The qualities hls-adaptive makes when the job names none: 360p 480p 720p 1080p.
std::vector<std::string> DefaultLadder();

// "default" | "web-optimized" | "hls" | "hls-adaptive" | "cmaf". Errors: kInvalidArgument.
Result<Preset> ParsePreset(std::string_view name);
std::string_view PresetName(Preset preset);
// Checks every name against the table. Errors: kInvalidArgument naming the bad one.
Status CheckQualities(const std::vector<std::string>& names);

}  // namespace tcoder::worker
