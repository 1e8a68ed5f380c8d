// Output upload: the object keys of an attempt's outputs, their content
// types, and the upload of a finished transcode into the output bucket.
//
// Every claim writes under its own attempt prefix <visibility>/<jobId>/<token>/
// (docs/worker.md), so a worker that lost its lease never touches published
// outputs. Pure functions, plus UploadOutputs (S3 calls); thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "state/queue.h"
#include "storage/s3_client.h"
#include "worker/transcoder.h"

namespace tcoder::worker {

// "public/j_abc/17". Errors: kInvalidArgument for a visibility other than
// public | premium, or a job id or token that is not a plain key segment.
Result<std::string> AttemptPrefix(std::string_view visibility, std::string_view job_id, std::string_view token);

// The Content-Type an output is served with, from its extension:
// m3u8, mpd, ts, m4s, mp4, m4a, jpg, vtt; "application/octet-stream" otherwise.
std::string_view ContentTypeFor(const std::filesystem::path& path);

// The job record's outputs for `result` under `prefix`: one entry per
// rendition playlist (segmented presets; its size counts its segments), video
// or audio file, cmaf's DASH manifest (quality "dash", kind "manifest"), then
// the poster (none for audio-only), the storyboard, and the MP4 download when
// asked for (kind "download", for the MP4 presets the rung's own file again),
// each {quality, key, kind, width, height, bandwidth, size} (no width and
// height for audio); playlist_url and poster_url carry the master playlist's
// and the poster's keys.
state::Completion BuildCompletion(const TranscodeResult& result, std::string_view prefix, bool with_audio);

struct UploadTarget {
  std::string bucket = "tcoder-output";
  std::string prefix;  // AttemptPrefix()
};

// Uploads every output of `result` (files under `out_dir`) to the target,
// the manifests (DASH, then the master playlist) last so a reader never
// finds one before its renditions.
// `stop` is checked before each file: true ends the upload with kCancelled.
// `on_file` (optional) gets the count done and the total after each file.
Status UploadOutputs(storage::S3Client& s3, const UploadTarget& target, const std::filesystem::path& out_dir,
                     const TranscodeResult& result, const std::function<bool()>& stop,
                     const std::function<void(size_t, size_t)>& on_file = {});

}  // namespace tcoder::worker
