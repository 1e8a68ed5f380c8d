#include "worker/dash_manifest.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "common/file_util.h"

namespace tcoder::worker {
namespace {

constexpr long long kTimescale = 1'000'000;  // microseconds: EXTINF's six decimals, exactly

bool Plain(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

// A file name of the playlist's own directory: no '/', no "..", plain characters.
bool LocalName(std::string_view name) {
  return !name.empty() && name != "." && name.find("..") == std::string_view::npos &&
         std::all_of(name.begin(), name.end(), Plain);
}

// NNNNN of "seg_NNNNN.m4s" (at least five digits), or -1.
int SegmentNumber(std::string_view uri) {
  constexpr std::string_view kPrefix = "seg_", kSuffix = ".m4s";
  if (!uri.starts_with(kPrefix) || !uri.ends_with(kSuffix)) return -1;
  const std::string_view digits = uri.substr(kPrefix.size(), uri.size() - kPrefix.size() - kSuffix.size());
  if (digits.size() < 5 || digits.size() > 9) return -1;
  int n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  return ec == std::errc() && end == digits.data() + digits.size() ? n : -1;
}

// "#EXTINF:4.000000," in microseconds, or -1.
long long ExtinfMicros(std::string_view line) {
  std::string_view value = line.substr(std::string_view("#EXTINF:").size());
  value = value.substr(0, value.find(','));
  double seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || !(seconds > 0) || seconds > 86400) return -1;
  return std::llround(seconds * kTimescale);
}

// The URI of "#EXT-X-MAP:URI=\"...\"", or "".
std::string_view MapUri(std::string_view line) {
  const std::size_t start = line.find("URI=\"");
  if (start == std::string_view::npos) return {};
  const std::size_t from = start + 5, end = line.find('"', from);
  return end == std::string_view::npos ? std::string_view() : line.substr(from, end - from);
}

std::string Seconds(long long us) {
  char buf[32];
  (void)std::snprintf(buf, sizeof buf, "PT%.3fS", static_cast<double>(us) / kTimescale);
  return buf;
}

long long TotalMicros(const SegmentIndex& s) {
  return std::accumulate(s.durations_us.begin(), s.durations_us.end(), 0LL);
}

// <SegmentTimeline>: equal durations in a row become one S with r.
std::string Timeline(const std::vector<long long>& durations) {
  std::string out = "          <SegmentTimeline>\n";
  for (std::size_t i = 0; i < durations.size();) {
    std::size_t j = i;
    while (j + 1 < durations.size() && durations[j + 1] == durations[i]) ++j;
    out += "            <S" + std::string(i == 0 ? " t=\"0\"" : "") + " d=\"" + std::to_string(durations[i]) + "\"";
    if (j > i) out += " r=\"" + std::to_string(j - i) + "\"";
    out += "/>\n";
    i = j + 1;
  }
  return out + "          </SegmentTimeline>\n";
}

std::string Representation(const DashRendition& r) {
  const Rung& rung = r.rung;
  const long bandwidth = 1000L * (rung.audio ? rung.audio_kbps : rung.maxrate_kbps);
  std::string out = "      <Representation id=\"" + rung.name + "\" bandwidth=\"" + std::to_string(bandwidth) + "\"";
  if (!rung.audio) {
    out += " width=\"" + std::to_string(rung.width) + "\" height=\"" + std::to_string(rung.height) + "\" sar=\"1:1\"";
  }
  out += " codecs=\"" + CodecsOf(rung, /*with_audio=*/false) + "\">\n";
  out += "        <SegmentTemplate timescale=\"" + std::to_string(kTimescale) + "\" initialization=\"" + rung.name +
         "/" + r.segments.init + "\" media=\"" + rung.name + "/seg_$Number%05d$.m4s\" startNumber=\"" +
         std::to_string(r.segments.first_number) + "\">\n";
  out += Timeline(r.segments.durations_us);
  return out + "        </SegmentTemplate>\n      </Representation>\n";
}

std::string AdaptationSet(int id, std::string_view type, const std::vector<const DashRendition*>& reps) {
  std::string out = "    <AdaptationSet id=\"" + std::to_string(id) + "\" contentType=\"" + std::string(type) +
                    "\" mimeType=\"" + std::string(type) + "/mp4\" segmentAlignment=\"true\" startWithSAP=\"1\">\n";
  for (const DashRendition* r : reps) out += Representation(*r);
  return out + "    </AdaptationSet>\n";
}

}  // namespace

Result<SegmentIndex> ParseMediaPlaylist(std::string_view text) {
  if (!text.starts_with("#EXTM3U")) return InvalidArgument("media playlist: no #EXTM3U");
  SegmentIndex index;
  long long pending = -1;  // the duration of the segment whose URI comes next
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("#EXT-X-MAP:")) {
      index.init = std::string(MapUri(line));
      if (!LocalName(index.init)) return InvalidArgument("media playlist: EXT-X-MAP names no local init segment");
    } else if (line.starts_with("#EXTINF:")) {
      pending = ExtinfMicros(line);
      if (pending <= 0) return InvalidArgument("media playlist: bad segment duration: " + std::string(line));
    } else if (!line.empty() && line.front() != '#') {
      const int number = SegmentNumber(line);
      const int expected = index.first_number + static_cast<int>(index.durations_us.size());
      if (pending <= 0) return InvalidArgument("media playlist: segment without EXTINF: " + std::string(line));
      if (number < 0 || (!index.durations_us.empty() && number != expected)) {
        return InvalidArgument("media playlist: segment out of pattern or sequence: " + std::string(line));
      }
      if (index.durations_us.empty()) index.first_number = number;
      index.durations_us.push_back(pending);
      pending = -1;
    }
  }
  if (index.init.empty()) return InvalidArgument("media playlist: no EXT-X-MAP init segment");
  if (index.durations_us.empty()) return InvalidArgument("media playlist: no segment");
  return index;
}

std::string RenderDashManifest(const std::vector<DashRendition>& video, const std::optional<DashRendition>& audio) {
  long long total = 0, longest = 0;
  std::vector<const DashRendition*> all;
  for (const DashRendition& r : video) all.push_back(&r);
  if (audio) all.push_back(&*audio);
  for (const DashRendition* r : all) {
    total = std::max(total, TotalMicros(r->segments));
    for (long long d : r->segments.durations_us) longest = std::max(longest, d);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out +=
      "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" "
      "type=\"static\" mediaPresentationDuration=\"" +
      Seconds(total) + "\" minBufferTime=\"" + Seconds(longest) + "\">\n";
  out += "  <Period id=\"0\" start=\"PT0S\">\n";
  int id = 0;
  if (!video.empty()) {
    std::vector<const DashRendition*> reps;
    for (const DashRendition& r : video) reps.push_back(&r);
    out += AdaptationSet(id++, "video", reps);
  }
  if (audio) out += AdaptationSet(id++, "audio", {&*audio});
  return out + "  </Period>\n</MPD>\n";
}

Status WriteDashManifest(const std::filesystem::path& dir, std::string_view name, const std::vector<Rung>& rungs,
                         const std::optional<Rung>& audio_group) {
  auto read = [&](const Rung& rung) -> Result<DashRendition> {
    auto text = ReadFile(dir / rung.name / "index.m3u8");
    if (!text.ok()) return text.status();
    auto segments = ParseMediaPlaylist(*text);
    if (!segments.ok()) return segments.status().WithContext(rung.name);
    return DashRendition{rung, std::move(*segments)};
  };
  std::vector<DashRendition> video;
  std::optional<DashRendition> audio;
  for (const Rung& rung : rungs) {
    auto r = read(rung);
    if (!r.ok()) return r.status();
    if (rung.audio) {
      audio = std::move(*r);
    } else {
      video.push_back(std::move(*r));
    }
  }
  if (audio_group) {
    auto r = read(*audio_group);
    if (!r.ok()) return r.status();
    audio = std::move(*r);
  }
  return WriteFileAtomic(dir / std::string(name), RenderDashManifest(video, audio));
}

}  // namespace tcoder::worker
