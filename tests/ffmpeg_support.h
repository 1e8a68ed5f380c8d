// Support for the FFmpeg integration tests: small clips made with lavfi,
// running ffmpeg/ffprobe, reading HLS playlists and MP4 top-level boxes.
//
// For tests only. Functions are thread-safe.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/process.h"

namespace tcoder::testing {

// Runs ffmpeg with `args` (after "-nostdin -hide_banner -v error -y"), 120 s deadline.
RunResult RunFfmpeg(const std::vector<std::string>& args);

// Writes a `seconds` long testsrc2 clip of `size` ("1280x720") at `fps` to
// `path` (H.264 ultrafast; with a sine tone as AAC when `audio`). The muxer
// follows the extension. Aborts the test on failure.
void MakeClip(const std::filesystem::path& path, const std::string& size, int seconds, bool audio, int fps = 30);

// ffprobe's streams and format of `file` as JSON (discarded when it cannot read it).
nlohmann::json Ffprobe(const std::filesystem::path& file);

// The first stream of `type` ("video", "audio") in `file`, or an empty object.
nlohmann::json FirstStream(const std::filesystem::path& file, std::string_view type);

// The codec_type of every stream of `file`, in order.
std::vector<std::string> StreamTypes(const std::filesystem::path& file);

// The EXTINF durations of a media playlist, as written.
std::vector<std::string> ExtinfDurations(const std::string& playlist);

// The types of the top-level boxes of an MP4 file, in order.
std::vector<std::string> TopLevelBoxes(const std::filesystem::path& mp4);

// Every regular file under `dir`, relative.
std::vector<std::filesystem::path> FilesUnder(const std::filesystem::path& dir);

// Pids of running processes whose command line contains `needle`.
std::vector<int> ProcessesMentioning(const std::string& needle);

}  // namespace tcoder::testing
