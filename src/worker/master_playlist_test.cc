#include "worker/master_playlist.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/file_util.h"
#include "common/temp_dir.h"

namespace tcoder::worker {
namespace {

std::vector<Rung> TwoRungs() {
  return {Rung{.name = "360p",
               .width = 640,
               .height = 360,
               .maxrate_kbps = 856,
               .audio_kbps = 96,
               .profile = "main",
               .level = "3.1"},
          Rung{.name = "720p",
               .width = 1280,
               .height = 720,
               .maxrate_kbps = 2996,
               .audio_kbps = 128,
               .profile = "high",
               .level = "4.0"}};
}

TEST(MasterPlaylist, MasterPlaylistRenderedFromTheLadder) {
  const std::string m = RenderMasterPlaylist(TwoRungs(), true);
  EXPECT_TRUE(MasterPlaylistComplete(m, 2)) << m;
  EXPECT_NE(m.find("BANDWIDTH=952000,RESOLUTION=640x360,CODECS=\"avc1.4d401f,mp4a.40.2\"\n360p/index.m3u8"),
            std::string::npos)
      << m;
  EXPECT_NE(RenderMasterPlaylist(TwoRungs(), false).find("CODECS=\"avc1.640028\"\n720p/"), std::string::npos);
  EXPECT_NE(m.find("#EXT-X-VERSION:3\n"), std::string::npos) << m;
  const std::string fmp4 = RenderMasterPlaylist(TwoRungs(), true, nullptr, 7);  // cmaf: EXT-X-MAP needs 7
  EXPECT_NE(fmp4.find("#EXT-X-VERSION:7\n"), std::string::npos) << fmp4;
}

TEST(MasterPlaylist, MasterPlaylistCompletenessCheck) {
  EXPECT_FALSE(MasterPlaylistComplete("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=2x2\na.m3u8\n", 1));
  EXPECT_FALSE(MasterPlaylistComplete(RenderMasterPlaylist(TwoRungs(), true), 3));
  EXPECT_FALSE(MasterPlaylistComplete("", 0));
}

TEST(MasterPlaylist, TheAudioGroupIsListedOnceAndNamedByEveryVariant) {
  const Rung audio = AudioRung();
  const std::string m = RenderMasterPlaylist(TwoRungs(), true, &audio);
  EXPECT_NE(m.find("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"audio\",DEFAULT=YES,AUTOSELECT=YES,"
                   "URI=\"audio/index.m3u8\"\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("CODECS=\"avc1.4d401f,mp4a.40.2\",AUDIO=\"audio\"\n360p/index.m3u8"), std::string::npos) << m;
  EXPECT_TRUE(MasterPlaylistComplete(m, 2, false, /*audio_group=*/true)) << m;
  EXPECT_FALSE(MasterPlaylistComplete(m, 2));  // a group where none was made
  EXPECT_FALSE(MasterPlaylistComplete(RenderMasterPlaylist(TwoRungs(), true), 2, false, true));  // no group
  // FFmpeg's own spelling of it is complete too.
  const std::string ffmpeg =
      "#EXTM3U\n#EXT-X-VERSION:3\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"group_audio\",NAME=\"audio_2\",DEFAULT=YES,URI=\"audio/index.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=640x360,CODECS=\"a\",AUDIO=\"group_audio\"\n360p/index.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=2,RESOLUTION=1280x720,CODECS=\"b\",AUDIO=\"group_audio\"\n720p/index.m3u8\n";
  EXPECT_TRUE(MasterPlaylistComplete(ffmpeg, 2, false, true));
}

TEST(MasterPlaylist, TheAudioOnlyRungHasNoResolution) {
  const std::string m = RenderMasterPlaylist({AudioRung()}, true);
  EXPECT_NE(m.find("#EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS=\"mp4a.40.2\"\naudio/index.m3u8\n"), std::string::npos)
      << m;
  EXPECT_TRUE(MasterPlaylistComplete(m, 1, /*audio_only=*/true));
  EXPECT_FALSE(MasterPlaylistComplete(m, 1));  // a video ladder needs RESOLUTION
}

TEST(MasterPlaylist, FixMasterPlaylistRewritesOnlyIncompleteOnes) {
  auto dir = TempDir::Create("master");
  ASSERT_TRUE(dir.ok());
  const auto path = dir->path() / "master.m3u8";
  std::ofstream(path) << "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n360p/index.m3u8\n";
  ASSERT_TRUE(FixMasterPlaylist(path, TwoRungs(), true).ok());
  EXPECT_EQ(*ReadFile(path), RenderMasterPlaylist(TwoRungs(), true));
  const std::string complete =
      "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5,RESOLUTION=640x360,CODECS=\"x\"\na\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=6,RESOLUTION=1280x720,CODECS=\"y\"\nb\n";
  std::ofstream(path, std::ios::trunc) << complete;
  ASSERT_TRUE(FixMasterPlaylist(path, TwoRungs(), true).ok());
  EXPECT_EQ(*ReadFile(path), complete);
}

}  // namespace
}  // namespace tcoder::worker
