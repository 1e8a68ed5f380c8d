// Input sniffing: decides from a file's first bytes whether it is a video or
// audio container the worker accepts, before FFmpeg ever opens it.
//
// Refuses text of any kind (HLS/DASH playlists, concat lists, SDP, XML/HTML,
// JSON, subtitles), images, archives, AMR audio, empty and unknown files, with
// a reason that names what the file is. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder::worker {

// How many leading bytes SniffFile reads.
inline constexpr std::size_t kSniffBytes = 4096;

// The container recognised in `head` (the first bytes of the file): one of
// "mp4", "matroska", "avi", "mpegts", "mpeg", "flv", "ogg", "mxf", or the
// audio-only "mp3", "aac", "flac", "wav" (M4A is "mp4", Opus is "ogg").
// Errors: kInvalidArgument "input is <what>, not a video container".
Result<std::string> SniffBytes(std::string_view head);

// Reads the first kSniffBytes of `path` and sniffs them.
// Errors: kInvalidArgument as above (an empty file too); kIOError if unreadable.
Result<std::string> SniffFile(const std::filesystem::path& path);

}  // namespace tcoder::worker
