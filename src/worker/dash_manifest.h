// The DASH manifest of a cmaf job: one static MPD (ISO BMFF live profile)
// over the very fMP4 segments the HLS media playlists list, so one set of
// segments serves hls.js, Safari and dash.js alike.
//
// Each rendition's timeline comes from its HLS media playlist (EXT-X-MAP's
// init segment, EXTINF durations, `seg_NNNNN.m4s` names numbered from 0):
// video renditions form one AdaptationSet, the audio rendition another.
// BANDWIDTH-like figures follow the master playlist: a video
// Representation's bandwidth is its peak (maxrate), the audio's its bitrate.
// Pure functions except WriteDashManifest (reads and writes files).
// Thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "worker/ladder.h"

namespace tcoder::worker {

// What one HLS media playlist of fMP4 segments says of its segments.
struct SegmentIndex {
  std::string init;                     // EXT-X-MAP's URI, e.g. "720p_init.mp4"
  int first_number = 0;                 // the first segment's NNNNN
  std::vector<long long> durations_us;  // each segment's EXTINF, in microseconds
};

// Parses a media playlist whose segments are "seg_NNNNN.m4s", consecutive.
// Errors: kInvalidArgument naming what is missing or out of shape (no
// EXT-X-MAP, no segment, a duration that is not a positive number, a name
// out of the pattern or out of sequence, a URI that leaves its directory).
Result<SegmentIndex> ParseMediaPlaylist(std::string_view text);

// One Representation: the rung and its segments.
struct DashRendition {
  Rung rung;
  SegmentIndex segments;
};

// The MPD over `video` (may be empty: an audio-only job) and `audio`.
std::string RenderDashManifest(const std::vector<DashRendition>& video, const std::optional<DashRendition>& audio);

// Reads "<name>/index.m3u8" under `dir` for every rung (and the audio group's
// rendition) and writes the MPD to `dir`/`name` atomically. Errors: kIOError
// when a playlist cannot be read or the MPD written; ParseMediaPlaylist's.
Status WriteDashManifest(const std::filesystem::path& dir, std::string_view name, const std::vector<Rung>& rungs,
                         const std::optional<Rung>& audio_group);

}  // namespace tcoder::worker
