// The kinds of upload that phones, cameras and broadcast produce, made with
// FFmpeg and taken through the worker's media path (sniff, probe, validate,
// interlace sampling, transcode) with real ffmpeg; the outputs are checked
// with ffprobe: HDR (PQ, HLG) comes out SDR BT.709, interlaced comes out
// progressive at the field rate, non-square pixels come out square at the
// display aspect, audio-only files make an audio rendition, the default audio
// track is the one kept, cover art is not the video.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/temp_dir.h"
#include "ffmpeg_support.h"
#include "worker/interlace.h"
#include "worker/probe.h"
#include "worker/sniff.h"
#include "worker/transcoder.h"
#include "worker/validate.h"

namespace tcoder::worker {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Ffprobe;
using testing::FirstStream;
using testing::RunFfmpeg;
using testing::StreamTypes;

class FfmpegMediaKinds : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("ffmpeg-kinds");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(*dir));
  }

  fs::path Path(const std::string& name) const { return dir_->path() / name; }

  // Runs ffmpeg with `args` (output last) to make an input.
  void Make(const std::vector<std::string>& args) {
    const RunResult r = RunFfmpeg(args);
    ASSERT_TRUE(r.success()) << r.err;
  }

  // The worker's way in: sniff, probe, validate, settle interlacing.
  MediaInfo Inspect(const std::string& name) {
    auto sniffed = SniffFile(Path(name));
    EXPECT_TRUE(sniffed.ok()) << name << ": " << sniffed.status().ToString();
    auto info = Probe(Path(name));
    EXPECT_TRUE(info.ok()) << name << ": " << info.status().ToString();
    if (!info.ok()) return {};
    EXPECT_TRUE(Validate(*info, Limits{}).ok()) << name << ": " << Validate(*info, Limits{}).ToString();
    const Status settled =
        SettleInterlacing(Path(name), *info, PlanOptions{}, std::chrono::seconds(60), [] { return false; });
    EXPECT_TRUE(settled.ok()) << settled.ToString();
    return *info;
  }

  // Inspects and transcodes `name` with `preset` into out-<name>/.
  TranscodeResult Run(const std::string& name, Preset preset, MediaInfo* probed = nullptr) {
    const MediaInfo info = Inspect(name);
    if (probed) *probed = info;
    TranscodeOptions o;
    o.plan.x264_preset = "ultrafast";
    auto r = Transcode(Path(name), info, TranscodeSpec{.preset = preset}, Out(name), o);
    EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    return r.ok() ? *r : TranscodeResult{};
  }

  fs::path Out(const std::string& name) const { return Path("out-" + name); }

  std::unique_ptr<TempDir> dir_;
};

// idet's multi-frame counts over a whole file.
IdetCounts Idet(const fs::path& file) {
  ProcessSpec spec{.argv = {"ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-i", file.string(), "-map", "0:v:0",
                            "-vf", "idet", "-f", "null", "-"}};
  auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::seconds(60)});
  EXPECT_TRUE(r.ok() && r->success());
  const auto c = r.ok() ? ParseIdet(r->err) : std::nullopt;
  EXPECT_TRUE(c.has_value()) << (r.ok() ? r->err : "");
  return c.value_or(IdetCounts{});
}

// The sum of a media playlist's EXTINF durations.
double PlaylistSeconds(const fs::path& playlist) {
  double total = 0;
  for (const std::string& d : testing::ExtinfDurations(*ReadFile(playlist))) total += std::stod(d);
  return total;
}

double Rate(const std::string& s) {
  const auto slash = s.find('/');
  if (slash == std::string::npos) return 0;
  const double den = std::stod(s.substr(slash + 1));
  return den > 0 ? std::stod(s.substr(0, slash)) / den : 0;
}

// A 2 s 10-bit HEVC clip flagged BT.2020 with `transfer`, as phones record HDR.
std::vector<std::string> HdrClip(const std::string& transfer, const fs::path& out) {
  return {"-f",
          "lavfi",
          "-i",
          "testsrc2=s=640x360:d=2:r=25",
          "-f",
          "lavfi",
          "-i",
          "sine=d=2",
          "-c:v",
          "libx265",
          "-preset",
          "ultrafast",
          "-pix_fmt",
          "yuv420p10le",
          "-x265-params",
          "log-level=error:colorprim=bt2020:transfer=" + transfer + ":colormatrix=bt2020nc",
          "-color_primaries",
          "bt2020",
          "-color_trc",
          transfer,
          "-colorspace",
          "bt2020nc",
          "-tag:v",
          "hvc1",
          "-c:a",
          "aac",
          "-shortest",
          out.string()};
}

TEST_F(FfmpegMediaKinds, HdrPqAndHlgComeOutSdrBt709) {
  for (const std::string transfer : {"smpte2084", "arib-std-b67"}) {
    const std::string name = transfer + ".mp4";
    Make(HdrClip(transfer, Path(name)));
    MediaInfo info;
    const TranscodeResult r = Run(name, Preset::kHlsAdaptive, &info);
    ASSERT_TRUE(info.has_video());
    EXPECT_TRUE(info.video[0].is_hdr()) << transfer;
    const json v = FirstStream(Out(name) / "360p" / "seg_00000.ts", "video");
    EXPECT_EQ(v.value("codec_name", ""), "h264") << transfer;
    EXPECT_EQ(v.value("pix_fmt", ""), "yuv420p") << transfer;
    EXPECT_EQ(v.value("color_transfer", ""), "bt709") << transfer;
    EXPECT_EQ(v.value("color_primaries", ""), "bt709") << transfer;
    EXPECT_EQ(v.value("color_space", ""), "bt709") << transfer;
    EXPECT_NEAR(PlaylistSeconds(Out(name) / "360p" / "index.m3u8"), 2.0, 0.2) << transfer;
    EXPECT_EQ(FirstStream(Out(name) / "audio" / "seg_00000.ts", "audio").value("codec_name", ""), "aac");
    EXPECT_EQ(FirstStream(Out(name) / kPosterFile, "video").value("codec_name", ""), "mjpeg") << transfer;
    // The default preset never copies HDR: an SDR MP4.
    const TranscodeResult d = Run(name, Preset::kDefault);
    EXPECT_FALSE(d.copied) << transfer;
    EXPECT_EQ(FirstStream(Out(name) / kDefaultVideo, "video").value("color_transfer", ""), "bt709") << transfer;
  }
}

// 3 s of a zooming Mandelbrot set, interlaced top field first at 25 frames
// (50 fields) a second; `flagged` says so in the stream (H.264 in MP4),
// else the stream is silent about it (MJPEG in AVI: field order unknown).
// The source is deterministic (lavfi's gradients is not, and some of its
// random colourings are too flat for idet to see the fields at all).
std::vector<std::string> InterlacedClip(bool flagged, const fs::path& out) {
  std::vector<std::string> a{"-f",  "lavfi",
                             "-i",  "mandelbrot=s=720x576:r=50",
                             "-f",  "lavfi",
                             "-i",  "sine=d=3",
                             "-vf", "tinterlace=mode=interleave_top,setfield=tff",
                             "-r",  "25",
                             "-t",  "3"};
  if (flagged) {
    a.insert(a.end(), {"-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-flags", "+ildct+ilme", "-x264opts",
                       "tff=1", "-c:a", "aac"});
  } else {
    a.insert(a.end(), {"-c:v", "mjpeg", "-q:v", "3", "-c:a", "pcm_s16le"});
  }
  a.insert(a.end(), {"-shortest", out.string()});
  return a;
}

TEST_F(FfmpegMediaKinds, InterlacedComesOutProgressiveAtTheFieldRate) {
  for (const bool flagged : {true, false}) {
    const std::string name = flagged ? "flagged.mp4" : "silent.avi";
    Make(InterlacedClip(flagged, Path(name)));
    const IdetCounts in = Idet(Path(name));
    ASSERT_TRUE(LooksInterlaced(in)) << name << ": the input is not interlaced (tff " << in.tff << ")";
    MediaInfo info;
    const TranscodeResult r = Run(name, Preset::kHls, &info);
    ASSERT_TRUE(info.has_video());
    EXPECT_EQ(info.video[0].field_order_known(), flagged) << name << ": " << info.video[0].field_order;
    EXPECT_TRUE(info.video[0].interlaced) << name;
    ASSERT_EQ(r.rungs.size(), 1u);
    const fs::path segment = Out(name) / r.rungs[0].name / "seg_00000.ts";
    const json v = FirstStream(segment, "video");
    EXPECT_NEAR(Rate(v.value("avg_frame_rate", "")), 50, 0.01) << name;  // one frame per field
    const IdetCounts out = Idet(Out(name) / r.rungs[0].name / "index.m3u8");
    const int decided = out.tff + out.bff + out.progressive;
    EXPECT_GE(out.progressive * 10, decided * 9)
        << name << ": output tff " << out.tff << " bff " << out.bff << " progressive " << out.progressive;
    EXPECT_NEAR(PlaylistSeconds(Out(name) / r.rungs[0].name / "index.m3u8"), 3.0, 0.2) << name;
  }
}

TEST_F(FfmpegMediaKinds, ProgressiveSourcesAreNotDeinterlaced) {
  // MJPEG says nothing of its field order, so it is sampled; testsrc2 fools
  // idet (it calls 80% of these frames interlaced) but not the decision.
  Make({"-f", "lavfi", "-i", "testsrc2=s=640x360:d=2:r=25", "-c:v", "mjpeg", Path("progressive.avi").string()});
  MediaInfo info;
  const TranscodeResult r = Run("progressive.avi", Preset::kHls, &info);
  ASSERT_TRUE(info.has_video());
  EXPECT_FALSE(info.video[0].field_order_known()) << info.video[0].field_order;
  EXPECT_FALSE(info.video[0].interlaced);
  ASSERT_EQ(r.rungs.size(), 1u);
  const json v = FirstStream(Out("progressive.avi") / r.rungs[0].name / "seg_00000.ts", "video");
  EXPECT_NEAR(Rate(v.value("avg_frame_rate", "")), 25, 0.01);
}

TEST_F(FfmpegMediaKinds, AnamorphicKeepsItsDisplayAspectWithSquarePixels) {
  // DVD-style NTSC widescreen: 720x480 pixels shown at 16:9.
  Make({"-f", "lavfi", "-i", "testsrc2=s=720x480:d=2:r=30000/1001", "-vf", "setsar=32/27", "-c:v", "libx264", "-preset",
        "ultrafast", Path("dvd.mp4").string()});
  const TranscodeResult r = Run("dvd.mp4", Preset::kHlsAdaptive);
  ASSERT_FALSE(r.rungs.empty());
  for (const Rung& rung : r.rungs) {
    const json v = FirstStream(Out("dvd.mp4") / rung.name / "seg_00000.ts", "video");
    const int w = v.value("width", 0), h = v.value("height", 1);
    EXPECT_NEAR(static_cast<double>(w) / h, 16.0 / 9.0, 0.01) << rung.name << ": " << w << "x" << h;
    const std::string sar = v.value("sample_aspect_ratio", "1:1");
    EXPECT_TRUE(sar == "1:1" || sar.empty()) << rung.name << ": " << sar;
  }
  EXPECT_EQ(r.rungs.back().width, 854);
  EXPECT_EQ(r.rungs.back().height, 480);
  const json poster = FirstStream(Out("dvd.mp4") / kPosterFile, "video");  // a JPEG has no pixel aspect: square it
  EXPECT_NEAR(poster.value("width", 0) / static_cast<double>(poster.value("height", 1)), 16.0 / 9.0, 0.01)
      << poster.dump();
}

struct AudioKind {
  const char* file;
  std::vector<std::string> codec;
};

TEST_F(FfmpegMediaKinds, AudioOnlyFilesMakeAnAudioRendition) {
  const std::vector<AudioKind> kinds = {{"song.mp3", {"-c:a", "libmp3lame"}},
                                        {"voice.m4a", {"-c:a", "aac"}},
                                        {"take.wav", {"-c:a", "pcm_s16le"}},
                                        {"master.flac", {"-c:a", "flac"}},
                                        {"call.opus", {"-c:a", "libopus"}}};
  for (const AudioKind& k : kinds) {
    std::vector<std::string> args{"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:d=3", "-ac", "2"};
    args.insert(args.end(), k.codec.begin(), k.codec.end());
    args.push_back(Path(k.file).string());
    Make(args);
    MediaInfo info;
    const TranscodeResult r = Run(k.file, Preset::kHlsAdaptive, &info);
    EXPECT_TRUE(info.audio_only()) << k.file;
    EXPECT_TRUE(r.audio_only) << k.file;
    ASSERT_EQ(r.master_playlist, fs::path(kMasterPlaylist)) << k.file;
    const std::string master = *ReadFile(Out(k.file) / kMasterPlaylist);
    EXPECT_NE(master.find("CODECS=\"mp4a.40.2\"\naudio/index.m3u8"), std::string::npos) << k.file << "\n" << master;
    EXPECT_EQ(master.find("RESOLUTION="), std::string::npos) << master;
    const fs::path playlist = Out(k.file) / "audio" / "index.m3u8";
    EXPECT_NEAR(PlaylistSeconds(playlist), 3.0, 0.2) << k.file;
    EXPECT_EQ(StreamTypes(Out(k.file) / "audio" / "seg_00000.ts"), std::vector<std::string>{"audio"}) << k.file;
    EXPECT_EQ(FirstStream(Out(k.file) / "audio" / "seg_00000.ts", "audio").value("codec_name", ""), "aac");
    const RunResult decode = RunFfmpeg({"-i", playlist.string(), "-f", "null", "-"});
    EXPECT_TRUE(decode.success()) << k.file << ": " << decode.err;
    EXPECT_FALSE(fs::exists(Out(k.file) / kPosterFile)) << k.file;
    EXPECT_TRUE(r.poster.empty());
  }
  // The other presets: one faststart audio.m4a (copied when it is AAC in MP4 already).
  const TranscodeResult web = Run("song.mp3", Preset::kWebOptimized);
  EXPECT_EQ(StreamTypes(Out("song.mp3") / kAudioFile), std::vector<std::string>{"audio"});
  EXPECT_FALSE(web.copied);
  const TranscodeResult copied = Run("voice.m4a", Preset::kDefault);
  EXPECT_TRUE(copied.copied);
  EXPECT_NEAR(std::stod(Ffprobe(Out("voice.m4a") / kAudioFile)["format"].value("duration", "0")), 3.0, 0.2);
  // cmaf: the audio rendition in fMP4 and a DASH manifest with one audio AdaptationSet.
  const TranscodeResult cmaf = Run("song.mp3", Preset::kCmaf);
  EXPECT_TRUE(cmaf.audio_only);
  ASSERT_EQ(cmaf.dash_manifest, fs::path(kDashManifest));
  EXPECT_EQ(StreamTypes(Out("song.mp3") / kDashManifest), std::vector<std::string>{"audio"});
  EXPECT_NEAR(std::stod(Ffprobe(Out("song.mp3") / kDashManifest)["format"].value("duration", "0")), 3.0, 0.2);
  EXPECT_TRUE(fs::exists(Out("song.mp3") / "audio" / "audio_init.mp4"));
}

TEST_F(FfmpegMediaKinds, NeitherAudioNorVideoIsRefused) {
  // A Matroska file that holds only subtitles.
  ASSERT_TRUE(WriteFileAtomic(Path("subs.srt"), "1\n00:00:00,000 --> 00:00:01,000\nhello\n").ok());
  Make({"-i", Path("subs.srt").string(), "-c:s", "srt", Path("subs.mkv").string()});
  auto info = Probe(Path("subs.mkv"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const Status s = Validate(*info, Limits{});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("no audio or video stream"), std::string::npos) << s.message();
}

TEST_F(FfmpegMediaKinds, TheDefaultAudioTrackIsKeptAndCoverArtIsNotTheVideo) {
  // A mono commentary track first, the stereo programme second and marked default.
  Make({"-f",
        "lavfi",
        "-i",
        "testsrc2=s=640x360:d=2:r=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=300:d=2",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=900:d=2",
        "-filter_complex",
        "[2:a]pan=stereo|c0=c0|c1=c0[st]",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-map",
        "[st]",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-ac:a:0",
        "1",
        "-disposition:a:0",
        "0",
        "-disposition:a:1",
        "default",
        Path("tracks.mkv").string()});
  MediaInfo info;
  Run("tracks.mkv", Preset::kHls, &info);
  ASSERT_EQ(info.audio.size(), 2u);
  EXPECT_EQ(info.main_audio(), 1);
  EXPECT_EQ(FirstStream(Out("tracks.mkv") / "audio" / "seg_00000.ts", "audio").value("channels", 0), 2);

  // An MP3 with its album cover: audio-only, the picture is not a video.
  Make({"-f",
        "lavfi",
        "-i",
        "sine=d=2",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=300x300:d=1",
        "-frames:v",
        "1",
        "-map",
        "0:a",
        "-map",
        "1:v",
        "-c:a",
        "libmp3lame",
        "-c:v",
        "mjpeg",
        "-disposition:v",
        "attached_pic",
        "-id3v2_version",
        "3",
        Path("album.mp3").string()});
  MediaInfo album;
  const TranscodeResult r = Run("album.mp3", Preset::kHlsAdaptive, &album);
  EXPECT_TRUE(album.audio_only());
  EXPECT_EQ(album.other_streams, 1);
  EXPECT_TRUE(r.audio_only);
}

}  // namespace
}  // namespace tcoder::worker
