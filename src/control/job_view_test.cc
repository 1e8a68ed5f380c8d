#include "control/job_view.h"

#include <gtest/gtest.h>

namespace tcoder::control {
namespace {

TEST(JobView, KeysBecomeEdgeUrls) {
  state::Job job;
  job.id = "j_x";
  job.status = state::JobStatus::kCompleted;
  job.outputs = nlohmann::json::array({{{"quality", "720p"}, {"key", "public/j_x/3/720p/index.m3u8"}}});
  job.playlist_url = "public/j_x/3/master.m3u8";
  job.poster_url = "public/j_x/3/poster.jpg";
  auto j = RenderJob(job, "http://edge:8788/");
  EXPECT_EQ(j["outputs"][0]["url"], "http://edge:8788/public/j_x/3/720p/index.m3u8");
  EXPECT_EQ(j["playlistUrl"], "http://edge:8788/public/j_x/3/master.m3u8");
  EXPECT_EQ(j["posterUrl"], "http://edge:8788/public/j_x/3/poster.jpg");
  EXPECT_TRUE(RenderJob(state::Job{}, "http://e").at("playlistUrl").is_null());
  EXPECT_FALSE(j.contains("audioOnly"));
  EXPECT_FALSE(j.contains("dashUrl"));
}

TEST(JobView, ACmafJobShowsItsDashManifest) {
  state::Job job;
  job.id = "j_c";
  job.status = state::JobStatus::kCompleted;
  job.outputs =
      nlohmann::json::array({{{"quality", "audio"}, {"kind", "playlist"}, {"key", "public/j_c/1/audio/index.m3u8"}},
                             {{"quality", "dash"}, {"kind", "manifest"}, {"key", "public/j_c/1/manifest.mpd"}}});
  job.playlist_url = "public/j_c/1/master.m3u8";
  const auto j = RenderJob(job, "http://e");
  EXPECT_EQ(j.value("dashUrl", ""), "http://e/public/j_c/1/manifest.mpd");
  EXPECT_EQ(j.value("audioOnly", false), true);  // the manifest is not a rendition
  job.outputs = nlohmann::json::array({{{"quality", "dash"}, {"kind", "manifest"}, {"key", "k"}}});
  EXPECT_FALSE(RenderJob(job, "http://e").contains("audioOnly"));
}

TEST(JobView, AnAudioOnlyJobSaysSo) {
  state::Job job;
  job.id = "j_a";
  job.status = state::JobStatus::kCompleted;
  job.outputs = nlohmann::json::array(
      {{{"quality", "audio"}, {"kind", "playlist"}, {"key", "public/j_a/1/audio/index.m3u8"}, {"bandwidth", 128000}}});
  job.playlist_url = "public/j_a/1/master.m3u8";
  EXPECT_EQ(RenderJob(job, "http://e").value("audioOnly", false), true);
  job.outputs.push_back({{"quality", "720p"}, {"kind", "playlist"}, {"width", 1280}, {"key", "k"}});
  EXPECT_FALSE(RenderJob(job, "http://e").contains("audioOnly"));
}

}  // namespace
}  // namespace tcoder::control
