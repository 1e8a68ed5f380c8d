#include "worker/ffmpeg_plan.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tcoder::worker {
namespace {

MediaInfo Clip(bool audio = true) {
  MediaInfo m;
  m.container = "mov,mp4,m4a,3gp,3g2,mj2";
  m.duration_s = 20;
  m.video.push_back(VideoStream{.codec = "h264", .width = 1280, .height = 720, .fps = 30, .pix_fmt = "yuv420p"});
  if (audio) m.audio.push_back(AudioStream{.codec = "aac", .channels = 6, .sample_rate = 48000});
  return m;
}

// The value after the first `flag` in argv, or "" when absent.
std::string After(const std::vector<std::string>& argv, std::string_view flag) {
  auto it = std::find(argv.begin(), argv.end(), flag);
  return it != argv.end() && it + 1 != argv.end() ? *(it + 1) : "";
}

std::size_t Count(const std::vector<std::string>& argv, std::string_view flag) {
  return static_cast<std::size_t>(std::count(argv.begin(), argv.end(), flag));
}

std::size_t IndexOf(const std::vector<std::string>& argv, std::string_view flag) {
  return static_cast<std::size_t>(std::find(argv.begin(), argv.end(), flag) - argv.begin());
}

FfmpegPlan Plan(const MediaInfo& m, TranscodeSpec job, PlanOptions o = {}) {
  auto p = PlanTranscode("/in/video.mp4", m, job, o);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : FfmpegPlan{};
}

TEST(FfmpegPlan, PlanRestrictsTheInputBeforeDashI) {
  const FfmpegPlan p = Plan(Clip(), TranscodeSpec{});
  const auto& a = p.argv;
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a[0], "ffmpeg");
  EXPECT_EQ(After(a, "-protocol_whitelist"), "file");
  EXPECT_EQ(After(a, "-format_whitelist"), kAllowedDemuxers);
  EXPECT_EQ(After(a, "-max_pixels"), std::to_string(3840 * 2160));
  EXPECT_EQ(After(a, "-i"), "file:/in/video.mp4");
  EXPECT_EQ(After(a, "-progress"), "pipe:1");
  EXPECT_LT(IndexOf(a, "-protocol_whitelist"), IndexOf(a, "-i"));
  EXPECT_LT(IndexOf(a, "-max_pixels"), IndexOf(a, "-i"));
  EXPECT_EQ(Count(a, "-i"), 1u);
  EXPECT_EQ(Count(a, "-nostdin"), 1u);
}

TEST(FfmpegPlan, PlanHlsAdaptiveEncodesTheLadderInOneRun) {
  const FfmpegPlan p = Plan(Clip(), TranscodeSpec{.preset = Preset::kHlsAdaptive});
  const auto& a = p.argv;
  ASSERT_EQ(p.rungs.size(), 3u);  // 360p 480p 720p from a 720p source
  EXPECT_EQ(After(a, "-filter_complex"),
            "[0:v:0]split=3[s0][s1][s2];[s0]scale=w=640:h=360,setsar=1,format=yuv420p[v0];"
            "[s1]scale=w=854:h=480,setsar=1,format=yuv420p[v1];[s2]scale=w=1280:h=720,setsar=1,format=yuv420p[v2]");
  // The audio is its own rendition, encoded once, in the group every variant names.
  EXPECT_EQ(After(a, "-var_stream_map"),
            "v:0,agroup:audio,name:360p v:1,agroup:audio,name:480p v:2,agroup:audio,name:720p "
            "a:0,agroup:audio,name:audio,default:yes");
  ASSERT_TRUE(p.audio_group.has_value());
  EXPECT_EQ(p.audio_group->name, "audio");
  EXPECT_EQ(p.audio_group->audio_kbps, 128);                             // the top rung's, at most 128
  for (const Rung& r : p.rungs) EXPECT_EQ(r.audio_kbps, 128) << r.name;  // BANDWIDTH counts it
  EXPECT_EQ(After(a, "-master_pl_name"), "master.m3u8");
  EXPECT_EQ(After(a, "-hls_segment_filename"), "%v/seg_%05d.ts");
  EXPECT_EQ(After(a, "-hls_playlist_type"), "vod");
  EXPECT_EQ(a.back(), "%v/index.m3u8");
  EXPECT_EQ(Count(a, "0:a:0"), 1u);
  EXPECT_EQ(After(a, "-b:a:0"), "128k");
  EXPECT_EQ(Count(a, "-b:a:1"), 0u);
  EXPECT_EQ(After(a, "-crf:v:2"), "23");  // capped constant quality
  EXPECT_EQ(After(a, "-maxrate:v:2"), "2996k");
  EXPECT_EQ(After(a, "-bufsize:v:2"), "4200k");
  EXPECT_EQ(Count(a, "-b:v:2"), 0u);
  const FfmpegPlan abr = Plan(Clip(), TranscodeSpec{}, PlanOptions{.rate_control = RateControl::kBitrate});
  EXPECT_EQ(After(abr.argv, "-b:v:2"), "2800k");
  EXPECT_EQ(After(abr.argv, "-maxrate:v:2"), "2996k");
  EXPECT_EQ(Count(abr.argv, "-crf:v:2"), 0u);
  EXPECT_EQ(After(a, "-profile:v:0"), "main");
  EXPECT_EQ(After(a, "-ac:a:0"), "2");  // 5.1 is downmixed
  EXPECT_EQ(After(a, "-g"), "60");      // 2 s at 30 fps, the same for every rendition
  EXPECT_EQ(After(a, "-keyint_min"), "60");
  EXPECT_EQ(After(a, "-sc_threshold"), "0");
  EXPECT_EQ(After(a, "-force_key_frames"), "expr:gte(t,n_forced*2)");
  EXPECT_EQ(After(a, "-preset"), "veryfast");
  EXPECT_FALSE(After(a, "-fs").empty());
}

TEST(FfmpegPlan, PlanCmafWritesTheLadderInFmp4SegmentsWithInitSegments) {
  const FfmpegPlan p = Plan(Clip(), TranscodeSpec{.preset = Preset::kCmaf});
  const FfmpegPlan hls = Plan(Clip(), TranscodeSpec{.preset = Preset::kHlsAdaptive});
  const auto& a = p.argv;
  ASSERT_EQ(p.rungs.size(), 3u);  // hls-adaptive's ladder
  EXPECT_EQ(After(a, "-filter_complex"), After(hls.argv, "-filter_complex"));
  EXPECT_EQ(After(a, "-var_stream_map"), After(hls.argv, "-var_stream_map"));
  ASSERT_TRUE(p.audio_group.has_value());
  EXPECT_EQ(After(a, "-hls_segment_type"), "fmp4");
  EXPECT_EQ(After(a, "-hls_fmp4_init_filename"), "%v_init.mp4");
  EXPECT_EQ(After(a, "-hls_segment_filename"), "%v/seg_%05d.m4s");
  EXPECT_EQ(After(hls.argv, "-hls_segment_type"), "mpegts");
  EXPECT_EQ(Count(hls.argv, "-hls_fmp4_init_filename"), 0u);
  EXPECT_EQ(After(a, "-g"), "60");
  EXPECT_EQ(a.back(), "%v/index.m3u8");
  MediaInfo audio_only;
  audio_only.container = "mp3";
  audio_only.duration_s = 10;
  audio_only.audio.push_back(AudioStream{.codec = "mp3", .channels = 2, .sample_rate = 44100});
  const FfmpegPlan q = Plan(audio_only, TranscodeSpec{.preset = Preset::kCmaf});
  EXPECT_TRUE(q.audio_only);
  EXPECT_FALSE(q.copy);
  EXPECT_EQ(After(q.argv, "-hls_segment_type"), "fmp4");
  EXPECT_EQ(After(q.argv, "-var_stream_map"), "a:0,name:audio");
  // One rendition: FFmpeg leaves "%v" of the init segment's name as it is, so it is named.
  EXPECT_EQ(After(q.argv, "-hls_fmp4_init_filename"), "audio_init.mp4");
  const FfmpegPlan silent = Plan(Clip(false), TranscodeSpec{.preset = Preset::kCmaf, .qualities = {"480p"}});
  EXPECT_EQ(After(silent.argv, "-hls_fmp4_init_filename"), "480p_init.mp4");
}

TEST(FfmpegPlan, PlanWithoutAudioMapsNoAudio) {
  const FfmpegPlan p = Plan(Clip(false), TranscodeSpec{.preset = Preset::kHls, .qualities = {"480p"}});
  EXPECT_FALSE(p.with_audio);
  EXPECT_EQ(Count(p.argv, "0:a:0"), 0u);
  EXPECT_EQ(After(p.argv, "-var_stream_map"), "v:0,name:480p");
  EXPECT_FALSE(p.audio_group.has_value());
}

TEST(FfmpegPlan, PlanCapsHighFrameRates) {
  MediaInfo m = Clip();
  m.video[0].fps = 120;
  const FfmpegPlan p = Plan(m, TranscodeSpec{.preset = Preset::kHls});
  EXPECT_EQ(After(p.argv, "-filter_complex").rfind("[0:v:0]fps=60,split=1", 0), 0u);
  EXPECT_EQ(After(p.argv, "-g"), "120");
}

TEST(FfmpegPlan, PlanWebOptimizedWritesOneFaststartMp4PerQuality) {
  PlanOptions o;
  o.threads = 2;
  o.x264_preset = "faster";
  const FfmpegPlan p = Plan(Clip(), TranscodeSpec{.preset = Preset::kWebOptimized, .qualities = {"360p", "720p"}}, o);
  const auto& a = p.argv;
  EXPECT_EQ(Count(a, "+faststart"), 2u);
  EXPECT_EQ(Count(a, "-fs"), 2u);
  EXPECT_NE(std::find(a.begin(), a.end(), "360p.mp4"), a.end());
  EXPECT_EQ(a.back(), "720p.mp4");
  EXPECT_EQ(After(a, "-threads"), "2");
  EXPECT_EQ(After(a, "-preset"), "faster");
}

TEST(FfmpegPlan, PlanDefaultCopiesWhatMp4CanHold) {
  FfmpegPlan p = Plan(Clip(), TranscodeSpec{.preset = Preset::kDefault});
  EXPECT_TRUE(p.copy);
  EXPECT_EQ(After(p.argv, "-c"), "copy");
  EXPECT_EQ(p.argv.back(), "video.mp4");
  EXPECT_EQ(Count(p.argv, "-filter_complex"), 0u);
  MediaInfo vp9 = Clip();
  vp9.container = "matroska,webm";
  vp9.video[0].codec = "vp9";
  p = Plan(vp9, TranscodeSpec{.preset = Preset::kDefault});
  EXPECT_FALSE(p.copy);
  EXPECT_EQ(After(p.argv, "-c:v"), "libx264");
  EXPECT_EQ(p.argv.back(), "video.mp4");
  MediaInfo opus = Clip();
  opus.audio[0].codec = "opus";
  EXPECT_FALSE(CanCopy(opus));
  MediaInfo mkv = Clip();
  mkv.container = "matroska,webm";
  EXPECT_FALSE(CanCopy(mkv));
}

TEST(FfmpegPlan, PlanRefusesInputsWithoutStreamsAndUnknownQualities) {
  MediaInfo m = Clip();
  m.video.clear();
  m.audio.clear();
  EXPECT_EQ(PlanTranscode("/in", m, TranscodeSpec{}, {}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(PlanTranscode("/in", Clip(), TranscodeSpec{.qualities = {"8k"}}, {}).status().code(),
            Code::kInvalidArgument);
}

TEST(FfmpegPlan, PlanDeinterlacesAtTheFieldRateWithinTheCap) {
  MediaInfo m = Clip();
  m.video[0].interlaced = true;
  m.video[0].fps = 25;  // 25i: 50 fields a second
  const FfmpegPlan p = Plan(m, TranscodeSpec{.preset = Preset::kHls});
  EXPECT_TRUE(After(p.argv, "-filter_complex").starts_with("[0:v:0]bwdif=mode=send_field:parity=auto:deint=all,split="))
      << After(p.argv, "-filter_complex");
  EXPECT_EQ(After(p.argv, "-g"), "100");  // 2 s at 50p
  m.video[0].fps = 50;                    // 50i would make 100p: one frame per frame instead
  const FfmpegPlan q = Plan(m, TranscodeSpec{.preset = Preset::kHls});
  EXPECT_NE(After(q.argv, "-filter_complex").find("bwdif=mode=send_frame"), std::string::npos);
  EXPECT_EQ(After(q.argv, "-g"), "100");
  m.video[0].interlaced = false;
  EXPECT_EQ(Plan(m, TranscodeSpec{}).argv.size(), Plan(Clip(), TranscodeSpec{}).argv.size());
  EXPECT_EQ(After(Plan(m, TranscodeSpec{}).argv, "-filter_complex").find("bwdif"), std::string::npos);
}

TEST(FfmpegPlan, PlanToneMapsHdrToSdrAndSaysSo) {
  MediaInfo m = Clip();
  m.video[0].codec = "hevc";
  m.video[0].pix_fmt = "yuv420p10le";
  m.video[0].color_transfer = "arib-std-b67";
  m.video[0].color_primaries = "bt2020";
  m.video[0].color_space = "bt2020nc";
  const FfmpegPlan p = Plan(m, TranscodeSpec{.preset = Preset::kHlsAdaptive});
  const std::string graph = After(p.argv, "-filter_complex");
  EXPECT_NE(graph.find("zscale=w=1280:h=720:tin=arib-std-b67:min=bt2020nc:pin=bt2020:rin=tv:t=linear"),
            std::string::npos)
      << graph;
  EXPECT_NE(graph.find("tonemap=tonemap=hable"), std::string::npos) << graph;
  EXPECT_LT(graph.find("tonemap"), graph.find("split="));  // once, before the rungs
  EXPECT_EQ(After(p.argv, "-color_primaries"), "bt709");
  EXPECT_EQ(After(p.argv, "-color_trc"), "bt709");
  EXPECT_EQ(After(p.argv, "-colorspace"), "bt709");
  m.video[0].color_transfer = "smpte2084";
  m.video[0].color_space = "not-a-matrix";  // only known names reach the filter graph
  const std::string pq = After(Plan(m, TranscodeSpec{}).argv, "-filter_complex");
  EXPECT_NE(pq.find("tin=smpte2084:min=bt2020nc"), std::string::npos) << pq;
  EXPECT_FALSE(CanCopy(m));  // default preset: encoded to SDR, never copied
  EXPECT_EQ(After(Plan(Clip(), TranscodeSpec{}).argv, "-color_trc"), "");
}

TEST(FfmpegPlan, PlanGivesAnamorphicSourcesSquarePixelsAtTheirDisplayAspect) {
  MediaInfo m = Clip();
  m.video[0].width = 720;
  m.video[0].height = 480;
  m.video[0].sar_num = 32;
  m.video[0].sar_den = 27;
  const FfmpegPlan p = Plan(m, TranscodeSpec{.preset = Preset::kHlsAdaptive});
  ASSERT_FALSE(p.rungs.empty());
  EXPECT_EQ(p.rungs.back().width, 854);  // 16:9, not 3:2
  EXPECT_EQ(p.rungs.back().height, 480);
  EXPECT_NE(After(p.argv, "-filter_complex").find("scale=w=854:h=480,setsar=1"), std::string::npos);
}

TEST(FfmpegPlan, PlanTakesTheDefaultAudioTrack) {
  MediaInfo m = Clip();
  m.audio.push_back(AudioStream{.codec = "aac", .channels = 2, .sample_rate = 48000, .is_default = true});
  const FfmpegPlan p = Plan(m, TranscodeSpec{.preset = Preset::kHls});
  EXPECT_EQ(Count(p.argv, "0:a:1"), 1u);
  EXPECT_EQ(Count(p.argv, "-ac:a:0"), 0u);  // the default track is stereo
  m.audio[1].is_default = false;            // none marked: the first
  EXPECT_EQ(Count(Plan(m, TranscodeSpec{.preset = Preset::kHls}).argv, "0:a:0"), 1u);
}

TEST(FfmpegPlan, PlanAudioOnlyMakesOneAacRendition) {
  MediaInfo m = Clip();
  m.video.clear();
  m.container = "mp3";
  m.audio[0].codec = "mp3";
  const FfmpegPlan hls = Plan(m, TranscodeSpec{.preset = Preset::kHlsAdaptive});
  EXPECT_TRUE(hls.audio_only);
  ASSERT_EQ(hls.rungs.size(), 1u);
  EXPECT_EQ(hls.rungs[0].name, "audio");
  EXPECT_EQ(After(hls.argv, "-map"), "0:a:0");
  EXPECT_EQ(After(hls.argv, "-c:a"), "aac");
  EXPECT_EQ(After(hls.argv, "-ac"), "2");  // 5.1 downmixed
  EXPECT_EQ(After(hls.argv, "-var_stream_map"), "a:0,name:audio");
  EXPECT_EQ(Count(hls.argv, "-filter_complex"), 0u);
  const FfmpegPlan web = Plan(m, TranscodeSpec{.preset = Preset::kWebOptimized});
  EXPECT_EQ(web.argv.back(), kAudioFile);
  EXPECT_FALSE(web.copy);
  m.container = "mov,mp4,m4a,3gp,3g2,mj2";
  m.audio[0].codec = "aac";
  const FfmpegPlan copy = Plan(m, TranscodeSpec{.preset = Preset::kDefault});
  EXPECT_TRUE(copy.copy);
  EXPECT_EQ(After(copy.argv, "-c:a"), "copy");
}

TEST(FfmpegPlan, IdetSamplesTheFirstVideoStreamAtTheInfoLevel) {
  const auto a = PlanIdet("/in/video.mp4", Clip(), PlanOptions{});
  EXPECT_EQ(After(a, "-v"), "info");
  EXPECT_EQ(After(a, "-format_whitelist"), kAllowedDemuxers);
  EXPECT_EQ(After(a, "-ss"), std::to_string(2.0));
  EXPECT_LT(IndexOf(a, "-ss"), IndexOf(a, "-i"));
  EXPECT_EQ(After(a, "-frames:v"), std::to_string(kIdetFrames));
  EXPECT_EQ(After(a, "-vf"), "idet");
  EXPECT_EQ(a.back(), "-");
}

TEST(FfmpegPlan, DownloadTakesTheNamedRungElseTheTallestNotTaller) {
  const FfmpegPlan p = Plan(Clip(), TranscodeSpec{.preset = Preset::kHlsAdaptive});  // 360p 480p 720p
  EXPECT_EQ(DownloadRung(p.rungs, "480p").name, "480p");
  EXPECT_EQ(DownloadRung(p.rungs, "top").name, "720p");
  EXPECT_EQ(DownloadRung(p.rungs, "1080p").name, "720p");  // not made: the tallest below
  EXPECT_EQ(DownloadRung(p.rungs, "144p").name, "360p");   // below all: the lowest
  EXPECT_TRUE(CheckDownload("").ok());
  EXPECT_TRUE(CheckDownload("top").ok());
  EXPECT_TRUE(CheckDownload("1080p").ok());
  EXPECT_EQ(CheckDownload("best").code(), Code::kInvalidArgument);
  const auto a = PlanDownload(p.rungs[1], true, PlanOptions{});
  EXPECT_EQ(After(a, "-format_whitelist"), "hls,mpegts,mov");  // MPEG-TS or fMP4 (cmaf) segments
  EXPECT_EQ(After(a, "-protocol_whitelist"), "file");
  EXPECT_EQ(After(a, "-i"), "480p/index.m3u8");
  EXPECT_EQ(Count(a, "audio/index.m3u8"), 1u);
  EXPECT_EQ(After(a, "-c"), "copy");
  EXPECT_EQ(After(a, "-movflags"), "+faststart");
  EXPECT_EQ(a.back(), kDownloadFile);
  EXPECT_EQ(Count(PlanDownload(p.rungs[1], false, PlanOptions{}), "audio/index.m3u8"), 0u);
}

TEST(FfmpegPlan, PlanChecksTheWorkersOwnSettings) {
  EXPECT_TRUE(CheckPlanOptions(PlanOptions{}).ok());
  PlanOptions bad;
  bad.x264_preset = "turbo";
  EXPECT_EQ(CheckPlanOptions(bad).code(), Code::kInvalidArgument);
  EXPECT_EQ(PlanTranscode("/in", Clip(), TranscodeSpec{}, bad).status().code(),
            Code::kInternal);  // not the job's fault
  bad = PlanOptions{};
  bad.segment_s = 5;  // not a multiple of the 2 s keyframe interval
  EXPECT_EQ(CheckPlanOptions(bad).code(), Code::kInvalidArgument);
  bad = PlanOptions{};
  bad.crf = 52;
  EXPECT_EQ(CheckPlanOptions(bad).code(), Code::kInvalidArgument);
  bad = PlanOptions{};
  bad.max_pixels = 0;
  EXPECT_EQ(CheckPlanOptions(bad).code(), Code::kInvalidArgument);
}

TEST(FfmpegPlan, PosterTakesOneFrameAtATenthOfTheDuration) {
  const auto a = PlanPoster("/in/video.mp4", Clip(), PlanOptions{});
  EXPECT_EQ(After(a, "-ss"), "2.000000");
  EXPECT_LT(IndexOf(a, "-ss"), IndexOf(a, "-i"));  // input seeking: cheap
  EXPECT_EQ(After(a, "-frames:v"), "1");
  EXPECT_EQ(After(a, "-protocol_whitelist"), "file");
  EXPECT_EQ(a.back(), "poster.jpg");
  MediaInfo short_clip = Clip();
  short_clip.duration_s = 4;
  EXPECT_EQ(After(PlanPoster("/in", short_clip, {}), "-ss"), "1.000000");
  EXPECT_EQ(After(a, "-vf"), "scale=w=1280:h=720,setsar=1,format=yuvj420p");
}

TEST(FfmpegPlan, PosterIsMadeRightLikeTheRungs) {
  MediaInfo m = Clip();
  m.video[0].width = 720;
  m.video[0].height = 576;
  m.video[0].sar_num = 64;  // PAL 16:9
  m.video[0].sar_den = 45;
  m.video[0].interlaced = true;
  m.video[0].color_transfer = "smpte2084";
  const std::string vf = After(PlanPoster("/in", m, {}), "-vf");
  EXPECT_TRUE(vf.starts_with("bwdif=mode=send_frame")) << vf;
  EXPECT_NE(vf.find("zscale=w=1024:h=576:tin=smpte2084"), std::string::npos) << vf;
  EXPECT_TRUE(vf.ends_with("scale=w=1024:h=576,setsar=1,format=yuvj420p")) << vf;
}

}  // namespace
}  // namespace tcoder::worker
