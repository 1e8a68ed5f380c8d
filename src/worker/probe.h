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
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,ogg,mxf,mp3,wav,flac,aac";

struct VideoStream {
  std::string codec;  // "h264", "hevc", ...
  int width = 0;      // coded picture size, before rotation
  int height = 0;
  double fps = 0;       // avg_frame_rate; 0 when unknown
  int rotation = 0;     // display rotation in degrees: 0, 90, 180 or 270
  std::string pix_fmt;  // "yuv420p", ...
  // Colour as the stream signals it, in ffprobe's names; "" when unsignalled.
  std::string color_transfer;   // "bt709", "smpte2084" (PQ), "arib-std-b67" (HLG), ...
  std::string color_primaries;  // "bt709", "bt2020", ...
  std::string color_space;      // matrix: "bt709", "bt2020nc", ...
  std::string color_range;      // "tv" | "pc"
  // "progressive", "tt", "bb", "tb", "bt"; "" or "unknown" when the stream does not say.
  std::string field_order;
  int sar_num = 1;  // sample (pixel) aspect ratio; 1:1 when unsignalled
  int sar_den = 1;
  // Interlaced as the stream says, or as detection found (see interlace.h).
  bool interlaced = false;

  // PQ (HDR10) or HLG: needs tone mapping for SDR.
  bool is_hdr() const { return color_transfer == "smpte2084" || color_transfer == "arib-std-b67"; }
  // True when field_order says either way.
  bool field_order_known() const { return !field_order.empty() && field_order != "unknown"; }
  // Width with square pixels, before rotation (720x480 at 32:27 is 853 wide).
  int square_width() const;
  // The size as displayed: square pixels, width and height swapped for 90/270 rotation.
  int display_width() const { return rotation % 180 ? height : square_width(); }
  int display_height() const { return rotation % 180 ? square_width() : height; }
};

struct AudioStream {
  std::string codec;  // "aac", "opus", ...
  int channels = 0;
  int sample_rate = 0;
  bool is_default = false;  // disposition "default"
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
  bool audio_only() const { return video.empty() && !audio.empty(); }
  // The audio stream the outputs carry: the first marked default, else the first.
  int main_audio() const;
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
