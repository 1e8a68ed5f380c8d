#include "worker/presets.h"

#include <array>

namespace tcoder::worker {
namespace {

// name, height, width, video, maxrate, bufsize, audio (kbit/s), profile, level.
// maxrate is 107% of the target, bufsize 150%; levels fit the size up to 60 fps.
constexpr std::array<Quality, 8> kQualities{{
    {"144p", 144, 256, 200, 214, 300, 64, "main", "3.0"},
    {"240p", 240, 426, 400, 428, 600, 64, "main", "3.0"},
    {"360p", 360, 640, 800, 856, 1200, 96, "main", "3.1"},
    {"480p", 480, 854, 1400, 1498, 2100, 128, "main", "3.1"},
    {"720p", 720, 1280, 2800, 2996, 4200, 128, "high", "4.0"},
    {"1080p", 1080, 1920, 5000, 5350, 7500, 192, "high", "4.2"},
    {"1440p", 1440, 2560, 9000, 9630, 13500, 192, "high", "5.1"},
    {"2160p", 2160, 3840, 16000, 17120, 24000, 192, "high", "5.2"},
}};

}  // namespace

std::span<const Quality> QualityTable() { return kQualities; }

const Quality* FindQuality(std::string_view name) {
  for (const Quality& q : kQualities) {
    if (q.name == name) return &q;
  }
  return nullptr;
}

const Quality& QualityAtLeast(int height) {
  for (const Quality& q : kQualities) {
    if (q.height >= height) return q;
  }
  return kQualities.back();
}

std::vector<std::string> DefaultLadder() { return {"360p", "480p", "720p", "1080p"}; }

Result<Preset> ParsePreset(std::string_view name) {
  if (name == "default") return Preset::kDefault;
  if (name == "web-optimized") return Preset::kWebOptimized;
  if (name == "hls") return Preset::kHls;
  if (name == "hls-adaptive") return Preset::kHlsAdaptive;
  if (name == "cmaf") return Preset::kCmaf;
  return InvalidArgument("unknown preset \"" + std::string(name) +
                         "\" (expected default, web-optimized, hls, hls-adaptive or cmaf)");
}

std::string_view PresetName(Preset preset) {
  switch (preset) {
    case Preset::kDefault:
      return "default";
    case Preset::kWebOptimized:
      return "web-optimized";
    case Preset::kHls:
      return "hls";
    case Preset::kHlsAdaptive:
      return "hls-adaptive";
    case Preset::kCmaf:
      return "cmaf";
  }
  return "unknown";
}

bool IsSegmented(Preset preset) {
  return preset == Preset::kHls || preset == Preset::kHlsAdaptive || preset == Preset::kCmaf;
}

Status CheckQualities(const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    if (!FindQuality(n)) {
      return InvalidArgument("unknown quality \"" + n + "\" (expected 144p 240p 360p 480p 720p 1080p 1440p 2160p)");
    }
  }
  return Status::Ok();
}

}  // namespace tcoder::worker
