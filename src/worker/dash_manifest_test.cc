#include "worker/dash_manifest.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/file_util.h"
#include "common/temp_dir.h"

namespace tcoder::worker {
namespace {

// FFmpeg's media playlist of a 9 s cmaf rendition (hls muxer, fmp4 segments).
std::string Playlist(std::string_view init, std::string_view durations = "4.000000 4.000000 1.000000") {
  std::string p =
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n"
      "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"" +
      std::string(init) + "\"\n";
  int n = 0;
  for (std::size_t pos = 0; pos < durations.size();) {
    std::size_t end = durations.find(' ', pos);
    if (end == std::string_view::npos) end = durations.size();
    char name[32];
    (void)std::snprintf(name, sizeof name, "seg_%05d.m4s", n++);
    p += "#EXTINF:" + std::string(durations.substr(pos, end - pos)) + ",\n" + name + "\n";
    pos = end + 1;
  }
  return p + "#EXT-X-ENDLIST\n";
}

Rung Video(std::string name, int w, int h, int maxrate) {
  return Rung{.name = std::move(name),
              .width = w,
              .height = h,
              .maxrate_kbps = maxrate,
              .audio_kbps = 128,
              .profile = "main",
              .level = "3.1"};
}

TEST(DashManifest, ParseMediaPlaylistReadsTheInitSegmentAndEveryDuration) {
  auto s = ParseMediaPlaylist(Playlist("audio_init.mp4", "4.017052 3.993832 1.012336"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->init, "audio_init.mp4");
  EXPECT_EQ(s->first_number, 0);
  EXPECT_EQ(s->durations_us, (std::vector<long long>{4017052, 3993832, 1012336}));
}

TEST(DashManifest, ParseMediaPlaylistRefusesWhatTheTemplateCannotName) {
  EXPECT_FALSE(ParseMediaPlaylist("not a playlist").ok());
  // MPEG-TS segments, no init segment: not a cmaf rendition.
  EXPECT_FALSE(ParseMediaPlaylist("#EXTM3U\n#EXTINF:4.0,\nseg_00000.ts\n#EXT-X-ENDLIST\n").ok());
  EXPECT_FALSE(ParseMediaPlaylist("#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXT-X-ENDLIST\n").ok());  // no segment
  EXPECT_FALSE(ParseMediaPlaylist("#EXTM3U\n#EXT-X-MAP:URI=\"../x/i.mp4\"\n#EXTINF:4,\nseg_00000.m4s\n").ok());
  EXPECT_FALSE(ParseMediaPlaylist("#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:-4,\nseg_00000.m4s\n").ok());
  EXPECT_FALSE(ParseMediaPlaylist("#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:nan,\nseg_00000.m4s\n").ok());
  EXPECT_FALSE(ParseMediaPlaylist("#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\nseg_00000.m4s\n").ok());  // no EXTINF
  const std::string gap = "#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:4,\nseg_00000.m4s\n#EXTINF:4,\nseg_00002.m4s\n";
  const auto s = ParseMediaPlaylist(gap);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_NE(s.status().message().find("seg_00002.m4s"), std::string::npos) << s.status().message();
  EXPECT_FALSE(ParseMediaPlaylist("#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:4,\nhttp://x/seg_00000.m4s\n").ok());
}

TEST(DashManifest, RenderDashManifestDescribesEveryRenditionOverItsOwnSegments) {
  auto timeline = ParseMediaPlaylist(Playlist("360p_init.mp4"));
  auto top = ParseMediaPlaylist(Playlist("720p_init.mp4"));
  auto audio = ParseMediaPlaylist(Playlist("audio_init.mp4", "4.017052 3.993832 1.012336"));
  ASSERT_TRUE(timeline.ok() && top.ok() && audio.ok());
  const std::string mpd =
      RenderDashManifest({{Video("360p", 640, 360, 856), *timeline}, {Video("720p", 1280, 720, 2996), *top}},
                         DashRendition{AudioRung(), *audio});
  EXPECT_TRUE(
      mpd.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\""))
      << mpd;
  EXPECT_NE(mpd.find("type=\"static\" mediaPresentationDuration=\"PT9.023S\" minBufferTime=\"PT4.017S\""),
            std::string::npos)
      << mpd;
  EXPECT_NE(mpd.find("<Representation id=\"360p\" bandwidth=\"856000\" width=\"640\" height=\"360\" sar=\"1:1\" "
                     "codecs=\"avc1.4d401f\">"),
            std::string::npos)
      << mpd;
  EXPECT_NE(mpd.find("initialization=\"720p/720p_init.mp4\" media=\"720p/seg_$Number%05d$.m4s\" startNumber=\"0\""),
            std::string::npos)
      << mpd;
  // Two 4 s segments in a row are one S with r="1".
  EXPECT_NE(mpd.find("<S t=\"0\" d=\"4000000\" r=\"1\"/>\n            <S d=\"1000000\"/>"), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("contentType=\"audio\" mimeType=\"audio/mp4\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("<Representation id=\"audio\" bandwidth=\"128000\" codecs=\"mp4a.40.2\">"), std::string::npos)
      << mpd;
  EXPECT_NE(mpd.find("<S t=\"0\" d=\"4017052\"/>\n            <S d=\"3993832\"/>\n            <S d=\"1012336\"/>"),
            std::string::npos)
      << mpd;
  EXPECT_EQ(mpd.find("contentType=\"video\"", mpd.find("contentType=\"audio\"")), std::string::npos);
}

TEST(DashManifest, AnAudioOnlyManifestHasOneAdaptationSet) {
  auto audio = ParseMediaPlaylist(Playlist("audio_init.mp4"));
  ASSERT_TRUE(audio.ok());
  const std::string mpd = RenderDashManifest({}, DashRendition{AudioRung(), *audio});
  EXPECT_EQ(mpd.find("contentType=\"video\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("<AdaptationSet id=\"0\" contentType=\"audio\""), std::string::npos) << mpd;
}

TEST(DashManifest, WriteDashManifestReadsEachRenditionsPlaylist) {
  auto dir = TempDir::Create("dash-");
  ASSERT_TRUE(dir.ok());
  const auto& d = dir->path();
  for (const char* name : {"360p", "audio"}) {
    std::filesystem::create_directories(d / name);
    ASSERT_TRUE(WriteFileAtomic(d / name / "index.m3u8", Playlist(std::string(name) + "_init.mp4")).ok());
  }
  ASSERT_TRUE(WriteDashManifest(d, "manifest.mpd", {Video("360p", 640, 360, 856)}, AudioRung()).ok());
  auto mpd = ReadFile(d / "manifest.mpd");
  ASSERT_TRUE(mpd.ok());
  EXPECT_NE(mpd->find("initialization=\"360p/360p_init.mp4\""), std::string::npos) << *mpd;
  EXPECT_NE(mpd->find("initialization=\"audio/audio_init.mp4\""), std::string::npos) << *mpd;
  // A rendition whose playlist is missing: an error, and no manifest.
  const Status missing = WriteDashManifest(d, "other.mpd", {Video("720p", 1280, 720, 2996)}, std::nullopt);
  EXPECT_FALSE(missing.ok());
  EXPECT_FALSE(std::filesystem::exists(d / "other.mpd"));
}

}  // namespace
}  // namespace tcoder::worker
