#include "worker/interlace.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/process.h"

namespace tcoder::worker {
namespace {

// The integer after "label:" (spaces allowed) in `line`, or -1.
int CountAfter(std::string_view line, std::string_view label) {
  const auto at = line.find(label);
  if (at == std::string_view::npos) return -1;
  std::size_t i = at + label.size();
  while (i < line.size() && line[i] == ' ') ++i;
  int v = -1;
  const auto [end, ec] = std::from_chars(line.data() + i, line.data() + line.size(), v);
  return ec == std::errc() ? v : -1;
}

}  // namespace

std::optional<IdetCounts> ParseIdet(std::string_view err) {
  constexpr std::string_view kMulti = "Multi frame detection:";
  const auto at = err.rfind(kMulti);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view line = err.substr(at + kMulti.size());
  line = line.substr(0, line.find('\n'));
  IdetCounts c{.tff = CountAfter(line, "TFF:"),
               .bff = CountAfter(line, "BFF:"),
               .progressive = CountAfter(line, "Progressive:"),
               .undetermined = CountAfter(line, "Undetermined:")};
  if (c.tff < 0 || c.bff < 0 || c.progressive < 0 || c.undetermined < 0) return std::nullopt;
  return c;
}

bool LooksInterlaced(const IdetCounts& c) {
  const int decided = c.tff + c.bff + c.progressive;
  if (decided < kMinDecided) return false;
  return std::max(c.tff, c.bff) * 100 >= decided * 95;
}

Result<bool> DetectInterlacing(const std::filesystem::path& input, const MediaInfo& info, const PlanOptions& options,
                               std::chrono::milliseconds deadline, const std::function<bool()>& cancelled) {
  if (!info.has_video()) return false;
  if (deadline.count() <= 0) return Status(Code::kDeadlineExceeded, "no time left to sample the input");
  RunOptions ro{.deadline = deadline, .kill_grace = std::chrono::seconds(1), .max_capture = 64 << 10};
  ro.cancelled = cancelled;
  auto run = RunProcess(ProcessSpec{.argv = PlanIdet(input, info, options)}, ro);
  if (!run.ok()) return Unavailable("ffmpeg cannot run: " + run.status().message());
  if (run->cancelled) return Status(Code::kCancelled, "interlace detection cancelled");
  if (run->timed_out) return Status(Code::kDeadlineExceeded, "interlace detection ran past the job's time limit");
  const auto counts = ParseIdet(run->err);
  if (!counts) return false;
  const bool interlaced = LooksInterlaced(*counts);
  log::Debug(
      "interlace sampled",
      {{"tff", counts->tff}, {"bff", counts->bff}, {"progressive", counts->progressive}, {"interlaced", interlaced}});
  return interlaced;
}

Status SettleInterlacing(const std::filesystem::path& input, MediaInfo& info, const PlanOptions& options,
                         std::chrono::milliseconds deadline, const std::function<bool()>& cancelled) {
  if (!info.has_video() || info.video.front().field_order_known()) return Status::Ok();
  auto interlaced = DetectInterlacing(input, info, options, deadline, cancelled);
  if (!interlaced.ok()) return interlaced.status();
  info.video.front().interlaced = *interlaced;
  return Status::Ok();
}

}  // namespace tcoder::worker
