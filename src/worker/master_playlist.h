// The HLS master playlist: checks that FFmpeg's lists every rendition with
// BANDWIDTH, RESOLUTION and CODECS, and writes one from the ladder when not.
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
// "<name>/index.m3u8", BANDWIDTH = peak video + audio bits per second.
std::string RenderMasterPlaylist(const std::vector<Rung>& rungs, bool with_audio);

// True when `text` has `count` variants, each with BANDWIDTH, RESOLUTION and CODECS.
bool MasterPlaylistComplete(std::string_view text, std::size_t count);

// Leaves `path` as it is when complete; else rewrites it (atomically) from the ladder.
Status FixMasterPlaylist(const std::filesystem::path& path, const std::vector<Rung>& rungs, bool with_audio);

}  // namespace tcoder::worker
