#include "worker/probe.h"

#include <gtest/gtest.h>

namespace tcoder::worker {
namespace {

constexpr char kPhoneClip[] = R"({
  "streams": [
    {"index": 0, "codec_name": "h264", "codec_type": "video", "width": 1920, "height": 1080,
     "pix_fmt": "yuv420p", "avg_frame_rate": "30000/1001", "r_frame_rate": "30/1",
     "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]},
    {"index": 1, "codec_name": "aac", "codec_type": "audio", "sample_rate": "48000", "channels": 2},
    {"index": 2, "codec_name": "mjpeg", "codec_type": "video", "width": 300, "height": 300,
     "avg_frame_rate": "0/0", "disposition": {"default": 0, "attached_pic": 1}},
    {"index": 3, "codec_name": "mov_text", "codec_type": "subtitle"}
  ],
  "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "12.345000", "size": "3456789"}
})";

TEST(Probe, ProbeJsonParsesStreamsAndFormat) {
  auto info = ParseProbeJson(kPhoneClip);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->container, "mov,mp4,m4a,3gp,3g2,mj2");
  EXPECT_TRUE(info->is_mp4_family());
  EXPECT_DOUBLE_EQ(info->duration_s, 12.345);
  EXPECT_EQ(info->size_bytes, 3456789u);
  ASSERT_EQ(info->video.size(), 1u);  // cover art is not a video stream
  const VideoStream& v = info->video[0];
  EXPECT_EQ(v.codec, "h264");
  EXPECT_EQ(v.width, 1920);
  EXPECT_EQ(v.height, 1080);
  EXPECT_NEAR(v.fps, 29.97, 0.01);
  EXPECT_EQ(v.rotation, 270);
  EXPECT_EQ(v.display_width(), 1080);
  EXPECT_EQ(v.display_height(), 1920);
  EXPECT_EQ(v.pix_fmt, "yuv420p");
  ASSERT_EQ(info->audio.size(), 1u);
  EXPECT_EQ(info->audio[0].codec, "aac");
  EXPECT_EQ(info->audio[0].channels, 2);
  EXPECT_EQ(info->audio[0].sample_rate, 48000);
  EXPECT_EQ(info->other_streams, 2);
}

TEST(Probe, ProbeJsonToleratesOddValues) {
  auto info = ParseProbeJson(R"({"format": {"format_name": "matroska,webm", "duration": "N/A"},
    "streams": [{"codec_type": "video", "width": "wide", "height": -5, "avg_frame_rate": "1/0",
                 "tags": {"rotate": "180"}}, 42, {"codec_type": 7}]})");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_FALSE(info->is_mp4_family());
  EXPECT_EQ(info->duration_s, 0);
  ASSERT_EQ(info->video.size(), 1u);
  EXPECT_EQ(info->video[0].width, 0);
  EXPECT_EQ(info->video[0].height, 0);
  EXPECT_EQ(info->video[0].fps, 0);
  EXPECT_EQ(info->video[0].rotation, 180);
  EXPECT_EQ(info->other_streams, 1);
}

TEST(Probe, ProbeJsonReadsColourFieldOrderPixelAspectAndTheDefaultTrack) {
  auto info = ParseProbeJson(R"({"format": {"format_name": "mpegts", "duration": "10"},
    "streams": [{"codec_type": "video", "codec_name": "mpeg2video", "width": 720, "height": 576,
                 "sample_aspect_ratio": "64:45", "field_order": "tt", "color_transfer": "smpte2084",
                 "color_primaries": "bt2020", "color_space": "bt2020nc", "color_range": "tv"},
                {"codec_type": "audio", "codec_name": "mp2", "channels": 1, "disposition": {"default": 0}},
                {"codec_type": "audio", "codec_name": "ac3", "channels": 6, "disposition": {"default": 1}}]})");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const VideoStream& v = info->video.at(0);
  EXPECT_TRUE(v.is_hdr());
  EXPECT_EQ(v.color_primaries, "bt2020");
  EXPECT_EQ(v.color_space, "bt2020nc");
  EXPECT_TRUE(v.field_order_known());
  EXPECT_TRUE(v.interlaced);
  EXPECT_EQ(v.square_width(), 1024);  // 720 x 64/45
  EXPECT_EQ(v.display_width(), 1024);
  EXPECT_EQ(v.display_height(), 576);
  EXPECT_EQ(info->main_audio(), 1);
  EXPECT_FALSE(info->audio_only());

  auto odd = ParseProbeJson(R"({"format": {"format_name": "avi"},
    "streams": [{"codec_type": "video", "width": 640, "height": 480, "sample_aspect_ratio": "0:1",
                 "field_order": "unknown", "color_transfer": "bt709"},
                {"codec_type": "video", "width": 640, "height": 480, "sample_aspect_ratio": "1000:1",
                 "field_order": "progressive"}]})");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->video.at(0).display_width(), 640);  // unknown pixel aspect: square
  EXPECT_FALSE(odd->video[0].field_order_known());
  EXPECT_FALSE(odd->video[0].interlaced);
  EXPECT_FALSE(odd->video[0].is_hdr());
  EXPECT_EQ(odd->video.at(1).display_width(), 640);  // absurd pixel aspect: ignored
  EXPECT_TRUE(odd->video[1].field_order_known());
  EXPECT_EQ(odd->main_audio(), 0);

  auto song = ParseProbeJson(R"({"format": {"format_name": "mp3"}, "streams": [{"codec_type": "audio"}]})");
  ASSERT_TRUE(song.ok());
  EXPECT_TRUE(song->audio_only());
}

TEST(Probe, ProbeJsonRefusesMalformedOutput) {
  EXPECT_EQ(ParseProbeJson("{not json").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseProbeJson("[]").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseProbeJson("{}").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseProbeJson(R"({"format": 3})").status().code(), Code::kInvalidArgument);
}

TEST(Probe, ProbeOfMissingToolIsRetryable) {
  auto r = Probe("/nonexistent/input.mp4", ProbeOptions{.ffprobe = "/nonexistent/ffprobe"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
}

TEST(Probe, FileUrlIsAbsoluteAndLocal) {
  EXPECT_EQ(FileUrl("/a/b.mp4"), "file:/a/b.mp4");
  const std::string rel = FileUrl("-i.mp4");
  EXPECT_EQ(rel.rfind("file:/", 0), 0u) << rel;
}

}  // namespace
}  // namespace tcoder::worker
