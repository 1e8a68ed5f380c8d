// FFmpeg planning: the argv (never a shell string) of the transcode and the
// poster runs of a job.
//
// Every run reads only the job's input (`-protocol_whitelist file`, the allowed
// demuxers, `-max_pixels`), writes only relative paths under its working
// directory, and reports progress on stdout (`-progress pipe:1`). Output layout
// (docs/presets.md): hls/hls-adaptive `master.m3u8`, `<quality>/index.m3u8`,
// `<quality>/seg_00000.ts` (video only), `audio/index.m3u8` and its segments
// (the audio, encoded once, as an EXT-X-MEDIA group); cmaf the same with fMP4
// segments (`<quality>/<quality>_init.mp4`, `seg_00000.m4s`) and
// `manifest.mpd` (dash_manifest.h) over them; web-optimized `<quality>.mp4`;
// default `video.mp4`;
// every job with video `poster.jpg` and a storyboard (`storyboard.jpg`,
// `storyboard.vtt`, storyboard.h). An audio-only input makes one "audio"
// rendition: `audio/index.m3u8` and its segments for the segmented presets,
// `audio.m4a` for the others. The picture is made right for every player on
// the way: interlaced sources are deinterlaced (bwdif), HDR (PQ, HLG) is
// tone-mapped to SDR BT.709, non-square pixels become square at the display
// aspect ratio. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "worker/ladder.h"
#include "worker/presets.h"
#include "worker/probe.h"
#include "worker/storyboard.h"

namespace tcoder::worker {

// What to make of the input: the preset and its qualities, parsed and checked
// from the job's record (state::JobSpec, which also holds the input, webhook,
// visibility and the rest the worker does not plan with).
struct TranscodeSpec {
  Preset preset = Preset::kHlsAdaptive;
  std::vector<std::string> qualities;  // empty: the preset's default
  // An MP4 download of one rung: a quality name (the tallest rung made that is
  // not taller; the lowest when all are), "top" (the tallest), "" for none.
  std::string download;
};

// The rung `download` (TranscodeSpec::download, not "") names among `rungs`
// (lowest first, not empty).
const Rung& DownloadRung(const std::vector<Rung>& rungs, const std::string& download);

// Checks TranscodeSpec::download: "", "top" or a quality of the table.
// Errors: kInvalidArgument naming it.
Status CheckDownload(const std::string& download);

// How each rung's video bitrate is chosen. kCappedCrf: constant quality
// (`-crf`) capped by the rung's `-maxrate`/`-bufsize`, so simple pictures
// take fewer bytes and hard ones never pass the peak the master playlist
// announces. kBitrate: the rung's average bitrate (`-b:v`) with the same cap.
enum class RateControl { kCappedCrf, kBitrate };

struct PlanOptions {
  std::string ffmpeg = "ffmpeg";         // looked up on PATH when it has no '/'
  std::string x264_preset = "veryfast";  // ultrafast ... veryslow
  RateControl rate_control = RateControl::kCappedCrf;
  int crf = 23;         // kCappedCrf: x264's quality, 0 (lossless) ... 51
  int threads = 0;      // encoder threads; 0: FFmpeg decides (all cores)
  int segment_s = 4;    // HLS segment target duration
  int keyframe_s = 2;   // keyframe interval, divides segment_s
  double max_fps = 60;  // higher source rates are reduced to this
  std::int64_t max_pixels = 3840LL * 2160;
  std::uint64_t max_output_bytes = 20ULL << 30;  // -fs of each output file
};

// The names FFmpeg writes, relative to its working directory.
inline constexpr char kMasterPlaylist[] = "master.m3u8";
inline constexpr char kPosterFile[] = "poster.jpg";
inline constexpr char kDefaultVideo[] = "video.mp4";
inline constexpr char kAudioFile[] = "audio.m4a";
inline constexpr char kDownloadFile[] = "download.mp4";  // hls presets' MP4 download
inline constexpr char kDashManifest[] = "manifest.mpd";  // cmaf: the DASH manifest
// cmaf: each rendition's init segment is "<name>/<name>_init.mp4".
inline constexpr char kInitSegmentSuffix[] = "_init.mp4";
// Frames PlanIdet samples.
inline constexpr int kIdetFrames = 200;

struct FfmpegPlan {
  std::vector<std::string> argv;
  std::vector<Rung> rungs;  // what the run makes, lowest first
  bool with_audio = false;  // the outputs carry the main audio stream (all of them for default)
  bool copy = false;        // default preset (or audio-only m4a): streams copied, not encoded
  bool audio_only = false;  // no video: one "audio" rung, no poster
  // segmented presets with audio: the one audio rendition ("audio", EXT-X-MEDIA
  // group kAudioGroup) every variant refers to; the variants are video only.
  std::optional<Rung> audio_group;
};

// Checks the worker's own settings (x264 preset name, segment and keyframe
// durations, limits). Errors: kInvalidArgument naming the bad setting; call it
// at startup. PlanTranscode reports the same problems as kInternal (the job is
// not at fault and may succeed on another worker).
Status CheckPlanOptions(const PlanOptions& options);

// Plans the transcode of `input` (validated `info`) for `spec`.
// Errors: kInvalidArgument for unknown qualities or an input with neither
// audio nor video.
Result<FfmpegPlan> PlanTranscode(const std::filesystem::path& input, const MediaInfo& info, const TranscodeSpec& spec,
                                 const PlanOptions& options);

// The interlace sampling run: idet on kIdetFrames frames of the first video
// stream, from 10% into clips of at least 10 s; its counts go to stderr.
std::vector<std::string> PlanIdet(const std::filesystem::path& input, const MediaInfo& info,
                                  const PlanOptions& options);

// The storyboard run: kStoryboardImage, the sprite of `grid`'s thumbnails
// (deinterlaced, tone-mapped, square pixels, like the rungs). With
// `keyframes_only`, only keyframes are decoded (`-skip_frame nokey`: a
// fraction of a decode); without, every frame (for streams that have no
// keyframes to skip to).
std::vector<std::string> PlanStoryboard(const std::filesystem::path& input, const MediaInfo& info,
                                        const StoryboardGrid& grid, const PlanOptions& options, bool keyframes_only);

// The download run of the segmented presets: the rung's HLS video and the audio
// rendition (when `with_audio`), stream-copied into kDownloadFile with
// `moov` first; reads only the job's own outputs (file protocol, the hls
// demuxer and its segments' mpegts or mov).
std::vector<std::string> PlanDownload(const Rung& rung, bool with_audio, const PlanOptions& options);

// The poster run: one frame at 10% of the duration (at most 1 s in for clips
// under 10 s), deinterlaced, tone-mapped and with square pixels like the
// rungs, at most 1280 wide, JPEG, into kPosterFile.
std::vector<std::string> PlanPoster(const std::filesystem::path& input, const MediaInfo& info,
                                    const PlanOptions& options);

// True when the default preset can copy the streams of `info` into MP4:
// MP4/MOV input, H.264 or HEVC video that is SDR and progressive, AAC audio
// (or none).
bool CanCopy(const MediaInfo& info);

}  // namespace tcoder::worker
