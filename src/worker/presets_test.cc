#include "worker/presets.h"

#include <gtest/gtest.h>

namespace tcoder::worker {
namespace {

TEST(Presets, QualityTableIsOrderedAndConsistent) {
  const auto table = QualityTable();
  ASSERT_EQ(table.size(), 8u);
  for (std::size_t i = 0; i < table.size(); ++i) {
    const Quality& q = table[i];
    EXPECT_EQ(q.name, std::to_string(q.height) + "p");
    EXPECT_EQ(q.width % 2, 0) << q.name;
    EXPECT_GT(q.maxrate_kbps, q.video_kbps) << q.name;
    EXPECT_GT(q.bufsize_kbps, q.maxrate_kbps) << q.name;
    if (i > 0) {
      EXPECT_GT(q.height, table[i - 1].height);
      EXPECT_GT(q.video_kbps, table[i - 1].video_kbps);
    }
  }
  EXPECT_EQ(FindQuality("720p")->width, 1280);
  EXPECT_EQ(FindQuality("2160p")->height, 2160);
  EXPECT_EQ(FindQuality("721p"), nullptr);
  EXPECT_EQ(QualityAtLeast(600).name, "720p");
  EXPECT_EQ(QualityAtLeast(720).name, "720p");
  EXPECT_EQ(QualityAtLeast(5000).name, "2160p");
}

TEST(Presets, PresetNamesRoundTripAndUnknownOnesAreRefused) {
  for (const char* name : {"default", "web-optimized", "hls", "hls-adaptive", "cmaf"}) {
    auto p = ParsePreset(name);
    ASSERT_TRUE(p.ok()) << name;
    EXPECT_EQ(PresetName(*p), name);
    EXPECT_EQ(IsSegmented(*p), std::string_view(name).find("hls") == 0 || std::string_view(name) == "cmaf") << name;
  }
  auto bad = ParsePreset("hls; rm -rf /");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(CheckQualities({"360p", "2160p"}).ok());
  const Status s = CheckQualities({"360p", "4k"});
  EXPECT_NE(s.message().find("\"4k\""), std::string::npos) << s.message();
}

}  // namespace
}  // namespace tcoder::worker
