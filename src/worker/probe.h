// Probe: what ffprobe says about an input file, as a MediaInfo.
//
// Probe() runs ffprobe (argv only, file protocol and allowed demuxers only, a
// deadline) and ParseProbeJson() turns its JSON into a MediaInfo. Errors tell
// bad input (kInvalidArgument: permanent) from outages (kUnavailable,
// kDeadlineExceeded: retryable); see failure.h. Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tcoder::worker {

// The demuxers FFmpeg may use on an input: `-format_whitelist` of every run.
inline constexpr std::string_view kAllowedDemuxers =
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,ogg,mxf";

struct VideoStream {
  std::string codec;  // "h264", "hevc", ...
  int width = 0;      // coded picture size, before rotation
  int height = 0;
  double fps = 0;       // avg_frame_rate; 0 when unknown
  int rotation = 0;     // display rotation in degrees: 0, 90, 180 or 270
  std::string pix_fmt;  // "yuv420p", ...
  // The size as displayed (width and height swapped for 90/270 rotation).
  int display_width() const { return rotation % 180 ? height : width; }
  int display_height() const { return rotation % 180 ? width : height; }
};

struct AudioStream {
  std::string codec;  // "aac", "opus", ...
  int channels = 0;
  int sample_rate = 0;
};

struct MediaInfo {
  std::string container;  // ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  double duration_s = 0;  // 0 when unknown
  std::uint64_t size_bytes = 0;
  std::vector<VideoStream> video;  // real video streams (cover art excluded)
  std::vector<AudioStream> audio;
  int other_streams = 0;  // subtitles, data, attachments, cover art
  bool has_video() const { return !video.empty(); }
  bool has_audio() const { return !audio.empty(); }
  // True for the MP4/MOV family of containers.
  bool is_mp4_family() const;
};

// Parses `ffprobe -print_format json -show_format -show_streams` output.
// Errors: kInvalidArgument when the JSON is malformed or has no format.
Result<MediaInfo> ParseProbeJson(std::string_view json);

struct ProbeOptions {
  std::string ffprobe = "ffprobe";  // looked up on PATH when it has no '/'
  std::chrono::milliseconds deadline{std::chrono::seconds(60)};
};

// Runs ffprobe on `input` (a local file). Errors: kInvalidArgument when ffprobe
// cannot read it as an allowed container (with ffprobe's reason), kUnavailable
// when ffprobe cannot run, kDeadlineExceeded when it runs past the deadline.
Result<MediaInfo> Probe(const std::filesystem::path& input, const ProbeOptions& options = {});

// "file:/abs/path": an input FFmpeg can only take as a local file.
std::string FileUrl(const std::filesystem::path& path);

}  // namespace tcoder::worker
