#include "worker/master_playlist.h"

#include "common/file_util.h"

namespace tcoder::worker {
namespace {

// Each line of `text`, without its newline.
template <typename F>
void ForEachLine(std::string_view text, F&& f) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    f(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

bool Has(std::string_view line, std::string_view part) { return line.find(part) != std::string_view::npos; }

}  // namespace

std::string RenderMasterPlaylist(const std::vector<Rung>& rungs, bool with_audio, const Rung* audio_group,
                                 int version) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:" + std::to_string(version) + "\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  const std::string group = std::string("\"") + kAudioGroup + "\"";
  if (audio_group) {
    out += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=" + group + ",NAME=\"" + audio_group->name +
           "\",DEFAULT=YES,AUTOSELECT=YES,URI=\"" + audio_group->name + "/index.m3u8\"\n";
  }
  for (const Rung& r : rungs) {
    const long bandwidth = 1000L * (r.maxrate_kbps + (with_audio ? r.audio_kbps : 0));
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(bandwidth);
    if (!r.audio) out += ",RESOLUTION=" + std::to_string(r.width) + "x" + std::to_string(r.height);
    out += ",CODECS=\"" + CodecsOf(r, with_audio) + "\"";
    if (audio_group) out += ",AUDIO=" + group;
    out += "\n" + r.name + "/index.m3u8\n";
  }
  return out;
}

bool MasterPlaylistComplete(std::string_view text, std::size_t count, bool audio_only, bool audio_group) {
  std::size_t found = 0, media = 0;
  bool ok = text.starts_with("#EXTM3U");
  ForEachLine(text, [&](std::string_view line) {
    if (line.starts_with("#EXT-X-MEDIA:") && Has(line, "TYPE=AUDIO") && Has(line, "URI=\"")) ++media;
    if (!line.starts_with("#EXT-X-STREAM-INF:")) return;
    ok = ok && Has(line, "BANDWIDTH=") && Has(line, "CODECS=\"") && (audio_only || Has(line, "RESOLUTION=")) &&
         (!audio_group || Has(line, "AUDIO=\""));
    ++found;
  });
  return ok && found == count && (audio_group ? media == 1 : media == 0);
}

Status FixMasterPlaylist(const std::filesystem::path& path, const std::vector<Rung>& rungs, bool with_audio,
                         const Rung* audio_group, int version) {
  auto text = ReadFile(path);
  const bool audio_only = rungs.size() == 1 && rungs.front().audio;
  if (text.ok() && MasterPlaylistComplete(*text, rungs.size(), audio_only, audio_group != nullptr)) return Status::Ok();
  return WriteFileAtomic(path, RenderMasterPlaylist(rungs, with_audio, audio_group, version));
}

}  // namespace tcoder::worker
