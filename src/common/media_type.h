// Media types (Content-Type values) of the files tcoder takes in, stores and
// serves — input videos, playlists, segments, posters, captions — by file
// extension: one table for the CLI's uploads, the worker and the edge.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace tcoder {

// The media type for the extension of `name`'s last path segment
// (case-insensitive), or "" when unknown.
std::string_view MediaTypeFor(std::string_view name);

// True for playlists (HLS, DASH): the one kind of media file that can change
// under its name while a stream is live.
bool IsPlaylistType(std::string_view media_type);

}  // namespace tcoder
