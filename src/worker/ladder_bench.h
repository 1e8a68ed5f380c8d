// The ladder benchmark behind `tcoder bench ladder`: transcodes one input to
// the hls-adaptive ladder with the worker's own plan (in a temporary
// directory) and measures, per rung, the bytes stored (playlist and segments)
// and the PSNR of its pictures against the source scaled to the rung's size.
// Used to compare rate controls on the same input in the same run
// (bench/ladder_bench.sh). Runs ffmpeg; one call at a time per directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"
#include "worker/ffmpeg_plan.h"

namespace tcoder::worker {

struct LadderBenchOptions {
  std::filesystem::path input;
  PlanOptions plan;
};

struct RungFigures {
  std::string name;
  int width = 0;
  int height = 0;
  std::uint64_t bytes = 0;  // the rendition's playlist and segments
  double psnr_db = 0;       // luma and chroma average, against the scaled source
};

struct LadderBenchResult {
  std::vector<RungFigures> rungs;  // lowest first
  std::uint64_t audio_bytes = 0;   // the audio rendition, stored once
  std::uint64_t total_bytes = 0;   // every output but the poster and storyboard
  double transcode_s = 0;
};

// Errors: those of probing, validating and transcoding the input, and
// kUnavailable when a PSNR run fails.
Result<LadderBenchResult> RunLadderBench(const LadderBenchOptions& options, std::ostream& log);

}  // namespace tcoder::worker
