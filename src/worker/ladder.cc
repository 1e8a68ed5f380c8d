#include "worker/ladder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tcoder::worker {
namespace {

// A rung whose short side is `side`, for a source of display size w x h.
Rung Sized(const Quality& q, std::string name, int side, int w, int h) {
  Rung r{.name = std::move(name),
         .video_kbps = q.video_kbps,
         .maxrate_kbps = q.maxrate_kbps,
         .bufsize_kbps = q.bufsize_kbps,
         .audio_kbps = q.audio_kbps,
         .profile = std::string(q.profile),
         .level = std::string(q.level)};
  if (w >= h) {
    r.height = side;
    r.width = EvenSize(static_cast<double>(side) * w / h);
  } else {
    r.width = side;
    r.height = EvenSize(static_cast<double>(side) * h / w);
  }
  if (side != q.height) {  // bitrates scale with the pixel count
    const double ratio = static_cast<double>(side) * side / (static_cast<double>(q.height) * q.height);
    r.video_kbps = std::max(100, static_cast<int>(q.video_kbps * ratio));
    r.maxrate_kbps = std::max(107, static_cast<int>(q.maxrate_kbps * ratio));
    r.bufsize_kbps = std::max(150, static_cast<int>(q.bufsize_kbps * ratio));
  }
  return r;
}

// Requested (or default) qualities, known, lowest first, without duplicates.
Result<std::vector<const Quality*>> Wanted(const std::vector<std::string>& requested) {
  const std::vector<std::string> names = requested.empty() ? DefaultLadder() : requested;
  if (Status s = CheckQualities(names); !s.ok()) return s;
  std::vector<const Quality*> out;
  for (const Quality& q : QualityTable()) {
    if (std::find(names.begin(), names.end(), q.name) != names.end()) out.push_back(&q);
  }
  return out;
}

}  // namespace

Result<std::vector<Rung>> SelectLadder(const VideoStream& source, Preset preset,
                                       const std::vector<std::string>& requested) {
  const int w = source.display_width(), h = source.display_height();
  if (w <= 0 || h <= 0) return InvalidArgument("input video has no picture size");
  const int side = std::min(w, h) & ~1;
  if (preset == Preset::kDefault) return std::vector<Rung>{Sized(QualityAtLeast(side), "source", side, w, h)};
  auto wanted = Wanted(requested);
  if (!wanted.ok()) return wanted.status();
  std::vector<Rung> rungs;
  for (const Quality* q : *wanted) {
    if (q->height <= side) rungs.push_back(Sized(*q, std::string(q->name), q->height, w, h));
  }
  const bool source_shorter = wanted->back()->height > side;
  const bool have_side = !rungs.empty() && std::min(rungs.back().width, rungs.back().height) == side;
  if (source_shorter && !have_side) {
    const Quality& q = QualityAtLeast(side);
    rungs.push_back(Sized(q, q.height == side ? std::string(q.name) : std::to_string(side) + "p", side, w, h));
  }
  if (preset == Preset::kHls) rungs.erase(rungs.begin(), rungs.end() - 1);
  return rungs;
}

int EvenSize(double v) { return std::max(2, 2 * static_cast<int>(std::lround(v / 2.0))); }

Rung AudioRung() { return Rung{.name = "audio", .audio_kbps = kAudioOnlyKbps, .audio = true}; }

std::string CodecsOf(const Rung& rung, bool with_audio) {
  if (rung.audio) return "mp4a.40.2";
  const char* profile = rung.profile == "baseline" ? "42e0" : rung.profile == "main" ? "4d40" : "6400";
  const int level = static_cast<int>(std::lround(std::stod(rung.level.empty() ? "3.0" : rung.level) * 10));
  char buf[32];
  (void)std::snprintf(buf, sizeof buf, "avc1.%s%02x", profile, level);
  return std::string(buf) + (with_audio ? ",mp4a.40.2" : "");
}

}  // namespace tcoder::worker
