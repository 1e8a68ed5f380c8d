#include "control/job_view.h"

namespace tcoder::control {

std::string EdgeUrl(std::string_view edge_url, std::string_view key) {
  if (key.rfind("http://", 0) == 0 || key.rfind("https://", 0) == 0) return std::string(key);
  while (!edge_url.empty() && edge_url.back() == '/') edge_url.remove_suffix(1);
  while (!key.empty() && key.front() == '/') key.remove_prefix(1);
  return std::string(edge_url) + "/" + std::string(key);
}

namespace {

// Outputs whose renditions are all the "audio" one: an audio-only input's
// (a cmaf job's DASH manifest beside it is not a rendition).
bool AllAudio(const nlohmann::json& outputs) {
  if (!outputs.is_array() || outputs.empty()) return false;
  bool any = false;
  for (const auto& o : outputs) {
    if (!o.is_object()) return false;
    if (o.value("kind", "") == "manifest") continue;
    if (o.value("quality", "") != "audio" || o.contains("width")) return false;
    any = true;
  }
  return any;
}

// The edge URL of the DASH manifest among `outputs` (cmaf), or "".
std::string DashUrl(const nlohmann::json& outputs) {
  if (!outputs.is_array()) return "";
  for (const auto& o : outputs) {
    if (o.is_object() && o.value("kind", "") == "manifest" && o.contains("url")) return o.value("url", "");
  }
  return "";
}

}  // namespace

nlohmann::json RenderJob(const state::Job& job, std::string_view edge_url) {
  nlohmann::json out = state::JobToJson(job);
  if (out["outputs"].is_array()) {
    for (auto& o : out["outputs"]) {
      if (o.is_object() && o.contains("key") && o["key"].is_string())
        o["url"] = EdgeUrl(edge_url, o["key"].get<std::string>());
    }
  }
  if (AllAudio(out["outputs"])) out["audioOnly"] = true;
  if (!job.playlist_url.empty()) out["playlistUrl"] = EdgeUrl(edge_url, job.playlist_url);
  if (const std::string dash = DashUrl(out["outputs"]); !dash.empty()) out["dashUrl"] = dash;
  if (!job.poster_url.empty()) out["posterUrl"] = EdgeUrl(edge_url, job.poster_url);
  return out;
}

}  // namespace tcoder::control
