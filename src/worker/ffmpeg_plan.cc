#include "worker/ffmpeg_plan.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <initializer_list>

namespace tcoder::worker {
namespace {

using Args = std::vector<std::string>;

void Add(Args& a, std::initializer_list<std::string> more) { a.insert(a.end(), more.begin(), more.end()); }

std::string Kbps(int kbps) { return std::to_string(kbps) + "k"; }

// The options before `-i` and the input itself: local file only, allowed demuxers, bounded pictures.
Args InputArgs(const PlanOptions& o, bool progress, std::string log_level = "error") {
  Args a{o.ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-v", std::move(log_level)};
  if (progress) Add(a, {"-progress", "pipe:1"});
  Add(a, {"-protocol_whitelist", "file", "-format_whitelist", std::string(kAllowedDemuxers), "-max_pixels",
          std::to_string(o.max_pixels)});
  return a;
}

// An interlaced source becomes one frame per field (25i: 50p) when that
// stays within max_fps, else one frame per frame.
bool FramePerField(const VideoStream& v, const PlanOptions& o) {
  return v.interlaced && v.fps > 0 && v.fps * 2 <= o.max_fps;
}

// The frame rate after deinterlacing, before the cap; 0 when unknown.
double SourceFps(const VideoStream& v, const PlanOptions& o) { return FramePerField(v, o) ? v.fps * 2 : v.fps; }

double OutputFps(const MediaInfo& info, const PlanOptions& o) {
  const double fps = SourceFps(info.video.front(), o);
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
std::string FpsCap(const VideoStream& v, const PlanOptions& o) {
  if (SourceFps(v, o) <= o.max_fps) return "";
  return "fps=" + std::to_string(static_cast<int>(o.max_fps)) + ",";
}

// "bwdif=mode=send_field:parity=auto:deint=all," for an interlaced source, else "".
std::string Deinterlace(const VideoStream& v, const PlanOptions& o) {
  if (!v.interlaced) return "";
  return std::string("bwdif=mode=") + (FramePerField(v, o) ? "send_field" : "send_frame") + ":parity=auto:deint=all,";
}

// zscale's name for a transfer, matrix or primaries that ffprobe reported,
// from a fixed list (never the probe's text itself), or `fallback`.
std::string_view ZscaleName(std::string_view probed, std::initializer_list<std::string_view> known,
                            std::string_view fallback) {
  for (std::string_view k : known) {
    if (probed == k) return k;
  }
  return fallback;
}

// PQ or HLG to SDR BT.709: linear light (at the top rung's size, to tone-map
// fewer pixels), Hable tone mapping, BT.709 primaries, transfer and matrix,
// limited range, 8-bit 4:2:0. "" for an SDR source.
std::string ToneMap(const VideoStream& v, const Rung& top) {
  if (!v.is_hdr()) return "";
  const std::string_view tin = ZscaleName(v.color_transfer, {"smpte2084", "arib-std-b67"}, "smpte2084");
  const std::string_view min = ZscaleName(v.color_space, {"bt2020nc", "bt2020c", "bt709"}, "bt2020nc");
  const std::string_view pin = ZscaleName(v.color_primaries, {"bt2020", "bt709"}, "bt2020");
  const std::string_view rin = v.color_range == "pc" ? "pc" : "tv";
  std::string z = "zscale=w=" + std::to_string(top.width) + ":h=" + std::to_string(top.height);
  z.append(":tin=").append(tin).append(":min=").append(min).append(":pin=").append(pin);
  z.append(":rin=").append(rin).append(":t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,");
  z += "tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p,";
  return z;
}

// What every rung shares, each part only when the source needs it:
// deinterlace, cap the frame rate, tone-map HDR to SDR.
std::string SourceChain(const MediaInfo& info, const std::vector<Rung>& rungs, const PlanOptions& o) {
  const VideoStream& v = info.video.front();
  return Deinterlace(v, o) + FpsCap(v, o) + ToneMap(v, rungs.back());
}

// "[0:v:0]fps=60,split=2[s0][s1];[s0]scale=...[v0];[s1]scale=...[v1]"
std::string FilterGraph(const MediaInfo& info, const std::vector<Rung>& rungs, const PlanOptions& o) {
  std::string g = "[0:v:0]";
  g += SourceChain(info, rungs, o);
  g += "split=" + std::to_string(rungs.size());
  for (std::size_t i = 0; i < rungs.size(); ++i) g += "[s" + std::to_string(i) + "]";
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    const std::string n = std::to_string(i);
    g.append(";[s").append(n).append("]").append(ScaleChain(rungs[i])).append("[v").append(n).append("]");
  }
  return g;
}

// H.264 settings of output video stream `i` (the i-th video stream of its output file).
void VideoArgs(Args& a, std::size_t i, const Rung& r, const PlanOptions& o) {
  const std::string s = ":v:" + std::to_string(i);
  Add(a, {"-c" + s, "libx264", "-profile" + s, r.profile, "-level" + s, r.level});
  if (o.rate_control == RateControl::kCappedCrf) {
    Add(a, {"-crf" + s, std::to_string(o.crf)});
  } else {
    Add(a, {"-b" + s, Kbps(r.video_kbps)});
  }
  Add(a, {"-maxrate" + s, Kbps(r.maxrate_kbps), "-bufsize" + s, Kbps(r.bufsize_kbps)});
}

// "0:a:N": the audio stream the outputs carry (the default one, else the first).
std::string MainAudio(const MediaInfo& info) { return "0:a:" + std::to_string(info.main_audio()); }

void AudioArgs(Args& a, std::size_t i, int kbps, const MediaInfo& info) {
  const std::string s = ":a:" + std::to_string(i);
  Add(a, {"-c" + s, "aac", "-b" + s, Kbps(kbps)});
  if (info.audio[info.main_audio()].channels > 2) Add(a, {"-ac" + s, "2"});
}

// Output limits and what is never copied from the input.
void OutputLimitArgs(Args& a, const PlanOptions& o) {
  Add(a, {"-map_metadata", "-1", "-map_chapters", "-1", "-fs", std::to_string(o.max_output_bytes)});
}

void EncoderArgs(Args& a, const MediaInfo& info, const PlanOptions& o) {
  Add(a, {"-preset", o.x264_preset});
  if (o.threads > 0) Add(a, {"-threads", std::to_string(o.threads)});
  KeyframeArgs(a, info, o);
  if (info.video.front().is_hdr()) {  // tone-mapped: say so, or players take it for BT.2020
    Add(a, {"-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"});
  }
  OutputLimitArgs(a, o);
}

// The HLS muxer's options: VOD playlists of `segment_s` segments per variant
// (MPEG-TS; fMP4 with an init segment for cmaf) and a master playlist over
// `stream_map`. `only` names the one rendition when there is one: FFmpeg
// expands "%v" in the init segment's name only when there are several.
void HlsMuxerArgs(Args& a, const std::string& stream_map, Preset preset, const PlanOptions& o,
                  const std::string& only = "") {
  Add(a, {"-f", "hls", "-hls_time", std::to_string(o.segment_s), "-hls_playlist_type", "vod", "-hls_flags",
          "independent_segments"});
  if (preset == Preset::kCmaf) {
    Add(a, {"-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", (only.empty() ? "%v" : only) + kInitSegmentSuffix,
            "-hls_segment_filename", "%v/seg_%05d.m4s"});
  } else {
    Add(a, {"-hls_segment_type", "mpegts", "-hls_segment_filename", "%v/seg_%05d.ts"});
  }
  Add(a, {"-master_pl_name", kMasterPlaylist, "-var_stream_map", stream_map, "%v/index.m3u8"});
}

void PlanHls(Args& a, const MediaInfo& info, const FfmpegPlan& p, Preset preset, const PlanOptions& o) {
  std::string stream_map;
  const std::string group = p.audio_group ? std::string(",agroup:") + kAudioGroup : "";
  for (std::size_t i = 0; i < p.rungs.size(); ++i) {
    const std::string n = std::to_string(i);
    Add(a, {"-map", "[v" + n + "]"});
    VideoArgs(a, i, p.rungs[i], o);
    stream_map += (i ? " v:" : "v:") + n + group + ",name:" + p.rungs[i].name;
  }
  if (p.audio_group) {  // encoded once; every variant refers to it
    Add(a, {"-map", MainAudio(info)});
    AudioArgs(a, 0, p.audio_group->audio_kbps, info);
    stream_map += " a:0" + group + ",name:" + p.audio_group->name + ",default:yes";
  }
  EncoderArgs(a, info, o);
  const bool one = p.rungs.size() == 1 && !p.audio_group;
  HlsMuxerArgs(a, stream_map, preset, o, one ? p.rungs.front().name : "");
}

void PlanMp4s(Args& a, const MediaInfo& info, const FfmpegPlan& p, const PlanOptions& o) {
  for (std::size_t i = 0; i < p.rungs.size(); ++i) {
    Add(a, {"-map", "[v" + std::to_string(i) + "]"});
    if (p.with_audio) Add(a, {"-map", MainAudio(info)});
    VideoArgs(a, 0, p.rungs[i], o);
    if (p.with_audio) AudioArgs(a, 0, p.rungs[i].audio_kbps, info);
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
    OutputLimitArgs(a, o);
  } else {
    const Rung& r = p.rungs.front();
    Add(a, {"-vf", SourceChain(info, p.rungs, o) + ScaleChain(r)});
    Add(a, {"-c:v", "libx264", "-crf", "21", "-profile:v", r.profile, "-level:v", r.level, "-maxrate:v",
            Kbps(r.maxrate_kbps), "-bufsize:v", Kbps(r.bufsize_kbps), "-c:a", "aac", "-b:a", Kbps(r.audio_kbps)});
    if (p.with_audio && info.audio[info.main_audio()].channels > 2) Add(a, {"-ac", "2"});
    EncoderArgs(a, info, o);
  }
  Add(a, {"-movflags", "+faststart", "-f", "mp4", kDefaultVideo});
}

// The poster's picture: deinterlaced, tone-mapped and with square pixels like
// the rungs, at most 1280 wide, full-range 4:2:0 for JPEG.
std::string PosterChain(const VideoStream& v) {
  const int dw = v.display_width(), dh = std::max(1, v.display_height());
  Rung size;
  size.width = std::min(1280, dw) & ~1;
  size.height = EvenSize(static_cast<double>(size.width) * dh / dw);
  std::string chain = v.interlaced ? "bwdif=mode=send_frame:parity=auto:deint=all," : "";
  chain += ToneMap(v, size);
  return chain + "scale=w=" + std::to_string(size.width) + ":h=" + std::to_string(size.height) +
         ",setsar=1,format=yuvj420p";
}

// The HLS ladder's one audio rendition: AAC at the top rung's bitrate, at most
// kAudioOnlyKbps; every rung's audio bitrate becomes its bitrate, so that
// BANDWIDTH (video peak + audio) stays true.
Rung GroupAudio(std::vector<Rung>& rungs) {
  Rung audio = AudioRung();
  audio.audio_kbps = std::min(kAudioOnlyKbps, rungs.back().audio_kbps);
  for (Rung& r : rungs) r.audio_kbps = audio.audio_kbps;
  return audio;
}

// Audio-only input: one AAC rendition ("audio"), as HLS for the hls presets
// and as audio.m4a for the others (stream-copied when it is AAC in MP4 already).
void PlanAudioOnly(Args& a, const MediaInfo& info, const FfmpegPlan& p, Preset preset, const PlanOptions& o) {
  Add(a, {"-map", MainAudio(info), "-vn", "-sn", "-dn"});
  if (p.copy) {
    Add(a, {"-c:a", "copy"});
  } else {
    Add(a, {"-c:a", "aac", "-b:a", Kbps(p.rungs.front().audio_kbps)});
    if (info.audio[info.main_audio()].channels > 2) Add(a, {"-ac", "2"});
  }
  OutputLimitArgs(a, o);
  if (IsSegmented(preset)) {
    HlsMuxerArgs(a, "a:0,name:" + p.rungs.front().name, preset, o, p.rungs.front().name);
  } else {
    Add(a, {"-movflags", "+faststart", "-f", "mp4", kAudioFile});
  }
}

Result<FfmpegPlan> PlanAudioOnlyTranscode(const std::filesystem::path& input, const MediaInfo& info,
                                          const TranscodeSpec& spec, const PlanOptions& options) {
  FfmpegPlan p{.rungs = {AudioRung()}, .with_audio = true, .audio_only = true};
  p.copy = !IsSegmented(spec.preset) && info.is_mp4_family() && info.audio[info.main_audio()].codec == "aac";
  p.argv = InputArgs(options, /*progress=*/true);
  Add(p.argv, {"-i", FileUrl(input)});
  PlanAudioOnly(p.argv, info, p, spec.preset, options);
  return p;
}

}  // namespace

const Rung& DownloadRung(const std::vector<Rung>& rungs, const std::string& download) {
  if (download == "top") return rungs.back();
  const Quality* q = FindQuality(download);
  const int height = q ? q->height : 0;
  const Rung* best = &rungs.front();
  for (const Rung& r : rungs) {
    if (r.name == download) return r;
    if (std::min(r.width, r.height) <= height) best = &r;
  }
  return *best;
}

Status CheckDownload(const std::string& download) {
  if (download.empty() || download == "top" || FindQuality(download) != nullptr) return Status::Ok();
  return InvalidArgument("unknown download \"" + download + "\" (a quality such as 720p, or top)");
}

std::vector<std::string> PlanDownload(const Rung& rung, bool with_audio, const PlanOptions& options) {
  // The HLS demuxer and what its segments are: MPEG-TS, or fMP4 (mov) for cmaf.
  const std::string demuxers = "hls,mpegts,mov";
  Args a{options.ffmpeg,        "-nostdin", "-hide_banner",      "-nostats", "-v", "error",
         "-protocol_whitelist", "file",     "-format_whitelist", demuxers,   "-i", rung.name + "/index.m3u8"};
  if (with_audio) Add(a, {"-protocol_whitelist", "file", "-format_whitelist", demuxers, "-i", "audio/index.m3u8"});
  Add(a, {"-map", "0:v:0"});
  if (with_audio) Add(a, {"-map", "1:a:0"});
  Add(a, {"-c", "copy", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", "-y", kDownloadFile});
  return a;
}

Status CheckPlanOptions(const PlanOptions& o) {
  static constexpr std::array<std::string_view, 10> kX264Presets{
      "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"};
  if (std::find(kX264Presets.begin(), kX264Presets.end(), o.x264_preset) == kX264Presets.end()) {
    return InvalidArgument("unknown x264 preset \"" + o.x264_preset + "\" (expected ultrafast ... placebo)");
  }
  if (o.keyframe_s <= 0 || o.segment_s <= 0 || o.segment_s % o.keyframe_s != 0) {
    return InvalidArgument("the HLS segment duration must be a positive multiple of the keyframe interval");
  }
  if (o.crf < 0 || o.crf > 51) return InvalidArgument("crf must be 0 ... 51");
  if (o.threads < 0 || o.max_fps <= 0 || o.max_pixels <= 0 || o.max_output_bytes == 0) {
    return InvalidArgument("threads, max fps, max pixels and max output bytes must be positive");
  }
  return Status::Ok();
}

bool CanCopy(const MediaInfo& info) {
  if (!info.is_mp4_family() || !info.has_video()) return false;
  const VideoStream& v = info.video.front();
  if (v.is_hdr() || v.interlaced) return false;  // SDR, progressive outputs only
  const std::string& codec = v.codec;
  if (codec != "h264" && codec != "hevc") return false;
  return std::all_of(info.audio.begin(), info.audio.end(), [](const AudioStream& s) { return s.codec == "aac"; });
}

Result<FfmpegPlan> PlanTranscode(const std::filesystem::path& input, const MediaInfo& info, const TranscodeSpec& spec,
                                 const PlanOptions& options) {
  if (Status s = CheckPlanOptions(options); !s.ok()) return Status(Code::kInternal, "worker settings: " + s.message());
  if (!info.has_video() && info.has_audio()) return PlanAudioOnlyTranscode(input, info, spec, options);
  if (!info.has_video()) return InvalidArgument("input has no audio or video stream");
  auto rungs = SelectLadder(info.video.front(), spec.preset, spec.qualities);
  if (!rungs.ok()) return rungs.status();
  FfmpegPlan p{.rungs = std::move(*rungs), .with_audio = info.has_audio()};
  if (IsSegmented(spec.preset) && p.with_audio) p.audio_group = GroupAudio(p.rungs);
  p.copy = spec.preset == Preset::kDefault && CanCopy(info);
  p.argv = InputArgs(options, /*progress=*/true);
  Add(p.argv, {"-i", FileUrl(input)});
  if (spec.preset != Preset::kDefault) Add(p.argv, {"-filter_complex", FilterGraph(info, p.rungs, options)});
  switch (spec.preset) {
    case Preset::kHls:
    case Preset::kHlsAdaptive:
    case Preset::kCmaf:
      PlanHls(p.argv, info, p, spec.preset, options);
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

std::vector<std::string> PlanIdet(const std::filesystem::path& input, const MediaInfo& info,
                                  const PlanOptions& options) {
  const double d = info.duration_s;
  Args a = InputArgs(options, /*progress=*/false, "info");  // idet reports at the info level
  if (d >= 10) Add(a, {"-ss", std::to_string(d * 0.1)});
  Add(a, {"-i", FileUrl(input), "-map", "0:v:0", "-an", "-sn", "-dn", "-frames:v", std::to_string(kIdetFrames), "-vf",
          "idet", "-f", "null", "-"});
  return a;
}

std::vector<std::string> PlanStoryboard(const std::filesystem::path& input, const MediaInfo& info,
                                        const StoryboardGrid& grid, const PlanOptions& options, bool keyframes_only) {
  const VideoStream& v = info.video.front();
  Args a = InputArgs(options, /*progress=*/false);
  if (keyframes_only) Add(a, {"-skip_frame", "nokey"});
  Add(a, {"-i", FileUrl(input), "-map", "0:v:0", "-an", "-sn", "-dn"});
  Rung tile;
  tile.width = grid.tile_width;
  tile.height = grid.tile_height;
  char rate[32];
  (void)std::snprintf(rate, sizeof rate, "%.6f", 1.0 / grid.interval_s);
  std::string chain = v.interlaced ? "bwdif=mode=send_frame:parity=auto:deint=all," : "";
  chain += ToneMap(v, tile) + "fps=fps=" + rate + ":eof_action=pass,scale=w=" + std::to_string(tile.width) +
           ":h=" + std::to_string(tile.height) + ",setsar=1,tile=" + std::to_string(grid.columns) + "x" +
           std::to_string(grid.rows) + ",format=yuvj420p";
  Add(a, {"-vf", chain, "-frames:v", "1", "-q:v", "4", "-map_metadata", "-1"});
  Add(a, {"-f", "image2", "-update", "1", "-y", kStoryboardImage});
  return a;
}

std::vector<std::string> PlanPoster(const std::filesystem::path& input, const MediaInfo& info,
                                    const PlanOptions& options) {
  const double d = info.duration_s;
  const double at = d >= 10 ? d * 0.1 : std::min(1.0, d / 2);
  Args a = InputArgs(options, /*progress=*/false);
  Add(a, {"-ss", std::to_string(at), "-i", FileUrl(input), "-map", "0:v:0", "-frames:v", "1"});
  Add(a, {"-vf", PosterChain(info.video.front()), "-q:v", "3", "-map_metadata", "-1"});
  Add(a, {"-f", "image2", "-update", "1", "-y", kPosterFile});
  return a;
}

}  // namespace tcoder::worker
