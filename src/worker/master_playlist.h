// The HLS master playlist: checks that FFmpeg's lists every rendition with
// BANDWIDTH, RESOLUTION and CODECS (no RESOLUTION for the audio-only rung)
// and, when the ladder's audio is its own rendition, one EXT-X-MEDIA audio
// group that every variant names; writes one from the ladder when not.
//
// Pure functions except FixMasterPlaylist (one file). Thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "worker/ladder.h"

namespace tcoder::worker {

// A master playlist for `rungs`: one EXT-X-STREAM-INF per rung, pointing at
// "<name>/index.m3u8", BANDWIDTH = peak video + audio bits per second; the
// audio rung has no RESOLUTION. With `audio_group`, an EXT-X-MEDIA
// TYPE=AUDIO line (GROUP-ID kAudioGroup, URI "<its name>/index.m3u8") and
// AUDIO= on every variant. `version`: EXT-X-VERSION, 7 for fMP4 media
// playlists (EXT-X-MAP), 3 for MPEG-TS.
std::string RenderMasterPlaylist(const std::vector<Rung>& rungs, bool with_audio, const Rung* audio_group = nullptr,
                                 int version = 3);

// True when `text` has `count` variants, each with BANDWIDTH, CODECS and,
// unless `audio_only`, RESOLUTION; with `audio_group`, one EXT-X-MEDIA audio
// line with a URI and AUDIO= on every variant (without, no audio group).
bool MasterPlaylistComplete(std::string_view text, std::size_t count, bool audio_only = false,
                            bool audio_group = false);

// Leaves `path` as it is when complete; else rewrites it (atomically) from the ladder.
Status FixMasterPlaylist(const std::filesystem::path& path, const std::vector<Rung>& rungs, bool with_audio,
                         const Rung* audio_group = nullptr, int version = 3);

}  // namespace tcoder::worker
