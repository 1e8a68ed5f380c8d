// Support for the FFmpeg integration tests: small clips made with lavfi,
// running ffmpeg/ffprobe, reading HLS playlists and MP4 top-level boxes.
//
// For tests only. Functions are thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/process.h"

namespace tcoder::testing {

// Runs ffmpeg with `args` (after "-nostdin -hide_banner -v error -y"), 120 s deadline.
RunResult RunFfmpeg(const std::vector<std::string>& args);

// Writes a `seconds` long testsrc2 clip of `size` ("1280x720") at `fps` to
// `path` (H.264 ultrafast; with a sine tone as AAC when `audio`). The muxer
// follows the extension. Aborts the test on failure.
void MakeClip(const std::filesystem::path& path, const std::string& size, int seconds, bool audio, int fps = 30);

// The EXTINF durations of a media playlist, as written.
std::vector<std::string> ExtinfDurations(const std::string& playlist);

// The types of the top-level boxes of an MP4 file, in order.
std::vector<std::string> TopLevelBoxes(const std::filesystem::path& mp4);

// Every regular file under `dir`, relative.
std::vector<std::filesystem::path> FilesUnder(const std::filesystem::path& dir);

// Pids of running processes whose command line contains `needle`.
std::vector<int> ProcessesMentioning(const std::string& needle);

}  // namespace tcoder::testing
