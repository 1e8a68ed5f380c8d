// `tcoder worker` stopped with SIGTERM while a job is in hand: the job
// finishes within the stop grace, or, past it, FFmpeg is stopped and the job
// is handed back so that another worker takes it without waiting for the
// lease to expire. And a worker that stops itself: `--exit-when-idle`.
#include <signal.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ffmpeg_support.h"
#include "worker_fixture.h"
#include "worker_report_receiver.h"

namespace tcoder::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using WorkerSigterm = WorkerTest;

TEST_F(WorkerSigterm, SigtermMidTranscodeFinishesTheJobWithinTheGrace) {
  ReportReceiver control;
  Subprocess worker =
      StartWorker("m_grace", {"--stop-grace", "10m"}, "http://127.0.0.1:" + std::to_string(control.port()));
  const std::string id = AddJob(Clip10());
  const std::string work = JobTempRoot("m_grace").string();
  ASSERT_TRUE(WaitFor([&] { return !ProcessesMentioning(work).empty(); }, 120s)) << "ffmpeg never started";
  ASSERT_EQ(GetJob(id).status, state::JobStatus::kRunning);
  ASSERT_EQ(::kill(worker.pid(), SIGTERM), 0);
  const std::string late = AddJob(Clip10());  // queued after the stop request: not this worker's

  std::optional<ExitStatus> exit = worker.WaitFor(300s);
  ASSERT_TRUE(exit.has_value()) << "still running 300 s after SIGTERM";
  EXPECT_TRUE(exit->success()) << exit->ToString();
  const state::Job job = GetJob(id);
  EXPECT_EQ(job.status, state::JobStatus::kCompleted) << job.error;
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(job.machine_id, "m_grace");
  EXPECT_EQ(GetJob(late).status, state::JobStatus::kPending) << "a stopping worker claimed a new job";
  EXPECT_EQ(GetJob(late).attempts, 0);
  EXPECT_EQ(MachineState("m_grace"), "stopped");
  EXPECT_FALSE(fs::exists(JobTempRoot("m_grace"))) << "temp root left";
  EXPECT_EQ(ProcessesMentioning(work), std::vector<int>{});

  ReceivedRequest report;  // sent before the worker left
  ASSERT_TRUE(control.Wait(1s, &report)) << "no completion report";
  const auto body = nlohmann::json::parse(report.body);
  EXPECT_EQ(body["jobId"], id);
  EXPECT_EQ(body["status"], "completed");

  const std::string prefix = job.playlist_url.substr(0, job.playlist_url.rfind('/'));
  ExpectPlayable(prefix, {"720p/index.m3u8"});
}

TEST_F(WorkerSigterm, SigtermPastTheGraceHandsTheJobBackToAnotherWorker) {
  // A lease far longer than the test: only a hand-back can free the job (and
  // no reaper runs here).
  Subprocess first = StartWorker("m_leaving", {"--stop-grace", "1s", "--lease", "1h"});
  const std::string id = AddJob(Clip30());
  const std::string work = JobTempRoot("m_leaving").string();
  ASSERT_TRUE(WaitFor([&] { return !ProcessesMentioning(work).empty(); }, 120s)) << "ffmpeg never started";
  const std::string first_token = JobField(id, "token");
  ASSERT_FALSE(first_token.empty());
  Subprocess second = StartWorker("m_taking");
  ASSERT_TRUE(WaitFor([&] { return MachineState("m_taking") == "idle"; }, 60s)) << MachineState("m_taking");
  ASSERT_EQ(GetJob(id).status, state::JobStatus::kRunning) << "the 30 s clip ended before the stop";

  ASSERT_EQ(::kill(first.pid(), SIGTERM), 0);
  std::optional<ExitStatus> exit = first.WaitFor(60s);
  ASSERT_TRUE(exit.has_value()) << "still running 60 s after SIGTERM with a 1 s grace";
  EXPECT_TRUE(exit->success()) << exit->ToString();
  EXPECT_EQ(ProcessesMentioning(work), std::vector<int>{}) << "ffmpeg left running";
  EXPECT_FALSE(fs::exists(JobTempRoot("m_leaving"))) << "temp files left";
  EXPECT_EQ(MachineState("m_leaving"), "stopped");
  const state::Job handed = GetJob(id);
  EXPECT_NE(handed.status, state::JobStatus::kFailed) << handed.error;
  EXPECT_NE(handed.machine_id, "m_leaving");

  ASSERT_TRUE(WaitForStatus(id, state::JobStatus::kCompleted, 400s)) << "status " << StatusName(GetJob(id).status);
  const state::Job job = GetJob(id);
  EXPECT_EQ(job.machine_id, "m_taking");
  EXPECT_EQ(job.attempts, 1);  // a hand-back is not a failed attempt
  const std::string first_prefix = "public/" + id + "/" + first_token;
  auto leftovers = s3_->ListAll("tcoder-output", first_prefix + "/");
  ASSERT_TRUE(leftovers.ok()) << leftovers.status().ToString();
  EXPECT_TRUE(leftovers->empty()) << "the stopped worker published " << leftovers->size() << " objects";
  const std::string prefix = job.playlist_url.substr(0, job.playlist_url.rfind('/'));
  EXPECT_NE(prefix, first_prefix);
  for (const auto& o : job.outputs) EXPECT_TRUE(o["key"].get<std::string>().starts_with(prefix + "/")) << o.dump();
  ExpectPlayable(prefix, {"360p/index.m3u8", "480p/index.m3u8", "720p/index.m3u8"});
  second.Terminate(10s);
}

// A cloud machine whose control plane is gone stops itself: with
// --exit-when-idle the worker serves the job that comes, then, with no job
// for that long, leaves the pool (stopped) and exits 0.
TEST_F(WorkerSigterm, ExitWhenIdleLeavesThePoolAfterTheIdleTimeWithoutAJob) {
  Subprocess worker = StartWorker("m_idle", {"--exit-when-idle", "3s"});
  ASSERT_TRUE(WaitFor([&] { return MachineState("m_idle") == "idle"; }, 60s)) << MachineState("m_idle");
  const std::string id = AddJob(Clip10());
  ASSERT_TRUE(WaitFor([&] { return GetJob(id).status == state::JobStatus::kCompleted; }, 180s))
      << "the idle limit must not cut a job short: " << GetJob(id).error;
  EXPECT_EQ(GetJob(id).machine_id, "m_idle");
  std::optional<ExitStatus> exit = worker.WaitFor(60s);
  ASSERT_TRUE(exit.has_value()) << "still running a minute after its last job with a 3 s idle limit";
  EXPECT_TRUE(exit->success()) << exit->ToString();
  EXPECT_EQ(MachineState("m_idle"), "stopped");
}

}  // namespace
}  // namespace tcoder::testing
