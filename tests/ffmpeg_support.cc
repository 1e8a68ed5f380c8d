#include "ffmpeg_support.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>

#include "common/file_util.h"

namespace tcoder::testing {

namespace fs = std::filesystem;

RunResult RunFfmpeg(const std::vector<std::string>& args) {
  ProcessSpec spec{.argv = {"ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y"}};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::seconds(120)});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : RunResult{};
}

void MakeClip(const fs::path& path, const std::string& size, int seconds, bool audio, int fps) {
  std::vector<std::string> args{"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=" + std::to_string(fps)};
  if (audio) {
    for (const char* a : {"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"}) args.emplace_back(a);
  }
  for (const char* a : {"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}) args.emplace_back(a);
  if (audio) {
    for (const char* a : {"-c:a", "aac", "-b:a", "64k"}) args.emplace_back(a);
  }
  args.insert(args.end(), {"-t", std::to_string(seconds), path.string()});
  const RunResult r = RunFfmpeg(args);
  ASSERT_TRUE(r.success()) << r.err;
}

nlohmann::json Ffprobe(const fs::path& file) {
  auto r = RunProcess(ProcessSpec{.argv = {"ffprobe", "-v", "error", "-print_format", "json", "-show_format",
                                           "-show_streams", file.string()}},
                      RunOptions{.deadline = std::chrono::seconds(60)});
  EXPECT_TRUE(r.ok() && r->success()) << file << ": " << (r.ok() ? r->err : r.status().ToString());
  if (!r.ok() || !r->success()) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(r->out, nullptr, false);
}

nlohmann::json FirstStream(const fs::path& file, std::string_view type) {
  const nlohmann::json j = Ffprobe(file);
  if (j.is_object() && j.contains("streams")) {
    for (const nlohmann::json& s : j["streams"]) {
      if (s.value("codec_type", "") == type) return s;
    }
  }
  return nlohmann::json::object();
}

std::vector<std::string> StreamTypes(const fs::path& file) {
  std::vector<std::string> out;
  const nlohmann::json j = Ffprobe(file);
  if (j.is_object() && j.contains("streams")) {
    for (const nlohmann::json& s : j["streams"]) out.push_back(s.value("codec_type", ""));
  }
  return out;
}

std::vector<std::string> ExtinfDurations(const std::string& playlist) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = playlist.find("#EXTINF:", pos)) != std::string::npos) {
    pos += 8;
    out.push_back(playlist.substr(pos, playlist.find_first_of(",\n", pos) - pos));
  }
  return out;
}

std::vector<std::string> TopLevelBoxes(const fs::path& mp4) {
  std::vector<std::string> boxes;
  std::ifstream in(mp4, std::ios::binary);
  const std::uint64_t file_size = fs::file_size(mp4);
  std::uint64_t at = 0;
  while (at + 8 <= file_size) {
    unsigned char h[16];
    in.seekg(static_cast<std::streamoff>(at));
    in.read(reinterpret_cast<char*>(h), 8);
    std::uint64_t size = (std::uint64_t{h[0]} << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
    if (size == 1) {  // 64-bit size follows the type
      in.read(reinterpret_cast<char*>(h + 8), 8);
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | h[i];
    } else if (size == 0) {
      size = file_size - at;  // to the end of the file
    }
    boxes.emplace_back(reinterpret_cast<char*>(h + 4), 4);
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

std::vector<fs::path> FilesUnder(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir));
  }
  return out;
}

std::vector<int> ProcessesMentioning(const std::string& needle) {
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto cmdline = ReadFile(e.path() / "cmdline");
    if (cmdline.ok() && cmdline->find(needle) != std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

}  // namespace tcoder::testing
