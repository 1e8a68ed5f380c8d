#include "worker/output_uploader.h"

#include <gtest/gtest.h>

#include "common/media_type.h"

namespace tcoder::worker {
namespace {

Rung MakeRung(const std::string& name, int w, int h, int maxrate, int audio) {
  Rung r;
  r.name = name;
  r.width = w;
  r.height = h;
  r.maxrate_kbps = maxrate;
  r.audio_kbps = audio;
  return r;
}

TranscodeResult HlsResult() {
  TranscodeResult r;
  r.outputs = {
      {"360p", OutputKind::kPlaylist, "360p/index.m3u8", 100},
      {"360p", OutputKind::kSegment, "360p/seg_00000.ts", 1000},
      {"360p", OutputKind::kSegment, "360p/seg_00001.ts", 900},
      {"720p", OutputKind::kPlaylist, "720p/index.m3u8", 110},
      {"720p", OutputKind::kSegment, "720p/seg_00000.ts", 5000},
      {"", OutputKind::kPlaylist, "master.m3u8", 300},
      {"", OutputKind::kPoster, "poster.jpg", 4000},
  };
  r.master_playlist = "master.m3u8";
  r.rungs = {MakeRung("360p", 640, 360, 1000, 96), MakeRung("720p", 1280, 720, 4000, 128)};
  return r;
}

TEST(AttemptPrefix, JoinsVisibilityJobAndToken) {
  auto p = AttemptPrefix("public", "j_abcdefghijklmnopqrstuv", "17");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, "public/j_abcdefghijklmnopqrstuv/17");
  EXPECT_TRUE(AttemptPrefix("premium", "j_abcdefghijklmnopqrstuv", "1").ok());
}

TEST(AttemptPrefix, RefusesHostileParts) {
  EXPECT_FALSE(AttemptPrefix("private", "j_abcdefghijklmnopqrstuv", "17").ok());
  EXPECT_FALSE(AttemptPrefix("public", "../../etc", "17").ok());
  EXPECT_FALSE(AttemptPrefix("public", "j_abcdefghijklmnopqrstuv", "1/2").ok());
  EXPECT_FALSE(AttemptPrefix("public", "j_abcdefghijklmnopqrstuv", "").ok());
}

TEST(ContentTypeFor, KnowsEveryOutputKindElseOctetStream) {
  for (const char* name : {"master.m3u8", "manifest.mpd", "720p/seg_00000.ts", "720p/seg_00000.m4s",
                           "720p/720p_init.mp4", "720p.mp4", "audio.m4a", "poster.jpg", "storyboard.vtt"}) {
    EXPECT_NE(ContentTypeFor(name), "application/octet-stream") << name;
    EXPECT_EQ(ContentTypeFor(name), MediaTypeFor(name)) << name;
  }
  EXPECT_EQ(ContentTypeFor("leftover.tmp"), "application/octet-stream");
}

TEST(BuildCompletion, ListsRenditionPlaylistsAndPoster) {
  const state::Completion c = BuildCompletion(HlsResult(), "public/j_x/3", true);
  EXPECT_EQ(c.playlist_url, "public/j_x/3/master.m3u8");
  EXPECT_EQ(c.poster_url, "public/j_x/3/poster.jpg");
  ASSERT_EQ(c.outputs.size(), 3u);
  EXPECT_EQ(c.outputs[0]["quality"], "360p");
  EXPECT_EQ(c.outputs[0]["kind"], "playlist");
  EXPECT_EQ(c.outputs[0]["key"], "public/j_x/3/360p/index.m3u8");
  EXPECT_EQ(c.outputs[0]["size"], 2000);  // playlist and segments
  EXPECT_EQ(c.outputs[0]["width"], 640);
  EXPECT_EQ(c.outputs[0]["height"], 360);
  EXPECT_EQ(c.outputs[0]["bandwidth"], 1096000);
  EXPECT_EQ(c.outputs[1]["quality"], "720p");
  EXPECT_EQ(c.outputs[2]["kind"], "poster");
  EXPECT_EQ(c.outputs[2]["key"], "public/j_x/3/poster.jpg");
}

TEST(BuildCompletion, ListsTheDashManifestAndCountsInitSegments) {
  TranscodeResult r;
  r.outputs = {
      {"360p", OutputKind::kPlaylist, "360p/index.m3u8", 100},
      {"360p", OutputKind::kSegment, "360p/360p_init.mp4", 800},
      {"360p", OutputKind::kSegment, "360p/seg_00000.m4s", 1000},
      {"dash", OutputKind::kManifest, "manifest.mpd", 1500},
      {"", OutputKind::kPlaylist, "master.m3u8", 300},
  };
  r.master_playlist = "master.m3u8";
  r.dash_manifest = "manifest.mpd";
  r.rungs = {MakeRung("360p", 640, 360, 1000, 96)};
  const state::Completion c = BuildCompletion(r, "public/j_c/2", true);
  EXPECT_EQ(c.playlist_url, "public/j_c/2/master.m3u8");
  ASSERT_EQ(c.outputs.size(), 2u);
  EXPECT_EQ(c.outputs[0]["size"], 1900);  // playlist, init segment and segments
  EXPECT_EQ(c.outputs[1]["kind"], "manifest");
  EXPECT_EQ(c.outputs[1]["quality"], "dash");
  EXPECT_EQ(c.outputs[1]["key"], "public/j_c/2/manifest.mpd");
  EXPECT_EQ(c.outputs[1]["size"], 1500);
  EXPECT_FALSE(c.outputs[1].contains("bandwidth"));
}

TEST(BuildCompletion, ListsVideoFiles) {
  TranscodeResult r;
  r.outputs = {{"480p", OutputKind::kVideo, "480p.mp4", 7000}, {"", OutputKind::kPoster, "poster.jpg", 10}};
  r.rungs = {MakeRung("480p", 854, 480, 2000, 128)};
  const state::Completion c = BuildCompletion(r, "premium/j_y/9", false);
  EXPECT_EQ(c.playlist_url, "");
  ASSERT_EQ(c.outputs.size(), 2u);
  EXPECT_EQ(c.outputs[0]["kind"], "video");
  EXPECT_EQ(c.outputs[0]["key"], "premium/j_y/9/480p.mp4");
  EXPECT_EQ(c.outputs[0]["bandwidth"], 2000000);  // no audio
  EXPECT_EQ(c.outputs[0]["size"], 7000);
}

TEST(BuildCompletion, ListsTheDownload) {
  TranscodeResult hls = HlsResult();
  hls.outputs.push_back({"", OutputKind::kDownload, "download.mp4", 9000});
  hls.download = "download.mp4";
  hls.download_rung = "720p";
  const state::Completion c = BuildCompletion(hls, "public/j_x/3", true);
  ASSERT_EQ(c.outputs.size(), 4u);
  EXPECT_EQ(c.outputs[3]["kind"], "download");
  EXPECT_EQ(c.outputs[3]["quality"], "720p");
  EXPECT_EQ(c.outputs[3]["key"], "public/j_x/3/download.mp4");
  EXPECT_EQ(c.outputs[3]["width"], 1280);
  // An MP4 preset's download is the rung's own file.
  TranscodeResult web;
  web.outputs = {{"480p", OutputKind::kVideo, "480p.mp4", 7000}, {"720p", OutputKind::kVideo, "720p.mp4", 9000}};
  web.rungs = {MakeRung("480p", 854, 480, 2000, 128), MakeRung("720p", 1280, 720, 4000, 128)};
  web.download_rung = "480p";
  const state::Completion w = BuildCompletion(web, "public/j_y/1", true);
  ASSERT_EQ(w.outputs.size(), 3u);
  EXPECT_EQ(w.outputs[2]["kind"], "download");
  EXPECT_EQ(w.outputs[2]["key"], "public/j_y/1/480p.mp4");
}

TEST(BuildCompletion, ListsTheAudioRenditionWithoutAPicture) {
  TranscodeResult r;
  r.outputs = {{"", OutputKind::kPlaylist, "master.m3u8", 90},
               {"audio", OutputKind::kPlaylist, "audio/index.m3u8", 100},
               {"audio", OutputKind::kSegment, "audio/seg_00000.ts", 5000}};
  r.master_playlist = "master.m3u8";
  r.rungs = {AudioRung()};
  r.audio_only = true;
  const state::Completion c = BuildCompletion(r, "public/j_a/1", true);
  EXPECT_EQ(c.playlist_url, "public/j_a/1/master.m3u8");
  EXPECT_EQ(c.poster_url, "");
  ASSERT_EQ(c.outputs.size(), 1u);
  EXPECT_EQ(c.outputs[0]["quality"], "audio");
  EXPECT_EQ(c.outputs[0]["kind"], "playlist");
  EXPECT_EQ(c.outputs[0]["bandwidth"], 128000);
  EXPECT_EQ(c.outputs[0]["size"], 5100);
  EXPECT_FALSE(c.outputs[0].contains("width"));
  r.outputs = {{"audio", OutputKind::kAudio, "audio.m4a", 7000}};
  r.master_playlist.reset();
  const state::Completion m4a = BuildCompletion(r, "public/j_a/1", true);
  ASSERT_EQ(m4a.outputs.size(), 1u);
  EXPECT_EQ(m4a.outputs[0]["kind"], "audio");
  EXPECT_EQ(m4a.outputs[0]["key"], "public/j_a/1/audio.m4a");
}

}  // namespace
}  // namespace tcoder::worker
