#include "worker/master_playlist.h"

#include "common/file_util.h"

namespace tcoder::worker {

std::string RenderMasterPlaylist(const std::vector<Rung>& rungs, bool with_audio) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const Rung& r : rungs) {
    const long bandwidth = 1000L * (r.maxrate_kbps + (with_audio ? r.audio_kbps : 0));
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(bandwidth);
    if (!r.audio) out += ",RESOLUTION=" + std::to_string(r.width) + "x" + std::to_string(r.height);
    out += ",CODECS=\"" + CodecsOf(r, with_audio) + "\"\n" + r.name + "/index.m3u8\n";
  }
  return out;
}

bool MasterPlaylistComplete(std::string_view text, std::size_t count, bool audio_only) {
  std::size_t found = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    if (line.starts_with("#EXT-X-STREAM-INF:")) {
      const bool ok = line.find("BANDWIDTH=") != std::string_view::npos &&
                      (audio_only || line.find("RESOLUTION=") != std::string_view::npos) &&
                      line.find("CODECS=\"") != std::string_view::npos;
      if (!ok) return false;
      ++found;
    }
    pos = end + 1;
  }
  return text.starts_with("#EXTM3U") && found == count;
}

Status FixMasterPlaylist(const std::filesystem::path& path, const std::vector<Rung>& rungs, bool with_audio) {
  auto text = ReadFile(path);
  const bool audio_only = rungs.size() == 1 && rungs.front().audio;
  if (text.ok() && MasterPlaylistComplete(*text, rungs.size(), audio_only)) return Status::Ok();
  return WriteFileAtomic(path, RenderMasterPlaylist(rungs, with_audio));
}

}  // namespace tcoder::worker
