#include "worker/probe.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/ascii.h"
#include "common/process.h"

namespace tcoder::worker {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A number that ffprobe writes either as a JSON number or as a string.
double Num(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number()) return it->get<double>();
  if (!it->is_string()) return 0;
  const std::string s = it->get<std::string>();
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && std::isfinite(v) ? v : 0;
}

int Int(const json& j, const char* key) {
  const double v = Num(j, key);
  return v > 0 && v < 1e9 ? static_cast<int>(v) : 0;
}

// "30000/1001" -> 29.97; "0/0" or garbage -> 0.
double Rate(const std::string& s) {
  long long num = 0, den = 0;
  const auto slash = s.find('/');
  if (slash == std::string::npos) return 0;
  const auto r1 = std::from_chars(s.data(), s.data() + slash, num);
  const auto r2 = std::from_chars(s.data() + slash + 1, s.data() + s.size(), den);
  if (r1.ec != std::errc() || r2.ec != std::errc() || num <= 0 || den <= 0) return 0;
  return static_cast<double>(num) / static_cast<double>(den);
}

// Degrees from the display matrix side data or the legacy "rotate" tag,
// normalised to 0, 90, 180 or 270.
int Rotation(const json& stream) {
  double deg = 0;
  if (const auto sd = stream.find("side_data_list"); sd != stream.end() && sd->is_array()) {
    for (const json& item : *sd) {
      if (item.is_object() && item.contains("rotation")) deg = Num(item, "rotation");
    }
  }
  if (deg == 0) {
    if (const auto tags = stream.find("tags"); tags != stream.end() && tags->is_object()) deg = Num(*tags, "rotate");
  }
  const long quarter = std::lround(deg / 90.0);
  return static_cast<int>(((quarter % 4) + 4) % 4) * 90;
}

bool Disposition(const json& stream, const char* flag) {
  const auto d = stream.find("disposition");
  return d != stream.end() && d->is_object() && Num(*d, flag) != 0;
}

bool IsCoverArt(const json& stream) { return Disposition(stream, "attached_pic"); }

// "32:27" -> {32, 27}; "0:1", "N/A" or garbage -> {1, 1}.
std::pair<int, int> AspectRatio(const std::string& s) {
  int num = 0, den = 0;
  const auto colon = s.find(':');
  if (colon == std::string::npos) return {1, 1};
  const auto r1 = std::from_chars(s.data(), s.data() + colon, num);
  const auto r2 = std::from_chars(s.data() + colon + 1, s.data() + s.size(), den);
  if (r1.ec != std::errc() || r2.ec != std::errc() || num <= 0 || den <= 0) return {1, 1};
  if (num > 100 * den || den > 100 * num) return {1, 1};  // absurd: ignore rather than distort
  return {num, den};
}

bool IsInterlacedOrder(const std::string& order) {
  return order == "tt" || order == "bb" || order == "tb" || order == "bt";
}

VideoStream VideoOf(const json& s) {
  const auto [sar_num, sar_den] = AspectRatio(Str(s, "sample_aspect_ratio"));
  VideoStream v{.codec = Str(s, "codec_name"),
                .width = Int(s, "width"),
                .height = Int(s, "height"),
                .fps = Rate(Str(s, "avg_frame_rate")),
                .rotation = Rotation(s),
                .pix_fmt = Str(s, "pix_fmt"),
                .color_transfer = Str(s, "color_transfer"),
                .color_primaries = Str(s, "color_primaries"),
                .color_space = Str(s, "color_space"),
                .color_range = Str(s, "color_range"),
                .field_order = Str(s, "field_order"),
                .sar_num = sar_num,
                .sar_den = sar_den};
  v.interlaced = IsInterlacedOrder(v.field_order);
  return v;
}

void AddStream(const json& s, MediaInfo& info) {
  const std::string type = Str(s, "codec_type");
  if (type == "video" && !IsCoverArt(s)) {
    info.video.push_back(VideoOf(s));
  } else if (type == "audio") {
    info.audio.push_back(AudioStream{.codec = Str(s, "codec_name"),
                                     .channels = Int(s, "channels"),
                                     .sample_rate = Int(s, "sample_rate"),
                                     .is_default = Disposition(s, "default")});
  } else {
    ++info.other_streams;
  }
}

}  // namespace

int VideoStream::square_width() const {
  if (sar_num == sar_den) return width;
  return std::max(2, static_cast<int>(std::lround(static_cast<double>(width) * sar_num / sar_den)));
}

bool MediaInfo::is_mp4_family() const { return container.rfind("mov,mp4", 0) == 0; }

int MediaInfo::main_audio() const {
  for (std::size_t i = 0; i < audio.size(); ++i) {
    if (audio[i].is_default) return static_cast<int>(i);
  }
  return 0;
}

Result<MediaInfo> ParseProbeJson(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("ffprobe output is not valid JSON");
  const auto format = j.find("format");
  if (format == j.end() || !format->is_object()) return InvalidArgument("input has no recognisable container format");
  MediaInfo info;
  info.container = Str(*format, "format_name");
  info.duration_s = Num(*format, "duration");
  const double size = Num(*format, "size");
  info.size_bytes = size > 0 ? static_cast<std::uint64_t>(size) : 0;
  if (const auto streams = j.find("streams"); streams != j.end() && streams->is_array()) {
    for (const json& s : *streams) {
      if (s.is_object()) AddStream(s, info);
    }
  }
  return info;
}

std::string FileUrl(const std::filesystem::path& path) { return "file:" + std::filesystem::absolute(path).string(); }

Result<MediaInfo> Probe(const std::filesystem::path& input, const ProbeOptions& options) {
  ProcessSpec spec;
  spec.argv = {options.ffprobe,
               "-v",
               "error",
               "-protocol_whitelist",
               "file",
               "-format_whitelist",
               std::string(kAllowedDemuxers),
               "-print_format",
               "json",
               "-show_format",
               "-show_streams",
               FileUrl(input)};
  auto run = RunProcess(spec, RunOptions{.deadline = options.deadline, .kill_grace = std::chrono::seconds(1)});
  if (!run.ok()) return Unavailable("ffprobe cannot run: " + run.status().message());
  if (run->timed_out) return Status(Code::kDeadlineExceeded, "ffprobe ran past its deadline");
  if (run->exit.signal != 0) return Unavailable("ffprobe ended by " + run->exit.ToString());
  if (run->exit.code != 0) return InvalidArgument("input is not a readable video file: " + LastLine(run->err));
  return ParseProbeJson(run->out);
}

}  // namespace tcoder::worker
