#include "worker/transcoder.h"

#include <algorithm>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/ascii.h"
#include "common/file_util.h"
#include "common/log.h"
#include "common/process.h"
#include "common/temp_dir.h"
#include "worker/dash_manifest.h"
#include "worker/master_playlist.h"

namespace tcoder::worker {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Turns a finished FFmpeg run into a Status; `what` names the run.
Status Classify(const Result<RunResult>& run, std::string_view what) {
  const std::string name(what);
  if (!run.ok()) return Unavailable(name + ": ffmpeg cannot run: " + run.status().message());
  if (run->cancelled) return Status(Code::kCancelled, name + " cancelled");
  if (run->timed_out) return Status(Code::kDeadlineExceeded, name + " ran past the job's time limit");
  if (run->exit.success()) return Status::Ok();
  if (run->exit.signal != 0) return Unavailable(name + ": ffmpeg ended by " + run->exit.ToString());
  const std::string reason = LastLine(run->err);
  if (run->err.find("No space left") != std::string::npos) return IOError(name + ": " + reason);
  if (run->err.find("Cannot allocate memory") != std::string::npos) return Unavailable(name + ": " + reason);
  return InvalidArgument(name + ": ffmpeg could not process the input: " + reason);
}

class Runner {
 public:
  Runner(const fs::path& cwd, const TranscodeOptions& o) : cwd_(cwd), o_(o), end_(Clock::now() + o.deadline) {}

  Result<RunResult> Run(std::vector<std::string> argv, ProgressParser* progress) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end_ - Clock::now());
    if (left.count() <= 0) return Status(Code::kDeadlineExceeded, "no time left");
    log::Debug("ffmpeg started", {{"argv", argv}, {"cwd", cwd_.string()}});
    const auto start = Clock::now();
    ProcessSpec spec{.argv = std::move(argv), .cwd = cwd_};
    RunOptions ro{.deadline = left, .kill_grace = std::chrono::seconds(1), .max_capture = 64 << 10};
    ro.cancelled = o_.cancelled;
    if (progress) ro.on_stdout_line = [this, progress](std::string_view line) { OnLine(*progress, line); };
    auto run = RunProcess(std::move(spec), ro);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    log::Debug("ffmpeg ended", {{"cwd", cwd_.string()}, {"ms", ms}, {"ok", run.ok() && run->success()}});
    return run;
  }

 private:
  void OnLine(ProgressParser& parser, std::string_view line) {
    const auto p = parser.Feed(line);
    if (!p || !o_.on_progress) return;
    const auto now = Clock::now();
    if (!p->done && now - last_report_ < o_.progress_interval) return;
    last_report_ = now;
    o_.on_progress(*p);
  }

  fs::path cwd_;
  const TranscodeOptions& o_;
  Clock::time_point end_;
  Clock::time_point last_report_{};
};

std::optional<OutputFile> Describe(const fs::path& rel, std::uint64_t size) {
  const std::string ext = rel.extension().string();
  const std::string dir = rel.has_parent_path() ? rel.parent_path().string() : "";
  if (ext == ".m3u8") return OutputFile{dir, OutputKind::kPlaylist, rel, size};
  if ((ext == ".ts" || ext == ".m4s") && !dir.empty()) return OutputFile{dir, OutputKind::kSegment, rel, size};
  if (!dir.empty() && rel.filename() == dir + kInitSegmentSuffix)
    return OutputFile{dir, OutputKind::kSegment, rel, size};
  if (rel == kDashManifest) return OutputFile{"dash", OutputKind::kManifest, rel, size};
  if (ext == ".jpg" && rel == kPosterFile) return OutputFile{"", OutputKind::kPoster, rel, size};
  if (rel == kDownloadFile) return OutputFile{"", OutputKind::kDownload, rel, size};
  if (rel == kStoryboardImage) return OutputFile{"", OutputKind::kStoryboard, rel, size};
  if (rel == kStoryboardVtt) return OutputFile{"", OutputKind::kThumbnails, rel, size};
  if (ext == ".m4a" && rel == kAudioFile) return OutputFile{"audio", OutputKind::kAudio, rel, size};
  if (ext == ".mp4" && dir.empty()) {
    return OutputFile{rel == kDefaultVideo ? "source" : rel.stem().string(), OutputKind::kVideo, rel, size};
  }
  return std::nullopt;  // FFmpeg's leftovers (e.g. *.tmp): not an output
}

// Lists what FFmpeg made under `work`, checking the size limits.
Result<std::vector<OutputFile>> Collect(const fs::path& work, const TranscodeOptions& o) {
  std::vector<OutputFile> out;
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(work, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::uint64_t size = it->file_size(ec);
    if (size >= o.plan.max_output_bytes) return Status(Code::kTooLarge, "an output reached the output size limit");
    total += size;
    if (auto f = Describe(fs::relative(it->path(), work), size)) out.push_back(std::move(*f));
  }
  if (ec) return IOError("listing outputs: " + ec.message());
  if (total > o.max_total_output_bytes) return Status(Code::kTooLarge, "outputs exceed the total size limit");
  std::sort(out.begin(), out.end(), [](const OutputFile& a, const OutputFile& b) { return a.path < b.path; });
  return out;
}

// Moves the top-level entries of `work` (but not leftovers) into `out_dir`.
Status MoveOutputs(const fs::path& work, const fs::path& out_dir, const std::vector<OutputFile>& outputs) {
  std::vector<fs::path> tops;
  for (const OutputFile& f : outputs) {
    const fs::path top = *f.path.begin();
    if (std::find(tops.begin(), tops.end(), top) == tops.end()) tops.push_back(top);
  }
  for (const fs::path& top : tops) {
    std::error_code ec;
    fs::remove_all(out_dir / top, ec);
    fs::rename(work / top, out_dir / top, ec);
    if (ec) return IOError("moving " + top.string() + " into " + out_dir.string() + ": " + ec.message());
  }
  return Status::Ok();
}

Status MakePoster(Runner& runner, const fs::path& input, const MediaInfo& info, const PlanOptions& plan) {
  Status s = Classify(runner.Run(PlanPoster(input, info, plan), nullptr), "poster");
  if (s.ok() || s.code() == Code::kCancelled || s.code() == Code::kDeadlineExceeded) return s;
  MediaInfo from_start = info;  // a seek past a bad index: take the first frame instead
  from_start.duration_s = 0;
  return Classify(runner.Run(PlanPoster(input, from_start, plan), nullptr), "poster");
}

// The sprite from keyframes, or from every frame when that made none, and its
// WebVTT track.
Status MakeStoryboard(Runner& runner, const fs::path& work, const fs::path& input, const MediaInfo& info,
                      const PlanOptions& plan) {
  const StoryboardGrid grid = GridFor(info);
  if (grid.tiles == 0) return Status::Ok();
  Status s = Classify(runner.Run(PlanStoryboard(input, info, grid, plan, true), nullptr), "storyboard");
  if (s.code() == Code::kCancelled || s.code() == Code::kDeadlineExceeded) return s;
  if (!s.ok() || !fs::exists(work / kStoryboardImage)) {
    s = Classify(runner.Run(PlanStoryboard(input, info, grid, plan, false), nullptr), "storyboard");
    if (!s.ok()) return s;
  }
  if (!fs::exists(work / kStoryboardImage)) return InvalidArgument("storyboard: ffmpeg made no picture of the input");
  return WriteFileAtomic(work / kStoryboardVtt, RenderStoryboardVtt(grid));
}

Result<TranscodeResult> RunAll(const fs::path& input, const MediaInfo& info, const TranscodeSpec& spec,
                               const fs::path& work, const TranscodeOptions& o) {
  auto plan = PlanTranscode(input, info, spec, o.plan);
  if (!plan.ok()) return plan.status();
  Runner runner(work, o);
  ProgressParser progress(info.duration_s);
  if (Status s = Classify(runner.Run(plan->argv, &progress), "transcode"); !s.ok()) return s;
  TranscodeResult result{.poster = plan->audio_only ? fs::path() : fs::path(kPosterFile),
                         .audio_only = plan->audio_only,
                         .rungs = plan->rungs,
                         .audio_group = plan->audio_group,
                         .copied = plan->copy};
  if (IsSegmented(spec.preset)) {
    const Rung* group = plan->audio_group ? &*plan->audio_group : nullptr;
    const int version = spec.preset == Preset::kCmaf ? 7 : 3;
    if (Status s = FixMasterPlaylist(work / kMasterPlaylist, plan->rungs, plan->with_audio, group, version); !s.ok())
      return s;
    result.master_playlist = kMasterPlaylist;
  }
  if (spec.preset == Preset::kCmaf) {
    Status s = WriteDashManifest(work, kDashManifest, plan->rungs, plan->audio_group);
    if (!s.ok()) return Status(Code::kInternal, "dash manifest: " + s.message());
    result.dash_manifest = kDashManifest;
  }
  if (plan->audio_only) return result;
  if (!spec.download.empty()) {
    const Rung& rung = DownloadRung(plan->rungs, spec.download);
    result.download_rung = rung.name;
    if (result.master_playlist) {
      if (Status s = Classify(runner.Run(PlanDownload(rung, plan->with_audio, o.plan), nullptr), "download"); !s.ok())
        return s;
      result.download = kDownloadFile;
    }
  }
  if (Status s = MakePoster(runner, input, info, o.plan); !s.ok()) return s;
  if (Status s = MakeStoryboard(runner, work, input, info, o.plan); !s.ok()) return s;
  return result;
}

}  // namespace

std::string_view OutputKindName(OutputKind kind) {
  switch (kind) {
    case OutputKind::kPlaylist:
      return "playlist";
    case OutputKind::kSegment:
      return "segment";
    case OutputKind::kVideo:
      return "video";
    case OutputKind::kAudio:
      return "audio";
    case OutputKind::kPoster:
      return "poster";
    case OutputKind::kStoryboard:
      return "storyboard";
    case OutputKind::kThumbnails:
      return "thumbnails";
    case OutputKind::kDownload:
      return "download";
    case OutputKind::kManifest:
      return "manifest";
  }
  return "unknown";
}

Result<TranscodeResult> Transcode(const fs::path& input, const MediaInfo& info, const TranscodeSpec& spec,
                                  const fs::path& out_dir, const TranscodeOptions& options) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return IOError("creating " + out_dir.string() + ": " + ec.message());
  auto work = TempDir::Create(".transcode-", out_dir);
  if (!work.ok()) return work.status();
  auto result = RunAll(fs::absolute(input), info, spec, work->path(), options);
  if (!result.ok()) {
    const nlohmann::json fields = {{"preset", std::string(PresetName(spec.preset))},
                                   {"error", result.status().ToString()}};
    log::Warn("transcode failed", fields);
    return result.status();
  }
  auto outputs = Collect(work->path(), options);
  if (!outputs.ok()) return outputs.status();
  if (Status s = MoveOutputs(work->path(), out_dir, *outputs); !s.ok()) return s;
  result->outputs = std::move(*outputs);
  return result;
}

}  // namespace tcoder::worker
