// The whole pipeline on another S3 implementation: s3rver (npm, started by
// tests/s3rver/s3rver.mjs) holds the buckets; a real `tcoder control` with
// its local workers and a real `tcoder edge` point at it with --s3-endpoint;
// s3rver's object-created notifications reach POST /api/events/s3 in AWS's
// format (keys form-URL-encoded). An upload becomes a job through its event,
// an upload whose notification the store loses is found by the upload sweep
// (--upload-check-after, --upload-check-every), and a job whose input key
// holds spaces, '+' and UTF-8 (put with the aws CLI) completes and plays
// through the edge.
#include <gtest/gtest.h>

#include "common/file_util.h"
#include "common/process.h"
#include "control_support.h"
#include "ffmpeg_support.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kKey[] = "S3RVER";  // s3rver's access and secret key

int PortOf(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

TEST(ControlS3rver, ThePipelineRunsOnAnotherS3ImplementationAndPlaysThroughTheEdge) {
  const auto s3rver_dir = SourceDir() / "tests" / "s3rver";
  ASSERT_TRUE(std::filesystem::exists(s3rver_dir / "node_modules" / "s3rver"))
      << "tests/s3rver/node_modules is missing: ./test.sh installs it (scripts/npm.sh tests/s3rver)";
  auto dir = TempDir::Create("s3rver-test");
  ASSERT_TRUE(dir.ok());
  const auto clip = dir->path() / "clip.mp4";
  MakeClip(clip, "320x240", 2, /*audio=*/true);
  std::filesystem::create_directories(dir->path() / "store");

  ControlStack stack;  // no built-in store: its endpoint's port is s3rver's
  const int edge_port = FreePort();
  const std::string edge = "http://127.0.0.1:" + std::to_string(edge_port);
  stack.StartControl({"--s3-access-key", kKey, "--s3-secret-key", kKey, "--edge-url", edge, "--max-machines", "1",
                      "--upload-check-after", "5s", "--upload-check-every", "1s", "--tick", "200ms",
                      "--worker-log-level", "warn"});
  ServerProcess store(
      {.argv = {"node", (s3rver_dir / "s3rver.mjs").string(), "--port", std::to_string(PortOf(stack.s3_endpoint())),
                "--dir", (dir->path() / "store").string(), "--events-url", stack.api() + "/api/events/s3",
                "--events-token", stack.secrets().api_key, "--drop-events-for", "lost-event"}},
      PortOf(stack.s3_endpoint()), "s3rver");
  ServerProcess edge_server({.argv = {TcoderBinary().string(), "edge", "--port", std::to_string(edge_port),
                                      "--data-dir", stack.data_dir().string(), "--s3-endpoint", stack.s3_endpoint(),
                                      "--s3-access-key", kKey, "--s3-secret-key", kKey}},
                            edge_port, "tcoder edge");
  ASSERT_FALSE(HasFailure()) << "a server did not start";

  // An upload to a presigned URL of s3rver: its notification queues the job,
  // a worker transcodes it.
  json up = stack.Upload({{"filename", "my clip.mp4"}, {"preset", "hls"}, {"outputQualities", {"144p"}}});
  ASSERT_EQ(PutToUrl(up["uploadUrl"], ReadFile(clip).value()), 200);
  const std::string uploaded = up.value("jobId", "");
  EXPECT_TRUE(stack.WaitForStatus(uploaded, "completed", 180)) << stack.Job(uploaded).dump();
  // One whose notification the store loses: the sweep HEADs it and queues it.
  json lost = stack.Upload({{"filename", "lost-event.mp4"}, {"preset", "hls"}, {"outputQualities", {"144p"}}});
  ASSERT_EQ(PutToUrl(lost["uploadUrl"], ReadFile(clip).value()), 200);
  const std::string recovered = lost.value("jobId", "");
  EXPECT_TRUE(stack.WaitForStatus(recovered, "completed", 180)) << stack.Job(recovered).dump();
  EXPECT_EQ(stack.control(0).Count("upload recovered by the sweep"), 1) << "only the upload whose event was lost";

  // An input key with spaces, '+' and UTF-8, put with the aws CLI; its
  // notification is for no job, and is ignored.
  const std::string key = "inputs/my clip + caf\u00e9 (1).mp4";
  auto put = RunProcess(
      {.argv = {"aws", "--endpoint-url", stack.s3_endpoint(), "s3", "cp", clip.string(), "s3://tcoder-input/" + key},
       .env = {{"AWS_ACCESS_KEY_ID", kKey},
               {"AWS_SECRET_ACCESS_KEY", kKey},
               {"AWS_DEFAULT_REGION", "us-east-1"},
               {"AWS_EC2_METADATA_DISABLED", "true"}}},
      {.deadline = 60s});
  ASSERT_TRUE(put.ok() && put->success()) << (put.ok() ? put->err : put.status().ToString());
  HttpResult created =
      Http("POST", stack.api() + "/api/jobs",
           json{{"inputKey", key}, {"preset", "hls"}, {"outputQualities", {"144p"}}}.dump(), stack.auth());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json().value("jobId", "");
  ASSERT_TRUE(stack.WaitForStatus(id, "completed", 180)) << stack.Job(id).dump();
  const json job = stack.Job(id);
  EXPECT_EQ(job["inputKey"], key);
  const std::string playlist = job.value("playlistUrl", "");
  ASSERT_EQ(playlist.rfind(edge + "/public/", 0), 0u) << job.dump();
  const RunResult decoded = RunFfmpeg({"-xerror", "-i", playlist, "-f", "null", "-"});
  EXPECT_TRUE(decoded.success()) << decoded.err;
  const json probed = Ffprobe(playlist);
  EXPECT_NEAR(std::stod(probed["format"].value("duration", "0")), 2.0, 0.3) << probed.dump();
}

}  // namespace
}  // namespace tcoder::testing
