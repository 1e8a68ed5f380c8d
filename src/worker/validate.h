// Validation of a probed input against the limits of a job (docs/presets.md,
// "Input limits and failures").
//
// Limits holds the configurable maxima; Validate() returns the first limit a
// MediaInfo breaks, with a reason a user can act on. Audio-only inputs are
// valid (they make audio-only outputs); inputs with neither audio nor video
// are refused. Pure functions, thread-safe.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "worker/probe.h"

namespace tcoder::worker {

struct Limits {
  int max_width = 3840;  // of the larger side; the other side is checked against max_height
  int max_height = 2160;
  int min_side = 16;  // smallest picture side accepted
  double max_duration_s = 4 * 3600;
  double max_fps = 120;
  int max_video_streams = 1;
  int max_audio_streams = 8;
  std::uint64_t max_size_bytes = 10ULL << 30;
  // Decoded pixels per frame FFmpeg may allocate (its -max_pixels).
  std::int64_t max_pixels() const { return static_cast<std::int64_t>(max_width) * max_height; }
};

// OK when `info` is within `limits`. Errors: kInvalidArgument (no streams, too
// many streams, unknown or absurd size, duration or frame rate) or kTooLarge
// (file size), each naming the value and the limit.
Status Validate(const MediaInfo& info, const Limits& limits);

}  // namespace tcoder::worker
