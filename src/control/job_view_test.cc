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
}

}  // namespace
}  // namespace tcoder::control
