#include "worker/ladder_bench.h"

#include <chrono>
#include <cstdlib>

#include "common/process.h"
#include "common/temp_dir.h"
#include "worker/interlace.h"
#include "worker/transcoder.h"
#include "worker/validate.h"

namespace tcoder::worker {
namespace {

namespace fs = std::filesystem;

// The "average:" PSNR of ffmpeg's psnr filter log, or -1.
double ParsePsnrAverage(const std::string& err) {
  const auto at = err.rfind("average:");
  if (at == std::string::npos) return -1;
  if (err.compare(at + 8, 3, "inf") == 0) return 100;  // identical pictures
  return std::strtod(err.c_str() + at + 8, nullptr);
}

// PSNR of `playlist` against `source` scaled to w x h, frame by frame from
// each one's first frame (HLS timestamps start later than the source's).
Result<double> Psnr(const fs::path& playlist, const fs::path& source, int w, int h) {
  const std::string graph =
      "[0:v]setpts=PTS-STARTPTS,format=yuv420p[out];[1:v]setpts=PTS-STARTPTS,scale=w=" + std::to_string(w) +
      ":h=" + std::to_string(h) + ":flags=bicubic,setsar=1,format=yuv420p[ref];[out][ref]psnr";
  ProcessSpec spec{.argv = {"ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-i", playlist.string(), "-i",
                            source.string(), "-lavfi", graph, "-f", "null", "-"}};
  auto run = RunProcess(spec, RunOptions{.deadline = std::chrono::minutes(30), .max_capture = 64 << 10});
  if (!run.ok() || !run->success()) return Unavailable("psnr of " + playlist.string() + " failed");
  const double psnr = ParsePsnrAverage(run->err);
  if (psnr < 0) return Unavailable("psnr of " + playlist.string() + ": no average in ffmpeg's log");
  return psnr;
}

Result<MediaInfo> Inspect(const fs::path& input, const PlanOptions& plan) {
  auto info = Probe(input);
  if (!info.ok()) return info.status();
  if (Status s = Validate(*info, Limits{}); !s.ok()) return s;
  if (Status s = SettleInterlacing(input, *info, plan, std::chrono::minutes(5), [] { return false; }); !s.ok())
    return s;
  return info;
}

}  // namespace

Result<LadderBenchResult> RunLadderBench(const LadderBenchOptions& options, std::ostream& log) {
  auto info = Inspect(options.input, options.plan);
  if (!info.ok()) return info.status();
  auto dir = TempDir::Create("ladder-bench-");
  if (!dir.ok()) return dir.status();
  TranscodeOptions t{.plan = options.plan};
  const auto start = std::chrono::steady_clock::now();
  auto made = Transcode(options.input, *info, TranscodeSpec{.preset = Preset::kHlsAdaptive}, dir->path(), t);
  if (!made.ok()) return made.status();
  LadderBenchResult result;
  result.transcode_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const OutputFile& f : made->outputs) {
    if (f.kind == OutputKind::kPlaylist || f.kind == OutputKind::kSegment) result.total_bytes += f.size;
    if (f.quality == "audio") result.audio_bytes += f.size;
  }
  for (const Rung& r : made->rungs) {
    RungFigures figures{.name = r.name, .width = r.width, .height = r.height};
    for (const OutputFile& f : made->outputs) {
      if (f.quality == r.name) figures.bytes += f.size;
    }
    auto psnr = Psnr(dir->path() / r.name / "index.m3u8", options.input, r.width, r.height);
    if (!psnr.ok()) return psnr.status();
    figures.psnr_db = *psnr;
    log << r.name << ": " << figures.bytes << " bytes, PSNR " << figures.psnr_db << " dB\n";
    result.rungs.push_back(figures);
  }
  return result;
}

}  // namespace tcoder::worker
