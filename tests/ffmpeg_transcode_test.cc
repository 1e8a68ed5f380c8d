// The worker's transcoder with real ffmpeg: the HLS ladder, CMAF, faststart MP4s,
// stream copy, sources without audio, cancel and the wall-clock limit.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/file_util.h"
#include "common/temp_dir.h"
#include "ffmpeg_support.h"
#include "worker/failure.h"
#include "worker/probe.h"
#include "worker/transcoder.h"
#include "worker/validate.h"

namespace tcoder::worker {
namespace {

namespace fs = std::filesystem;
using testing::RunFfmpeg;

class FfmpegTranscode : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("ffmpeg-transcode");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(*dir));
  }

  fs::path Path(const std::string& name) const { return dir_->path() / name; }

  // Makes a clip and probes and validates it.
  MediaInfo Clip(const std::string& name, const std::string& size, int seconds, bool audio) {
    testing::MakeClip(Path(name), size, seconds, audio);
    auto info = Probe(Path(name));
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    if (!info.ok()) return {};
    EXPECT_TRUE(Validate(*info, Limits{}).ok());
    return *info;
  }

  std::unique_ptr<TempDir> dir_;
};

bool IsJpeg(const fs::path& p) {
  auto data = ReadFile(p);
  return data.ok() && data->size() > 3 && data->compare(0, 3, "\xFF\xD8\xFF") == 0;
}

std::size_t Occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

const OutputFile* Find(const TranscodeResult& r, const fs::path& path) {
  for (const OutputFile& f : r.outputs) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

TEST_F(FfmpegTranscode, HlsAdaptiveLadderFrom720pSource) {
  const MediaInfo info = Clip("in.mp4", "1280x720", 10, true);
  std::vector<Progress> reports;
  TranscodeOptions opts;
  opts.on_progress = [&](const Progress& p) { reports.push_back(p); };
  const fs::path out = Path("out");
  auto r =
      Transcode(Path("in.mp4"), info, TranscodeSpec{.preset = Preset::kHlsAdaptive, .download = "480p"}, out, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  // The master playlist: 360p, 480p and 720p, never 1080p, each fully described.
  ASSERT_EQ(r->master_playlist, fs::path("master.m3u8"));
  const std::string master = *ReadFile(out / "master.m3u8");
  EXPECT_EQ(master.find("1080p"), std::string::npos) << master;
  for (const char* line :
       {"RESOLUTION=640x360,CODECS=\"avc1.4d401f,mp4a.40.2\",AUDIO=\"group_audio\"\n360p/index.m3u8",
        "RESOLUTION=854x480,CODECS=\"avc1.4d401f,mp4a.40.2\",AUDIO=\"group_audio\"\n480p/index.m3u8",
        "RESOLUTION=1280x720,CODECS=\"avc1.640028,mp4a.40.2\",AUDIO=\"group_audio\"\n720p/index.m3u8"}) {
    EXPECT_NE(master.find(line), std::string::npos) << line << " not in\n" << master;
  }
  EXPECT_EQ(Occurrences(master, "#EXT-X-STREAM-INF:BANDWIDTH="), 3u) << master;
  EXPECT_EQ(Occurrences(master, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"group_audio\""), 1u) << master;
  EXPECT_NE(master.find("URI=\"audio/index.m3u8\""), std::string::npos) << master;

  // The audio is stored once, in its own rendition: the variants' segments are video only.
  const RunResult audio = RunFfmpeg({"-i", (out / "audio" / "index.m3u8").string(), "-f", "null", "-"});
  EXPECT_TRUE(audio.success()) << audio.err;
  EXPECT_EQ(Find(*r, "audio/index.m3u8")->quality, "audio");
  EXPECT_EQ(testing::StreamTypes(out / "audio" / "seg_00000.ts"), std::vector<std::string>{"audio"});
  for (const char* q : {"360p", "480p", "720p"})
    EXPECT_EQ(testing::StreamTypes(out / q / "seg_00000.ts"), std::vector<std::string>{"video"}) << q;

  // Every variant decodes to the end, and all are cut at the same points.
  std::vector<std::string> first;
  for (const char* q : {"360p", "480p", "720p"}) {
    const fs::path playlist = out / q / "index.m3u8";
    const RunResult decode = RunFfmpeg({"-i", playlist.string(), "-f", "null", "-"});
    EXPECT_TRUE(decode.success()) << q << ": " << decode.err;
    EXPECT_EQ(decode.err, "") << q;
    const auto durations = testing::ExtinfDurations(*ReadFile(playlist));
    EXPECT_GE(durations.size(), 3u) << q;
    if (first.empty()) first = durations;
    EXPECT_EQ(durations, first) << q;
    ASSERT_NE(Find(*r, fs::path(q) / "seg_00000.ts"), nullptr) << q;
    EXPECT_EQ(Find(*r, fs::path(q) / "seg_00000.ts")->kind, OutputKind::kSegment);
    EXPECT_EQ(Find(*r, fs::path(q) / "index.m3u8")->quality, q);
  }

  // The poster, the listed outputs, the progress reports, no leftovers.
  EXPECT_TRUE(IsJpeg(out / "poster.jpg"));
  ASSERT_NE(Find(*r, "poster.jpg"), nullptr);
  EXPECT_EQ(Find(*r, "poster.jpg")->kind, OutputKind::kPoster);

  // The MP4 download of 480p: the HLS rung and the audio copied, moov first, the whole duration.
  ASSERT_NE(Find(*r, "download.mp4"), nullptr);
  EXPECT_EQ(Find(*r, "download.mp4")->kind, OutputKind::kDownload);
  EXPECT_EQ(r->download_rung, "480p");
  const auto boxes = testing::TopLevelBoxes(out / "download.mp4");
  EXPECT_LT(std::find(boxes.begin(), boxes.end(), "moov"), std::find(boxes.begin(), boxes.end(), "mdat"));
  auto download = Probe(out / "download.mp4");
  ASSERT_TRUE(download.ok()) << download.status().ToString();
  EXPECT_EQ(download->video.at(0).height, 480);
  EXPECT_EQ(download->audio.at(0).codec, "aac");
  EXPECT_NEAR(download->duration_s, 10, 0.3);

  // The storyboard: 10 thumbnails of 160x90 in one row, one a second, and their track.
  ASSERT_NE(Find(*r, "storyboard.jpg"), nullptr);
  EXPECT_EQ(Find(*r, "storyboard.jpg")->kind, OutputKind::kStoryboard);
  EXPECT_EQ(Find(*r, "storyboard.vtt")->kind, OutputKind::kThumbnails);
  EXPECT_TRUE(IsJpeg(out / "storyboard.jpg"));
  const auto sprite = testing::FirstStream(out / "storyboard.jpg", "video");
  EXPECT_EQ(sprite.value("width", 0), 1600);
  EXPECT_EQ(sprite.value("height", 0), 90);
  const std::string vtt = *ReadFile(out / "storyboard.vtt");
  EXPECT_TRUE(vtt.starts_with("WEBVTT\n")) << vtt;
  EXPECT_EQ(Occurrences(vtt, "storyboard.jpg#xywh="), 10u) << vtt;
  EXPECT_NE(vtt.find("00:00:09.000 --> 00:00:10.000\nstoryboard.jpg#xywh=1440,0,160,90\n"), std::string::npos) << vtt;
  EXPECT_EQ(Find(*r, "master.m3u8")->kind, OutputKind::kPlaylist);
  EXPECT_EQ(testing::FilesUnder(out).size(), r->outputs.size());
  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(reports.back().done);
  EXPECT_EQ(reports.back().percent, 100);
}

// cmaf: one set of fMP4 segments, an HLS v7 master over it and a DASH
// manifest over the very same files.
TEST_F(FfmpegTranscode, CmafWritesFmp4SegmentsOnceForHlsAndDash) {
  const MediaInfo info = Clip("in.mp4", "1280x720", 10, true);
  const fs::path out = Path("out");
  auto r = Transcode(Path("in.mp4"), info, TranscodeSpec{.preset = Preset::kCmaf, .download = "top"}, out, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string master = *ReadFile(out / "master.m3u8");
  EXPECT_NE(master.find("#EXT-X-VERSION:7\n"), std::string::npos) << master;
  EXPECT_EQ(Occurrences(master, "#EXT-X-STREAM-INF:BANDWIDTH="), 3u) << master;
  EXPECT_EQ(Occurrences(master, "#EXT-X-MEDIA:TYPE=AUDIO"), 1u) << master;
  ASSERT_EQ(r->dash_manifest, fs::path("manifest.mpd"));
  ASSERT_NE(Find(*r, "manifest.mpd"), nullptr);
  EXPECT_EQ(Find(*r, "manifest.mpd")->kind, OutputKind::kManifest);
  const std::string mpd = *ReadFile(out / "manifest.mpd");
  for (const char* q : {"360p", "480p", "720p", "audio"}) {
    const std::string name(q);
    const std::string playlist = *ReadFile(out / q / "index.m3u8");
    EXPECT_NE(playlist.find("#EXT-X-MAP:URI=\"" + name + "_init.mp4\""), std::string::npos) << playlist;
    EXPECT_EQ(Find(*r, fs::path(q) / (name + "_init.mp4"))->kind, OutputKind::kSegment) << q;
    EXPECT_EQ(Find(*r, fs::path(q) / "seg_00000.m4s")->kind, OutputKind::kSegment) << q;
    // The manifest names the same init segment and segment files as the playlist.
    EXPECT_NE(mpd.find("initialization=\"" + name + "/" + name + "_init.mp4\" media=\"" + name +
                       "/seg_$Number%05d$.m4s\" startNumber=\"0\""),
              std::string::npos)
        << q << " in\n"
        << mpd;
    const RunResult decode = RunFfmpeg({"-xerror", "-i", (out / q / "index.m3u8").string(), "-f", "null", "-"});
    EXPECT_TRUE(decode.success()) << q << ": " << decode.err;
    EXPECT_EQ(decode.err, "") << q;
  }
  for (const fs::path& f : testing::FilesUnder(out)) EXPECT_NE(f.extension(), ".ts") << f;
  // FFmpeg's DASH demuxer reads the manifest: every rendition, the whole duration, decoding without an error.
  EXPECT_EQ(testing::StreamTypes(out / "manifest.mpd"), (std::vector<std::string>{"video", "video", "video", "audio"}));
  const nlohmann::json dash = testing::Ffprobe(out / "manifest.mpd");
  EXPECT_NEAR(std::stod(dash["format"].value("duration", "0")), 10, 0.3) << dash.dump();
  const RunResult decode = RunFfmpeg(
      {"-xerror", "-i", (out / "manifest.mpd").string(), "-map", "0:v:2", "-map", "0:a:0", "-f", "null", "-"});
  EXPECT_TRUE(decode.success()) << decode.err;
  // The download is copied from the fMP4 rung like from MPEG-TS.
  auto download = Probe(out / "download.mp4");
  ASSERT_TRUE(download.ok()) << download.status().ToString();
  EXPECT_EQ(download->video.at(0).height, 720);
  EXPECT_EQ(download->audio.at(0).codec, "aac");
  EXPECT_NEAR(download->duration_s, 10, 0.3);
  EXPECT_EQ(testing::FilesUnder(out).size(), r->outputs.size());
}

TEST_F(FfmpegTranscode, WebOptimizedMp4HasMoovBeforeMdat) {
  const MediaInfo info = Clip("in.mp4", "1280x720", 3, true);
  const fs::path out = Path("out");
  auto r = Transcode(Path("in.mp4"), info,
                     TranscodeSpec{.preset = Preset::kWebOptimized, .qualities = {"720p"}, .download = "top"}, out, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto boxes = testing::TopLevelBoxes(out / "720p.mp4");
  const auto moov = std::find(boxes.begin(), boxes.end(), "moov");
  const auto mdat = std::find(boxes.begin(), boxes.end(), "mdat");
  ASSERT_NE(moov, boxes.end());
  ASSERT_NE(mdat, boxes.end());
  EXPECT_LT(moov - boxes.begin(), mdat - boxes.begin());
  auto made = Probe(out / "720p.mp4");
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->video.at(0).codec, "h264");
  EXPECT_EQ(made->video.at(0).height, 720);
  EXPECT_EQ(made->audio.at(0).codec, "aac");
  EXPECT_EQ(Find(*r, "720p.mp4")->kind, OutputKind::kVideo);
  EXPECT_TRUE(IsJpeg(out / "poster.jpg"));
  EXPECT_EQ(r->master_playlist, std::nullopt);
  EXPECT_EQ(r->download_rung, "720p");  // the download is 720p.mp4 itself
  EXPECT_EQ(r->download, std::nullopt);
  EXPECT_FALSE(fs::exists(out / "download.mp4"));
}

TEST_F(FfmpegTranscode, DefaultCopiesH264AacFromMp4) {
  const MediaInfo info = Clip("in.mp4", "320x240", 2, true);
  auto r = Transcode(Path("in.mp4"), info, TranscodeSpec{.preset = Preset::kDefault}, Path("out"), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->copied);
  const auto boxes = testing::TopLevelBoxes(Path("out") / "video.mp4");
  EXPECT_LT(std::find(boxes.begin(), boxes.end(), "moov"), std::find(boxes.begin(), boxes.end(), "mdat"));
  auto made = Probe(Path("out") / "video.mp4");
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made->video.at(0).width, 320);
  EXPECT_EQ(made->audio.size(), 1u);
}

TEST_F(FfmpegTranscode, SourceWithoutAudioMakesVideoOnlyHls) {
  testing::MakeClip(Path("in.mkv"), "320x240", 3, false);
  auto info = Probe(Path("in.mkv"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const fs::path out = Path("out");
  auto r = Transcode(Path("in.mkv"), *info, TranscodeSpec{.preset = Preset::kHlsAdaptive}, out, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rungs.size(), 1u);  // a 240p source is its own single rung
  const std::string master = *ReadFile(out / "master.m3u8");
  EXPECT_NE(master.find("RESOLUTION=320x240,CODECS=\"avc1.4d401e\"\n240p/index.m3u8"), std::string::npos) << master;
  const RunResult decode = RunFfmpeg({"-i", (out / "240p/index.m3u8").string(), "-f", "null", "-"});
  EXPECT_TRUE(decode.success()) << decode.err;
  EXPECT_TRUE(IsJpeg(out / "poster.jpg"));
}

TEST_F(FfmpegTranscode, MaxPixelsStopsOversizedPictures) {
  const MediaInfo info = Clip("in.mp4", "320x240", 1, false);
  TranscodeOptions opts;
  opts.plan.max_pixels = 1000;
  auto r = Transcode(Path("in.mp4"), info, TranscodeSpec{.preset = Preset::kHls}, Path("out"), opts);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsPermanentFailure(r.status())) << r.status().ToString();
  EXPECT_TRUE(testing::FilesUnder(Path("out")).empty());
}

TEST_F(FfmpegTranscode, CancelStopsFfmpegAndLeavesNothing) {
  const MediaInfo info = Clip("cancel-me.mp4", "1280x720", 10, true);
  std::atomic<bool> started{false}, cancel{false}, finished{false};
  TranscodeOptions opts;
  opts.plan.x264_preset = "veryslow";  // long enough to be cancelled mid-run
  opts.progress_interval = std::chrono::milliseconds(0);
  opts.on_progress = [&](const Progress&) { started = true; };
  opts.cancelled = [&] { return cancel.load(); };
  Result<TranscodeResult> result = Status(Code::kInternal, "not run");
  std::thread worker([&] {
    result = Transcode(Path("cancel-me.mp4"), info, TranscodeSpec{.preset = Preset::kHlsAdaptive}, Path("out"), opts);
    finished = true;
  });
  while (!started && !finished) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (finished) {
    worker.join();
    FAIL() << "the transcode ended before it could be cancelled: " << result.status().ToString();
  }
  EXPECT_FALSE(testing::ProcessesMentioning(Path("cancel-me.mp4").string()).empty());
  cancel = true;
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_TRUE(testing::ProcessesMentioning(Path("cancel-me.mp4").string()).empty());
  worker.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kCancelled);
  EXPECT_TRUE(testing::FilesUnder(Path("out")).empty());
  EXPECT_TRUE(fs::is_empty(Path("out")));
}

TEST_F(FfmpegTranscode, WallClockLimitIsRetryable) {
  const MediaInfo info = Clip("in.mp4", "1280x720", 3, false);
  TranscodeOptions opts;
  opts.plan.x264_preset = "veryslow";
  opts.deadline = std::chrono::milliseconds(500);
  auto r = Transcode(Path("in.mp4"), info, TranscodeSpec{.preset = Preset::kHlsAdaptive}, Path("out"), opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded);
  EXPECT_FALSE(IsPermanentFailure(r.status()));
  EXPECT_TRUE(fs::is_empty(Path("out")));
}

}  // namespace
}  // namespace tcoder::worker
