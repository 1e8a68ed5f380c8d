// Interlace detection: whether a video stream whose container does not say
// (no field order, or "unknown") carries interlaced pictures, by FFmpeg's
// `idet` filter on a sample of its frames.
//
// A stream that signals its field order is taken at its word (see
// VideoStream::interlaced); only the silent ones are sampled. idet is easily
// fooled by sharp synthetic pictures (it calls some progressive test patterns
// 80% interlaced), so a sample counts as interlaced only when nearly every
// decided frame shows the same field parity. Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "worker/ffmpeg_plan.h"
#include "worker/probe.h"

namespace tcoder::worker {

// idet's "Multi frame detection" counts.
struct IdetCounts {
  int tff = 0;  // top field first
  int bff = 0;  // bottom field first
  int progressive = 0;
  int undetermined = 0;
};

// The last "Multi frame detection:" line of idet's log in `ffmpeg_stderr`, or
// nullopt when there is none.
std::optional<IdetCounts> ParseIdet(std::string_view ffmpeg_stderr);

// True when at least kMinDecided frames were decided and one parity holds at
// least 95% of them.
inline constexpr int kMinDecided = 20;
bool LooksInterlaced(const IdetCounts& counts);

// Runs idet on up to 200 frames of `input` (from 10% into it when the clip
// is at least 10 s long) and decides. Errors: kCancelled, kDeadlineExceeded,
// kUnavailable (ffmpeg cannot run); an input idet cannot read is "not
// interlaced", since the transcode will report the real problem.
Result<bool> DetectInterlacing(const std::filesystem::path& input, const MediaInfo& info, const PlanOptions& options,
                               std::chrono::milliseconds deadline, const std::function<bool()>& cancelled);

// Sets `info`'s first video stream's `interlaced` by DetectInterlacing when
// the stream does not say; leaves it when it does, or when there is no
// video. Errors: those of DetectInterlacing.
Status SettleInterlacing(const std::filesystem::path& input, MediaInfo& info, const PlanOptions& options,
                         std::chrono::milliseconds deadline, const std::function<bool()>& cancelled);

}  // namespace tcoder::worker
