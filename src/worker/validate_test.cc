#include "worker/validate.h"

#include <gtest/gtest.h>

#include "worker/failure.h"

namespace tcoder::worker {
namespace {

MediaInfo OrdinaryClip() {
  MediaInfo m;
  m.container = "mov,mp4,m4a,3gp,3g2,mj2";
  m.duration_s = 10;
  m.size_bytes = 1 << 20;
  m.video.push_back(VideoStream{.codec = "h264", .width = 1280, .height = 720, .fps = 30, .pix_fmt = "yuv420p"});
  m.audio.push_back(AudioStream{.codec = "aac", .channels = 2, .sample_rate = 48000});
  return m;
}

void ExpectRefused(const MediaInfo& m, std::string_view part, const Limits& limits = {}) {
  const Status s = Validate(m, limits);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(IsPermanentFailure(s)) << s.ToString();
  EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
}

TEST(Validate, ValidateAcceptsAnOrdinaryClip) { EXPECT_TRUE(Validate(OrdinaryClip(), Limits{}).ok()); }

TEST(Validate, ValidateAcceptsPortraitAtTheLimit) {
  MediaInfo m = OrdinaryClip();
  m.video[0].width = 2160;
  m.video[0].height = 3840;
  m.video[0].fps = 120;
  m.duration_s = 4 * 3600;
  EXPECT_TRUE(Validate(m, Limits{}).ok());
}

TEST(Validate, ValidateAcceptsAudioOnlyButNotNothing) {
  MediaInfo m = OrdinaryClip();
  m.video.clear();
  EXPECT_TRUE(Validate(m, Limits{}).ok());
  m.audio.clear();
  ExpectRefused(m, "no audio or video stream");
  m = OrdinaryClip();
  m.video.clear();
  m.duration_s = 0;
  ExpectRefused(m, "no known duration");
}

TEST(Validate, ValidateRefusesEachLimitWithAReason) {
  MediaInfo m = OrdinaryClip();
  m.video.push_back(m.video[0]);
  ExpectRefused(m, "2 video streams");
  m = OrdinaryClip();
  m.audio.assign(9, m.audio[0]);
  ExpectRefused(m, "9 audio streams");
  m = OrdinaryClip();
  m.video[0].width = 7680;
  m.video[0].height = 4320;
  ExpectRefused(m, "7680x4320");
  m = OrdinaryClip();
  m.video[0].width = 0;
  ExpectRefused(m, "no picture size");
  m = OrdinaryClip();
  m.video[0].height = 8;
  ExpectRefused(m, "at least 16");
  m = OrdinaryClip();
  m.video[0].fps = 240;
  ExpectRefused(m, "240 fps");
  m = OrdinaryClip();
  m.duration_s = 4 * 3600 + 1;
  ExpectRefused(m, "14401 s long");
  m = OrdinaryClip();
  m.duration_s = 0;
  ExpectRefused(m, "no known duration");
  m = OrdinaryClip();
  m.size_bytes = (10ULL << 30) + 1;
  const Status s = Validate(m, Limits{});
  EXPECT_EQ(s.code(), Code::kTooLarge);
  EXPECT_TRUE(IsPermanentFailure(s));
}

TEST(Validate, ValidateUsesConfiguredLimits) {
  Limits small{.max_width = 640, .max_height = 360, .max_duration_s = 5};
  ExpectRefused(OrdinaryClip(), "at most 640x360", small);
  EXPECT_EQ(small.max_pixels(), 640 * 360);
}

TEST(Validate, FailureClassesSeparateBadInputFromOutages) {
  EXPECT_TRUE(IsPermanentFailure(InvalidArgument("bad")));
  EXPECT_TRUE(IsPermanentFailure(Status(Code::kTooLarge, "big")));
  EXPECT_FALSE(IsPermanentFailure(Unavailable("no ffprobe")));
  EXPECT_FALSE(IsPermanentFailure(Status(Code::kDeadlineExceeded, "slow")));
  EXPECT_FALSE(IsPermanentFailure(IOError("disk")));
}

}  // namespace
}  // namespace tcoder::worker
