// `tcoder worker` end to end: a real job from the input bucket to playable
// outputs in the output bucket, and bad inputs that fail once with a reason.
#include <gtest/gtest.h>

#include <ctime>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/webhook_signature.h"
#include "worker_fixture.h"
#include "worker_report_receiver.h"

namespace tcoder::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string ContentType(storage::S3Client& s3, const std::string& key) {
  auto head = s3.HeadObject("tcoder-output", key);
  return head.ok() ? head->content_type : head.status().ToString();
}

using WorkerJobs = WorkerTest;

TEST_F(WorkerJobs, CompletesAnAdaptiveHlsJobWithWholeOutputs) {
  ReportReceiver control;
  Subprocess worker = StartWorker("m_jobs", {}, "http://127.0.0.1:" + std::to_string(control.port()));
  const std::string id = AddJob(Clip10());
  ASSERT_TRUE(WaitForStatus(id, state::JobStatus::kCompleted, 300s)) << "status " << StatusName(GetJob(id).status);

  const state::Job job = GetJob(id);
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(job.progress, 100);
  EXPECT_EQ(job.machine_id, "m_jobs");
  const std::string prefix = job.playlist_url.substr(0, job.playlist_url.rfind('/'));
  EXPECT_TRUE(prefix.starts_with("public/" + id + "/")) << prefix;
  EXPECT_EQ(job.poster_url, prefix + "/poster.jpg");

  auto master = s3_->GetObjectToString("tcoder-output", job.playlist_url);
  ASSERT_TRUE(master.ok()) << master.status().ToString();
  for (const char* rendition : {"360p/index.m3u8", "480p/index.m3u8", "720p/index.m3u8", "audio/index.m3u8"}) {
    EXPECT_NE(master->find(rendition), std::string::npos) << *master;
  }
  EXPECT_EQ(master->find("1080p"), std::string::npos) << "never above the source height";
  EXPECT_NE(master->find("RESOLUTION=1280x720"), std::string::npos);

  std::vector<std::string> qualities;
  for (const auto& o : job.outputs) {
    if (o["kind"] == "playlist") qualities.push_back(o["quality"]);
    EXPECT_TRUE(o["key"].get<std::string>().starts_with(prefix + "/")) << o.dump();
  }
  EXPECT_EQ(qualities, (std::vector<std::string>{"360p", "480p", "720p", "audio"}));  // the audio once, its own

  EXPECT_EQ(ContentType(*s3_, job.playlist_url), "application/vnd.apple.mpegurl");
  EXPECT_EQ(ContentType(*s3_, job.poster_url), "image/jpeg");
  EXPECT_EQ(ContentType(*s3_, prefix + "/720p/seg_00000.ts"), "video/mp2t");

  ExpectPlayable(prefix, {"360p/index.m3u8", "720p/index.m3u8", "audio/index.m3u8"});
  EXPECT_TRUE(fs::is_empty(JobTempRoot("m_jobs"))) << "temp files left";

  ReceivedRequest report;  // the signed completion report
  ASSERT_TRUE(control.Wait(30s, &report)) << "no completion report";
  EXPECT_EQ(report.request_line, "POST /webhooks/job-complete HTTP/1.1");
  auto signer = WebhookSigner::FromSecret(kInternalSecret);
  ASSERT_TRUE(signer.ok());
  const WebhookHeaders headers{report.headers["webhook-id"], report.headers["webhook-timestamp"],
                               report.headers["webhook-signature"]};
  EXPECT_TRUE(signer->Verify(headers, report.body, std::time(nullptr)).ok()) << report.body;
  const auto body = nlohmann::json::parse(report.body);
  EXPECT_EQ(body["jobId"], id);
  EXPECT_EQ(body["status"], "completed");
  EXPECT_EQ(body["attempts"], 1);
  EXPECT_EQ(body["machineId"], "m_jobs");
  EXPECT_EQ(prefix, "public/" + id + "/" + body["token"].get<std::string>());
  worker.Terminate(10s);
}

TEST_F(WorkerJobs, FailsBadInputsOnceWithAReason) {
  Subprocess worker = StartWorker("m_bad");
  const std::string empty = AddJobFromString("");
  const std::string noise = AddJobFromString(crypto::RandomBytes(64 << 10));
  for (const std::string& id : {empty, noise}) {
    ASSERT_TRUE(WaitForStatus(id, state::JobStatus::kFailed, 120s)) << "status " << StatusName(GetJob(id).status);
    const state::Job job = GetJob(id);
    EXPECT_EQ(job.attempts, 1) << job.error;
    EXPECT_NE(job.error.find("not a"), std::string::npos) << job.error;
  }
  EXPECT_NE(GetJob(empty).error.find("empty"), std::string::npos) << GetJob(empty).error;
  worker.Terminate(10s);
}

}  // namespace
}  // namespace tcoder::testing
