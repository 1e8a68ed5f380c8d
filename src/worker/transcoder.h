// Transcoder: runs a job's FFmpeg plan, its poster and its storyboard, and
// lists the outputs.
//
// FFmpeg works in a private temporary directory inside `out_dir`; only when
// everything succeeded are the outputs moved into `out_dir`. Whatever the
// outcome (error, cancel, deadline) the temporary directory is removed.
// Thread-safety: one call per job; callbacks run on the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "worker/ffmpeg_plan.h"
#include "worker/probe.h"
#include "worker/progress.h"

namespace tcoder::worker {

enum class OutputKind { kPlaylist, kSegment, kVideo, kAudio, kPoster, kStoryboard, kThumbnails, kDownload, kManifest };
// "playlist" | "segment" (cmaf's init segments too) | "video" | "audio" |
// "poster" | "storyboard" (the sprite) | "thumbnails" (its VTT) | "download"
// (an MP4 of one rung) | "manifest" (cmaf's DASH MPD)
std::string_view OutputKindName(OutputKind kind);

struct OutputFile {
  std::string quality;  // "720p"; "" for master.m3u8 and poster.jpg; "source" for video.mp4; "audio"; "dash"
  OutputKind kind = OutputKind::kVideo;
  std::filesystem::path path;  // relative to out_dir, e.g. "720p/seg_00000.ts"
  std::uint64_t size = 0;
};

struct TranscodeResult {
  std::vector<OutputFile> outputs;                       // sorted by path
  std::optional<std::filesystem::path> master_playlist;  // relative; segmented presets only
  std::optional<std::filesystem::path> dash_manifest;    // relative; cmaf only
  std::filesystem::path poster;                          // relative: "poster.jpg"; empty for audio-only
  bool audio_only = false;                               // the input had no video
  std::vector<Rung> rungs;                               // what was made
  std::optional<Rung> audio_group;                       // hls with audio: the one audio rendition
  bool copied = false;                                   // default preset copied the streams
  // The MP4 download (TranscodeSpec::download): the rung it is of ("" for
  // none) and, for the segmented presets, its file; the MP4 presets' download is
  // that rung's own MP4.
  std::string download_rung;
  std::optional<std::filesystem::path> download;
};

struct TranscodeOptions {
  PlanOptions plan;
  std::chrono::milliseconds deadline{std::chrono::hours(6)};  // the whole job's hard wall-clock limit
  std::function<bool()> cancelled;                            // polled; true stops FFmpeg (within ~1 s)
  std::function<void(const Progress&)> on_progress;           // at most once per progress_interval, and at the end
  std::chrono::milliseconds progress_interval{1000};
  std::uint64_t max_total_output_bytes = 20ULL << 30;
};

// Transcodes `input` (sniffed, probed as `info` and validated) for `spec` into
// `out_dir` (created if missing). Errors: kInvalidArgument when FFmpeg cannot
// process the input (permanent), kTooLarge when the outputs exceed their
// limit, kCancelled, kDeadlineExceeded, kUnavailable/kIOError (retryable).
Result<TranscodeResult> Transcode(const std::filesystem::path& input, const MediaInfo& info, const TranscodeSpec& spec,
                                  const std::filesystem::path& out_dir, const TranscodeOptions& options);

}  // namespace tcoder::worker
