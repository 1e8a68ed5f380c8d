// The HLS master playlist: checks that FFmpeg's lists every rendition with
// BANDWIDTH, RESOLUTION and CODECS (no RESOLUTION for the audio-only rung),
// and writes one from the ladder when not.
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
// audio rung has no RESOLUTION.
std::string RenderMasterPlaylist(const std::vector<Rung>& rungs, bool with_audio);

// True when `text` has `count` variants, each with BANDWIDTH, CODECS and,
// unless `audio_only`, RESOLUTION.
bool MasterPlaylistComplete(std::string_view text, std::size_t count, bool audio_only = false);

// Leaves `path` as it is when complete; else rewrites it (atomically) from the ladder.
Status FixMasterPlaylist(const std::filesystem::path& path, const std::vector<Rung>& rungs, bool with_audio);

}  // namespace tcoder::worker
