#include "worker/validate.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace tcoder::worker {
namespace {

std::string Num(double v) {
  std::string s = std::to_string(std::round(v * 100) / 100);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

Status CheckStreams(const MediaInfo& info, const Limits& limits) {
  if (!info.has_video() && !info.has_audio()) return InvalidArgument("input has no audio or video stream");
  if (static_cast<int>(info.video.size()) > limits.max_video_streams) {
    return InvalidArgument("input has " + std::to_string(info.video.size()) + " video streams; at most " +
                           std::to_string(limits.max_video_streams) + " allowed");
  }
  if (static_cast<int>(info.audio.size()) > limits.max_audio_streams) {
    return InvalidArgument("input has " + std::to_string(info.audio.size()) + " audio streams; at most " +
                           std::to_string(limits.max_audio_streams) + " allowed");
  }
  return Status::Ok();
}

Status CheckPicture(const VideoStream& v, const Limits& limits) {
  const std::string size = std::to_string(v.width) + "x" + std::to_string(v.height);
  if (v.width <= 0 || v.height <= 0) return InvalidArgument("input video has no picture size");
  const int long_side = std::max(v.width, v.height);
  const int short_side = std::min(v.width, v.height);
  if (long_side > limits.max_width || short_side > limits.max_height) {
    return InvalidArgument("input video is " + size + "; at most " + std::to_string(limits.max_width) + "x" +
                           std::to_string(limits.max_height) + " allowed");
  }
  if (short_side < limits.min_side) {
    return InvalidArgument("input video is " + size + "; each side must be at least " +
                           std::to_string(limits.min_side) + " pixels");
  }
  if (v.fps > limits.max_fps) {
    return InvalidArgument("input video is " + Num(v.fps) + " fps; at most " + Num(limits.max_fps) + " allowed");
  }
  return Status::Ok();
}

Status CheckDurationAndSize(const MediaInfo& info, const Limits& limits) {
  if (!(info.duration_s > 0)) return InvalidArgument("input has no known duration");
  if (info.duration_s > limits.max_duration_s) {
    return InvalidArgument("input is " + Num(info.duration_s) + " s long; at most " + Num(limits.max_duration_s) +
                           " s allowed");
  }
  if (info.size_bytes > limits.max_size_bytes) {
    return Status(Code::kTooLarge, "input is " + std::to_string(info.size_bytes) + " bytes; at most " +
                                       std::to_string(limits.max_size_bytes) + " allowed");
  }
  return Status::Ok();
}

}  // namespace

Status Validate(const MediaInfo& info, const Limits& limits) {
  if (Status s = CheckStreams(info, limits); !s.ok()) return s;
  if (info.has_video()) {
    if (Status s = CheckPicture(info.video.front(), limits); !s.ok()) return s;
  }
  return CheckDurationAndSize(info, limits);
}

}  // namespace tcoder::worker
