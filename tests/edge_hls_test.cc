// A 2-rendition HLS ladder made with ffmpeg, uploaded to the output bucket
// and played through the edge by ffprobe and ffmpeg; a premium copy plays
// only with a token (sent by ffmpeg on every playlist and segment request).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/process.h"
#include "edge/jwt.h"
#include "edge_support.h"

namespace tcoder {
namespace {

namespace fs = std::filesystem;
using testing::EdgeStack;

RunResult RunTool(std::vector<std::string> argv, const fs::path& cwd = {}) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.cwd = cwd;
  auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::seconds(180)});
  if (!r.ok()) return RunResult{.err = r.status().ToString()};
  return *r;
}

// master.m3u8 + v0/ (640x360) and v1/ (320x180), 4 s, 1 s segments, with audio.
void MakeLadder(const fs::path& dir) {
  fs::create_directories(dir);
  const RunResult r = RunTool({"ffmpeg",
                               "-nostdin",
                               "-hide_banner",
                               "-v",
                               "error",
                               "-y",
                               "-f",
                               "lavfi",
                               "-i",
                               "testsrc=size=640x360:rate=25:duration=4",
                               "-f",
                               "lavfi",
                               "-i",
                               "sine=frequency=440:duration=4",
                               "-filter_complex",
                               "[0:v]split=2[a][b];[b]scale=320:180[b2]",
                               "-map",
                               "[a]",
                               "-map",
                               "[b2]",
                               "-map",
                               "1:a",
                               "-map",
                               "1:a",
                               "-c:v",
                               "libx264",
                               "-preset",
                               "ultrafast",
                               "-g",
                               "25",
                               "-c:a",
                               "aac",
                               "-b:a",
                               "64k",
                               "-f",
                               "hls",
                               "-hls_time",
                               "1",
                               "-hls_playlist_type",
                               "vod",
                               "-hls_segment_filename",
                               "v%v/seg_%03d.ts",
                               "-master_pl_name",
                               "master.m3u8",
                               "-var_stream_map",
                               "v:0,a:0 v:1,a:1",
                               "v%v/index.m3u8"},
                              dir);
  ASSERT_TRUE(r.success()) << r.err;
  ASSERT_TRUE(fs::exists(dir / "master.m3u8"));
}

class EdgeHls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = EdgeStack::Start();
    ASSERT_TRUE(stack.ok()) << stack.status().ToString();
    stack_ = std::move(stack).value().release();
    const fs::path ladder = stack_->dir() / "ladder";
    MakeLadder(ladder);
    for (const auto& entry : fs::recursive_directory_iterator(ladder)) {
      if (!entry.is_regular_file()) continue;
      const std::string rel = fs::relative(entry.path(), ladder).string();
      ++files_;
      for (const std::string prefix : {"public/job42/", "premium/job42/"}) {
        ASSERT_TRUE(stack_->PutFile(prefix + rel, entry.path()).ok()) << rel;
      }
    }
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(stack_, nullptr); }

  static EdgeStack* stack_;
  static int files_;
};
EdgeStack* EdgeHls::stack_ = nullptr;
int EdgeHls::files_ = 0;

TEST_F(EdgeHls, FfprobeSeesBothRenditions) {
  ASSERT_GE(files_, 11);  // master, 2 playlists, 2 x 4 segments
  const RunResult r = RunTool(
      {"ffprobe", "-v", "error", "-print_format", "json", "-show_streams", stack_->Url("/public/job42/master.m3u8")});
  ASSERT_TRUE(r.success()) << r.err;
  const auto streams = nlohmann::json::parse(r.out).at("streams");
  std::set<int> heights;
  for (const auto& s : streams) {
    if (s.at("codec_type") == "video") heights.insert(s.at("height").get<int>());
  }
  EXPECT_EQ(heights, (std::set<int>{180, 360}));
}

TEST_F(EdgeHls, FfmpegDecodesTheWholeLadder) {
  const RunResult r = RunTool({"ffmpeg", "-nostdin", "-v", "error", "-i", stack_->Url("/public/job42/master.m3u8"),
                               "-map", "0", "-f", "null", "-"});
  EXPECT_TRUE(r.success()) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST_F(EdgeHls, PremiumLadderPlaysOnlyWithAToken) {
  const std::string url = stack_->Url("/premium/job42/master.m3u8");
  const RunResult denied = RunTool({"ffmpeg", "-nostdin", "-v", "error", "-i", url, "-map", "0", "-f", "null", "-"});
  EXPECT_FALSE(denied.success());
  EXPECT_NE(denied.err.find("403"), std::string::npos) << denied.err;

  auto token = edge::MintToken(testing::VectorsJwtSecret(), true, std::chrono::hours(1), std::time(nullptr));
  ASSERT_TRUE(token.ok());
  const RunResult ok = RunTool({"ffmpeg", "-nostdin", "-v", "error", "-headers", "X-TCoder-Token: " + *token + "\r\n",
                                "-i", url, "-map", "0", "-f", "null", "-"});
  EXPECT_TRUE(ok.success()) << ok.err;
}

}  // namespace
}  // namespace tcoder
