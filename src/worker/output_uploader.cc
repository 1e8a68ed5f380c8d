#include "worker/output_uploader.h"

#include <algorithm>
#include <map>

#include "common/media_type.h"
#include "state/job.h"

namespace tcoder::worker {
namespace {

namespace fs = std::filesystem;

bool AllDigits(std::string_view s) {
  return !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Peak bits per second of a rung, as the master playlist's BANDWIDTH.
long Bandwidth(const Rung& rung, bool with_audio) {
  return 1000L * (rung.maxrate_kbps + (with_audio ? rung.audio_kbps : 0));
}

nlohmann::json Entry(const std::string& quality, const std::string& key, std::string_view kind, const Rung* rung,
                     bool with_audio, std::uint64_t size) {
  nlohmann::json e = {{"quality", quality}, {"key", key}, {"kind", kind}, {"size", size}};
  if (rung != nullptr) {
    if (!rung->audio) {
      e["width"] = rung->width;
      e["height"] = rung->height;
    }
    e["bandwidth"] = Bandwidth(*rung, with_audio);
  }
  return e;
}

const Rung* FindRung(const std::vector<Rung>& rungs, const std::string& name) {
  auto it = std::find_if(rungs.begin(), rungs.end(), [&](const Rung& r) { return r.name == name; });
  return it == rungs.end() ? nullptr : &*it;
}

std::string KeyOf(std::string_view prefix, const fs::path& rel) {
  return std::string(prefix) + "/" + rel.generic_string();
}

}  // namespace

Result<std::string> AttemptPrefix(std::string_view visibility, std::string_view job_id, std::string_view token) {
  if (visibility != "public" && visibility != "premium") {
    return InvalidArgument("visibility must be public or premium, not '" + std::string(visibility) + "'");
  }
  if (Status s = state::ValidateJobId(job_id); !s.ok()) return s;
  if (!AllDigits(token)) return InvalidArgument("fencing token must be decimal digits");
  return std::string(visibility) + "/" + std::string(job_id) + "/" + std::string(token);
}

std::string_view ContentTypeFor(const fs::path& path) {
  const std::string_view type = MediaTypeFor(path.string());
  return type.empty() ? std::string_view("application/octet-stream") : type;
}

state::Completion BuildCompletion(const TranscodeResult& result, std::string_view prefix, bool with_audio) {
  state::Completion c;
  std::map<std::string, std::uint64_t> rendition_bytes;  // hls: playlist + segments per rendition
  for (const OutputFile& f : result.outputs) {
    if (f.kind == OutputKind::kPlaylist || f.kind == OutputKind::kSegment) {
      if (!f.quality.empty()) rendition_bytes[f.quality] += f.size;
    }
  }
  for (const OutputFile& f : result.outputs) {
    const Rung* rung = FindRung(result.rungs, f.quality);
    if (!rung && result.audio_group && f.quality == result.audio_group->name) rung = &*result.audio_group;
    if (f.kind == OutputKind::kPlaylist && !f.quality.empty()) {
      c.outputs.push_back(
          Entry(f.quality, KeyOf(prefix, f.path), "playlist", rung, with_audio, rendition_bytes[f.quality]));
    } else if (f.kind == OutputKind::kVideo || f.kind == OutputKind::kAudio) {
      c.outputs.push_back(Entry(f.quality, KeyOf(prefix, f.path), OutputKindName(f.kind), rung, with_audio, f.size));
    } else if (f.kind == OutputKind::kDownload) {
      const Rung* of = FindRung(result.rungs, result.download_rung);
      c.outputs.push_back(Entry(result.download_rung, KeyOf(prefix, f.path), "download", of, with_audio, f.size));
    } else if (f.kind == OutputKind::kManifest) {
      c.outputs.push_back(Entry(f.quality, KeyOf(prefix, f.path), "manifest", nullptr, with_audio, f.size));
    } else if (f.kind == OutputKind::kStoryboard || f.kind == OutputKind::kThumbnails) {
      const std::string_view kind = OutputKindName(f.kind);
      c.outputs.push_back(Entry(std::string(kind), KeyOf(prefix, f.path), kind, nullptr, with_audio, f.size));
    } else if (f.kind == OutputKind::kPoster) {
      c.outputs.push_back(Entry("poster", KeyOf(prefix, f.path), "poster", nullptr, with_audio, f.size));
      c.poster_url = KeyOf(prefix, f.path);
    }
  }
  if (result.master_playlist) c.playlist_url = KeyOf(prefix, *result.master_playlist);
  if (!result.download && !result.download_rung.empty()) {  // an MP4 preset: the rung's own file
    for (const OutputFile& f : result.outputs) {
      if (f.kind != OutputKind::kVideo || f.quality != result.download_rung) continue;
      const Rung* of = FindRung(result.rungs, f.quality);
      c.outputs.push_back(Entry(f.quality, KeyOf(prefix, f.path), "download", of, with_audio, f.size));
    }
  }
  return c;
}

Status UploadOutputs(storage::S3Client& s3, const UploadTarget& target, const fs::path& out_dir,
                     const TranscodeResult& result, const std::function<bool()>& stop,
                     const std::function<void(size_t, size_t)>& on_file) {
  // The manifests last: a player that finds one finds everything it lists.
  std::vector<fs::path> order, manifests;
  if (result.dash_manifest) manifests.push_back(*result.dash_manifest);
  if (result.master_playlist) manifests.push_back(*result.master_playlist);
  for (const OutputFile& f : result.outputs) {
    if (std::find(manifests.begin(), manifests.end(), f.path) == manifests.end()) order.push_back(f.path);
  }
  order.insert(order.end(), manifests.begin(), manifests.end());
  for (size_t i = 0; i < order.size(); ++i) {
    if (stop && stop()) return Status(Code::kCancelled, "upload stopped");
    storage::PutOptions put{.content_type = std::string(ContentTypeFor(order[i]))};
    auto etag = s3.PutObject(target.bucket, KeyOf(target.prefix, order[i]), out_dir / order[i], put);
    if (!etag.ok()) return etag.status().WithContext("uploading " + order[i].generic_string());
    if (on_file) on_file(i + 1, order.size());
  }
  return Status::Ok();
}

}  // namespace tcoder::worker
