// Hostile and broken inputs against the worker's sniffing, probing and
// transcoding with real ffmpeg: playlists and concat lists that name other
// files, images renamed .mp4, empty and random files.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>

#include "common/file_util.h"
#include "common/temp_dir.h"
#include "ffmpeg_support.h"
#include "worker/failure.h"
#include "worker/probe.h"
#include "worker/sniff.h"
#include "worker/transcoder.h"

namespace tcoder::worker {
namespace {

namespace fs = std::filesystem;

class FfmpegInput : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("ffmpeg-input");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(*dir));
  }
  fs::path Path(const std::string& name) const { return dir_->path() / name; }
  void Write(const std::string& name, const std::string& data) const {
    std::ofstream(Path(name), std::ios::binary) << data;
  }

  // Sniffing and probing both refuse `name`, permanently, naming `what`
  // (probing: ffprobe's own reason).
  void ExpectRefused(const std::string& name, const std::string& what) const {
    auto sniffed = SniffFile(Path(name));
    ASSERT_FALSE(sniffed.ok()) << name << " sniffed as " << *sniffed;
    EXPECT_TRUE(IsPermanentFailure(sniffed.status())) << sniffed.status().ToString();
    EXPECT_NE(sniffed.status().message().find(what), std::string::npos) << sniffed.status().message();
    auto probed = Probe(Path(name));
    ASSERT_FALSE(probed.ok()) << name << " probed as " << probed->container;
    EXPECT_TRUE(IsPermanentFailure(probed.status())) << probed.status().ToString();
  }

  std::unique_ptr<TempDir> dir_;
};

// Deterministic noise (so a lucky magic number cannot make the test flaky).
std::string RandomNoise(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 2463534242u;
  for (char& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xFF);
  }
  s[0] = '\x01';
  s[1] = '\x02';
  return s;
}

// A MediaInfo that claims the input is a fine clip, to show that FFmpeg's own
// whitelists hold even when sniffing and probing were skipped.
MediaInfo Claimed() {
  MediaInfo m;
  m.container = "mov,mp4,m4a,3gp,3g2,mj2";
  m.duration_s = 2;
  m.video.push_back(VideoStream{.codec = "h264", .width = 160, .height = 120, .fps = 10});
  return m;
}

TEST_F(FfmpegInput, HlsPlaylistNamingAnotherFileIsRefusedAndReadsNothing) {
  testing::MakeClip(Path("secret.ts"), "160x120", 2, false, 10);
  Write("video.mp4",
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + Path("secret.ts").string() + "\n#EXT-X-ENDLIST\n");
  // Without the whitelists FFmpeg would follow it: the input really is hostile.
  const RunResult open = testing::RunFfmpeg({"-i", Path("video.mp4").string(), "-f", "null", "-"});
  ASSERT_TRUE(open.success()) << open.err;

  ExpectRefused("video.mp4", "an HLS playlist (text), not a video container");
  const fs::path out = Path("out");
  auto r = Transcode(Path("video.mp4"), Claimed(), TranscodeSpec{.preset = Preset::kHls}, out, {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsPermanentFailure(r.status())) << r.status().ToString();
  EXPECT_TRUE(testing::FilesUnder(out).empty());
}

TEST_F(FfmpegInput, ConcatListsAreRefused) {
  testing::MakeClip(Path("secret.mp4"), "160x120", 1, false, 10);
  Write("list.mp4", "ffconcat version 1.0\nfile '" + Path("secret.mp4").string() + "'\n");
  ExpectRefused("list.mp4", "an ffconcat list (text)");
  Write("plain.mp4", "file '" + Path("secret.mp4").string() + "'\n");
  ExpectRefused("plain.mp4", "a concat file list (text)");
  auto r = Transcode(Path("list.mp4"), Claimed(), TranscodeSpec{.preset = Preset::kDefault}, Path("out"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsPermanentFailure(r.status())) << r.status().ToString();
  EXPECT_TRUE(testing::FilesUnder(Path("out")).empty());
}

TEST_F(FfmpegInput, JpegRenamedMp4IsRefused) {
  const RunResult made =
      testing::RunFfmpeg({"-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", Path("photo.jpg").string()});
  ASSERT_TRUE(made.success()) << made.err;
  fs::rename(Path("photo.jpg"), Path("photo.mp4"));
  ExpectRefused("photo.mp4", "a JPEG image");
}

TEST_F(FfmpegInput, EmptyAndRandomFilesAreRefused) {
  Write("empty.mp4", "");
  ExpectRefused("empty.mp4", "empty (0 bytes)");
  Write("noise.mp4", RandomNoise(64 << 10));
  ExpectRefused("noise.mp4", "not a recognised video container");
}

TEST_F(FfmpegInput, TruncatedMp4IsRefusedByProbe) {
  testing::MakeClip(Path("whole.mp4"), "160x120", 1, false, 10);
  const std::string whole = *ReadFile(Path("whole.mp4"));
  Write("cut.mp4", whole.substr(0, 2000));       // moov is at the end: cut off
  ASSERT_TRUE(SniffFile(Path("cut.mp4")).ok());  // its head is a fine MP4 head
  auto probed = Probe(Path("cut.mp4"));
  ASSERT_FALSE(probed.ok());
  EXPECT_TRUE(IsPermanentFailure(probed.status())) << probed.status().ToString();
  EXPECT_NE(probed.status().message().find("not a readable video file"), std::string::npos);
}

}  // namespace
}  // namespace tcoder::worker
