// `tcoder worker` under faults: a worker killed mid-transcode, a cancel while
// FFmpeg runs, SIGTERM on an idle worker.
#include <signal.h>

#include <gtest/gtest.h>

#include <thread>

#include "ffmpeg_support.h"
#include "worker_fixture.h"

namespace tcoder::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using WorkerFaults = WorkerTest;

TEST_F(WorkerFaults, KilledWorkersJobCompletesOnAnotherWorker) {
  Subprocess first = StartWorker("m_first", {"--lease", "2s"});
  const std::string id = AddJob(Clip10());
  ASSERT_TRUE(WaitFor([&] { return !ProcessesMentioning(JobTempRoot("m_first").string()).empty(); }, 120s));
  const std::string dead_token = JobField(id, "token");
  ASSERT_FALSE(dead_token.empty());
  ASSERT_EQ(::kill(first.pid(), SIGKILL), 0);  // a crash: no cleanup, no handing back
  first.Wait();
  for (int pid : ProcessesMentioning(JobTempRoot("m_first").string())) ::kill(pid, SIGKILL);  // its orphaned ffmpeg

  Subprocess second = StartWorker("m_second");
  ASSERT_TRUE(WaitFor(
      [&] {
        auto reaped = queue_->Reap();  // the scheduler's job: expired leases back to the queue
        return reaped.ok() && GetJob(id).status == state::JobStatus::kCompleted;
      },
      300s))
      << "status " << StatusName(GetJob(id).status);

  const state::Job job = GetJob(id);
  EXPECT_EQ(job.attempts, 2);
  EXPECT_EQ(job.machine_id, "m_second");
  const std::string dead_prefix = "public/" + id + "/" + dead_token + "/";
  EXPECT_FALSE(job.playlist_url.starts_with(dead_prefix));
  EXPECT_FALSE(job.poster_url.starts_with(dead_prefix));
  for (const auto& o : job.outputs) EXPECT_FALSE(o["key"].get<std::string>().starts_with(dead_prefix)) << o.dump();
  const std::string prefix = job.playlist_url.substr(0, job.playlist_url.rfind('/'));
  ExpectPlayable(prefix, {"720p/index.m3u8"});
  second.Terminate(10s);
}

TEST_F(WorkerFaults, CancelStopsFfmpegAndEndsTheJobCancelled) {
  Subprocess worker = StartWorker("m_cancel", {"--lease", "3s"});
  const std::string id = AddJob(Clip30());
  const std::string work = JobTempRoot("m_cancel").string();
  ASSERT_TRUE(WaitFor([&] { return !ProcessesMentioning(work).empty(); }, 120s));
  auto outcome = jobs_->Cancel(id);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(*outcome, state::JobStore::CancelOutcome::kRequested);

  std::this_thread::sleep_for(2s);
  EXPECT_EQ(ProcessesMentioning(work), std::vector<int>{}) << "ffmpeg still running 2 s after the cancel";
  ASSERT_TRUE(WaitForStatus(id, state::JobStatus::kCancelled, 30s)) << "status " << StatusName(GetJob(id).status);
  EXPECT_TRUE(WaitFor([&] { return fs::is_empty(JobTempRoot("m_cancel")); }, 10s)) << "temp files left";
  worker.Terminate(10s);
}

TEST_F(WorkerFaults, SigtermOnAnIdleWorkerExitsZeroAndStopsTheMachine) {
  Subprocess worker = StartWorker("m_idle");
  ASSERT_TRUE(WaitFor([&] { return MachineState("m_idle") == "idle"; }, 60s)) << MachineState("m_idle");
  ASSERT_EQ(::kill(worker.pid(), SIGTERM), 0);
  std::optional<ExitStatus> exit = worker.WaitFor(30s);
  ASSERT_TRUE(exit.has_value()) << "still running 30 s after SIGTERM";
  EXPECT_TRUE(exit->success()) << exit->ToString();
  EXPECT_EQ(MachineState("m_idle"), "stopped");
  EXPECT_FALSE(fs::exists(JobTempRoot("m_idle")));
}

}  // namespace
}  // namespace tcoder::testing
