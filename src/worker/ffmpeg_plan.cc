#include "worker/ffmpeg_plan.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>

namespace tcoder::worker {
namespace {

using Args = std::vector<std::string>;

void Add(Args& a, std::initializer_list<std::string> more) { a.insert(a.end(), more.begin(), more.end()); }

std::string Kbps(int kbps) { return std::to_string(kbps) + "k"; }

// The options before `-i` and the input itself: local file only, allowed demuxers, bounded pictures.
Args InputArgs(const PlanOptions& o, bool progress) {
  Args a{o.ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-v", "error"};
  if (progress) Add(a, {"-progress", "pipe:1"});
  Add(a, {"-protocol_whitelist", "file", "-format_whitelist", std::string(kAllowedDemuxers), "-max_pixels",
          std::to_string(o.max_pixels)});
  return a;
}

double OutputFps(const MediaInfo& info, const PlanOptions& o) {
  const double fps = info.video.front().fps;
  return fps > 0 ? std::min(fps, o.max_fps) : 30;
}

// Fixed keyframe cadence, the same in every rendition, so segments align.
void KeyframeArgs(Args& a, const MediaInfo& info, const PlanOptions& o) {
  const int gop = std::max(1, static_cast<int>(std::lround(OutputFps(info, o) * o.keyframe_s)));
  Add(a, {"-g", std::to_string(gop), "-keyint_min", std::to_string(gop), "-sc_threshold", "0", "-force_key_frames",
          "expr:gte(t,n_forced*" + std::to_string(o.keyframe_s) + ")"});
}

// "scale=w=640:h=360,setsar=1,format=yuv420p": one rung's picture, 8-bit 4:2:0 for every player.
std::string ScaleChain(const Rung& r) {
  return "scale=w=" + std::to_string(r.width) + ":h=" + std::to_string(r.height) + ",setsar=1,format=yuv420p";
}

// "fps=60," when the source is faster than the cap, else "".
std::string FpsCap(const MediaInfo& info, const PlanOptions& o) {
  if (info.video.front().fps <= o.max_fps) return "";
  return "fps=" + std::to_string(static_cast<int>(o.max_fps)) + ",";
}

// "[0:v:0]fps=60,split=2[s0][s1];[s0]scale=...[v0];[s1]scale=...[v1]"
std::string FilterGraph(const MediaInfo& info, const std::vector<Rung>& rungs, const PlanOptions& o) {
  std::string g = "[0:v:0]";
  g += FpsCap(info, o);
  g += "split=" + std::to_string(rungs.size());
  for (std::size_t i = 0; i < rungs.size(); ++i) g += "[s" + std::to_string(i) + "]";
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    const std::string n = std::to_string(i);
    g.append(";[s").append(n).append("]").append(ScaleChain(rungs[i])).append("[v").append(n).append("]");
  }
  return g;
}

// H.264 settings of output video stream `i` (the i-th video stream of its output file).
void VideoArgs(Args& a, std::size_t i, const Rung& r) {
  const std::string s = ":v:" + std::to_string(i);
  Add(a, {"-c" + s, "libx264", "-profile" + s, r.profile, "-level" + s, r.level, "-b" + s, Kbps(r.video_kbps),
          "-maxrate" + s, Kbps(r.maxrate_kbps), "-bufsize" + s, Kbps(r.bufsize_kbps)});
}

void AudioArgs(Args& a, std::size_t i, const Rung& r, const MediaInfo& info) {
  const std::string s = ":a:" + std::to_string(i);
  Add(a, {"-c" + s, "aac", "-b" + s, Kbps(r.audio_kbps)});
  if (info.audio.front().channels > 2) Add(a, {"-ac" + s, "2"});
}

void EncoderArgs(Args& a, const MediaInfo& info, const PlanOptions& o) {
  Add(a, {"-preset", o.x264_preset});
  if (o.threads > 0) Add(a, {"-threads", std::to_string(o.threads)});
  KeyframeArgs(a, info, o);
  Add(a, {"-map_metadata", "-1", "-map_chapters", "-1", "-fs", std::to_string(o.max_output_bytes)});
}

void PlanHls(Args& a, const MediaInfo& info, const FfmpegPlan& p, const PlanOptions& o) {
  std::string stream_map;
  for (std::size_t i = 0; i < p.rungs.size(); ++i) {
    const std::string n = std::to_string(i);
    Add(a, {"-map", "[v" + n + "]"});
    if (p.with_audio) Add(a, {"-map", "0:a:0"});
    VideoArgs(a, i, p.rungs[i]);
    if (p.with_audio) AudioArgs(a, i, p.rungs[i], info);
    stream_map += (i ? " v:" : "v:") + n + (p.with_audio ? ",a:" + n : "") + ",name:" + p.rungs[i].name;
  }
  EncoderArgs(a, info, o);
  Add(a, {"-f", "hls", "-hls_time", std::to_string(o.segment_s), "-hls_playlist_type", "vod", "-hls_flags",
          "independent_segments", "-hls_segment_type", "mpegts", "-hls_segment_filename", "%v/seg_%05d.ts",
          "-master_pl_name", kMasterPlaylist, "-var_stream_map", stream_map, "%v/index.m3u8"});
}

void PlanMp4s(Args& a, const MediaInfo& info, const FfmpegPlan& p, const PlanOptions& o) {
  for (std::size_t i = 0; i < p.rungs.size(); ++i) {
    Add(a, {"-map", "[v" + std::to_string(i) + "]"});
    if (p.with_audio) Add(a, {"-map", "0:a:0"});
    VideoArgs(a, 0, p.rungs[i]);
    if (p.with_audio) AudioArgs(a, 0, p.rungs[i], info);
    EncoderArgs(a, info, o);
    Add(a, {"-movflags", "+faststart", "-f", "mp4", p.rungs[i].name + ".mp4"});
  }
}

void PlanDefault(Args& a, const MediaInfo& info, const FfmpegPlan& p, const PlanOptions& o) {
  Add(a, {"-map", "0:v:0"});
  if (p.with_audio) Add(a, {"-map", "0:a"});
  if (p.copy) {
    Add(a, {"-c", "copy"});
    if (info.video.front().codec == "hevc") Add(a, {"-tag:v", "hvc1"});
    Add(a, {"-map_metadata", "-1", "-map_chapters", "-1", "-fs", std::to_string(o.max_output_bytes)});
  } else {
    const Rung& r = p.rungs.front();
    Add(a, {"-vf", FpsCap(info, o) + ScaleChain(r)});
    Add(a, {"-c:v", "libx264", "-crf", "21", "-profile:v", r.profile, "-level:v", r.level, "-maxrate:v",
            Kbps(r.maxrate_kbps), "-bufsize:v", Kbps(r.bufsize_kbps), "-c:a", "aac", "-b:a", Kbps(r.audio_kbps)});
    if (p.with_audio && info.audio.front().channels > 2) Add(a, {"-ac", "2"});
    EncoderArgs(a, info, o);
  }
  Add(a, {"-movflags", "+faststart", "-f", "mp4", kDefaultVideo});
}

}  // namespace

Status CheckPlanOptions(const PlanOptions& o) {
  static constexpr std::array<std::string_view, 10> kX264Presets{
      "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"};
  if (std::find(kX264Presets.begin(), kX264Presets.end(), o.x264_preset) == kX264Presets.end()) {
    return InvalidArgument("unknown x264 preset \"" + o.x264_preset + "\" (expected ultrafast ... placebo)");
  }
  if (o.keyframe_s <= 0 || o.segment_s <= 0 || o.segment_s % o.keyframe_s != 0) {
    return InvalidArgument("the HLS segment duration must be a positive multiple of the keyframe interval");
  }
  if (o.threads < 0 || o.max_fps <= 0 || o.max_pixels <= 0 || o.max_output_bytes == 0) {
    return InvalidArgument("threads, max fps, max pixels and max output bytes must be positive");
  }
  return Status::Ok();
}

bool CanCopy(const MediaInfo& info) {
  if (!info.is_mp4_family() || !info.has_video()) return false;
  const std::string& codec = info.video.front().codec;
  if (codec != "h264" && codec != "hevc") return false;
  return std::all_of(info.audio.begin(), info.audio.end(), [](const AudioStream& s) { return s.codec == "aac"; });
}

Result<FfmpegPlan> PlanTranscode(const std::filesystem::path& input, const MediaInfo& info, const TranscodeSpec& spec,
                                 const PlanOptions& options) {
  if (Status s = CheckPlanOptions(options); !s.ok()) return Status(Code::kInternal, "worker settings: " + s.message());
  if (!info.has_video()) return InvalidArgument("input has no video stream");
  auto rungs = SelectLadder(info.video.front(), spec.preset, spec.qualities);
  if (!rungs.ok()) return rungs.status();
  FfmpegPlan p{.rungs = std::move(*rungs), .with_audio = info.has_audio()};
  p.copy = spec.preset == Preset::kDefault && CanCopy(info);
  p.argv = InputArgs(options, /*progress=*/true);
  Add(p.argv, {"-i", FileUrl(input)});
  if (spec.preset != Preset::kDefault) Add(p.argv, {"-filter_complex", FilterGraph(info, p.rungs, options)});
  switch (spec.preset) {
    case Preset::kHls:
    case Preset::kHlsAdaptive:
      PlanHls(p.argv, info, p, options);
      break;
    case Preset::kWebOptimized:
      PlanMp4s(p.argv, info, p, options);
      break;
    case Preset::kDefault:
      PlanDefault(p.argv, info, p, options);
      break;
  }
  return p;
}

std::vector<std::string> PlanPoster(const std::filesystem::path& input, const MediaInfo& info,
                                    const PlanOptions& options) {
  const double d = info.duration_s;
  const double at = d >= 10 ? d * 0.1 : std::min(1.0, d / 2);
  Args a = InputArgs(options, /*progress=*/false);
  Add(a, {"-ss",
          std::to_string(at),
          "-i",
          FileUrl(input),
          "-map",
          "0:v:0",
          "-frames:v",
          "1",
          "-vf",
          "scale=w='min(1280,iw)':h=-2,format=yuvj420p",
          "-q:v",
          "3",
          "-map_metadata",
          "-1",
          "-f",
          "image2",
          "-update",
          "1",
          "-y",
          kPosterFile});
  return a;
}

}  // namespace tcoder::worker
