// tcoder across hosts (network namespaces, tests/cluster/): faults injected
// into a running cluster, each checked by the job history's invariants.
#include <signal.h>

#include <gtest/gtest.h>

#include "cluster/cluster_stack.h"
#include "cluster/job_history.h"
#include "common/process.h"
#include "common/temp_dir.h"

namespace tcoder::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// A clip long enough that a fault lands mid-transcode on an idle machine
// too: 30 s of 854x480, made into 480p and 240p.
std::filesystem::path MakeClip(const std::filesystem::path& dir) {
  const auto path = dir / "clip.mp4";
  ProcessSpec spec;
  spec.argv = {"ffmpeg", "-v",      "error",     "-y",
               "-f",     "lavfi",   "-i",        "testsrc2=size=854x480:rate=25:duration=30",
               "-f",     "lavfi",   "-i",        "sine=frequency=440:duration=30",
               "-c:v",   "libx264", "-preset",   "ultrafast",
               "-c:a",   "aac",     "-shortest", path.string()};
  RunOptions o;
  o.deadline = std::chrono::minutes(2);
  auto r = RunProcess(spec, o);
  EXPECT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : r.status().ToString());
  return path;
}

const json kLadder = {{"preset", "hls"}, {"outputQualities", {"240p", "480p"}}};

class ClusterFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stack = ClusterStack::Start();
    if (!stack.ok() && stack.status().code() == Code::kUnavailable)
      GTEST_SKIP() << "no network namespaces here: " << stack.status().message();
    ASSERT_TRUE(stack.ok()) << stack.status().ToString();
    stack_ = std::move(*stack);
    dir_.emplace(std::move(TempDir::Create("cluster-media-").value()));
    clip_ = MakeClip(dir_->path());
    history_ = std::make_unique<JobHistory>(*stack_);
  }
  void TearDown() override {
    if (!history_) return;
    for (const std::string& v : history_->Violations()) ADD_FAILURE() << "invariant: " << v;
    history_.reset();
  }
  std::string Submit(int control = 1) {
    auto id = stack_->Submit(clip_, kLadder, control);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (id.ok()) history_->Track(*id);
    return id.ok() ? *id : "";
  }
  // The running job's worker host, once it runs.
  std::string RunningOn(const std::string& id) {
    const json job = stack_->WaitFor(id, {"running"}, seconds(60));
    EXPECT_EQ(job.value("status", ""), "running") << job.dump();
    return stack_->HostOf(job.value("machineId", ""));
  }

  std::unique_ptr<ClusterStack> stack_;
  std::optional<TempDir> dir_;
  std::filesystem::path clip_;
  std::unique_ptr<JobHistory> history_;
};

// Whatever a dead worker had uploaded under its attempt stays until the
// control plane's attempt sweep: the upload it was in the middle of is
// planted here, under an older attempt's prefix, as the job completes.
TEST_F(ClusterFaults, AWorkerHostThatDiesMidTranscodeHasItsJobCompletedElsewhere) {
  const std::string id = Submit();
  const std::string host = RunningOn(id);
  ASSERT_FALSE(host.empty());
  ASSERT_TRUE(stack_->net().KillHost(host).ok());
  const json job = stack_->WaitFor(id, {"completed", "failed"}, seconds(120));
  EXPECT_EQ(job.value("status", ""), "completed") << job.dump();
  EXPECT_EQ(job.value("attempts", 0), 2) << job.dump();
  EXPECT_NE(stack_->HostOf(job.value("machineId", "")), host) << "completed by another host";
  auto s3 = stack_->S3();
  const std::string stray = "public/" + id + "/1/360p/seg_00000.ts";  // token 1: older than any real claim
  ASSERT_TRUE(s3->PutObjectFromString("tcoder-output", stray, "late bytes").ok());
  const auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while (std::chrono::steady_clock::now() < deadline && s3->HeadObject("tcoder-output", stray).ok())
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_EQ(s3->HeadObject("tcoder-output", stray).status().code(), Code::kNotFound) << "the attempt sweep removed it";
  const json after = stack_->Job(id);
  EXPECT_EQ(after["outputs"], job["outputs"]);
  for (const auto& o : after["outputs"]) EXPECT_TRUE(s3->HeadObject("tcoder-output", o.value("key", "")).ok()) << o;
}

TEST_F(ClusterFaults, APartitionedWorkerLosesItsJobToAnotherAndItsLateWritesAreFenced) {
  const std::string id = Submit();
  const std::string host = RunningOn(id);
  ASSERT_FALSE(host.empty());
  ASSERT_TRUE(stack_->net().Partition(host).ok());
  const json job = stack_->WaitFor(id, {"completed", "failed"}, seconds(120));
  EXPECT_EQ(job.value("status", ""), "completed") << job.dump();
  EXPECT_NE(stack_->HostOf(job.value("machineId", "")), host);
  ASSERT_TRUE(stack_->net().Heal(host).ok());
  // The first worker comes back with its old token: whatever it writes now is refused.
  LoggedProcess* first = stack_->component(host);
  ASSERT_NE(first, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + seconds(90);
  while (std::chrono::steady_clock::now() < deadline && first->Count("lease lost") == 0 &&
         first->Count("\"status\":\"fenced\"") == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_GT(first->Count("lease lost"), 0) << "the partitioned worker saw its lease gone";
  for (const std::string& line : first->Lines())
    if (line.find("\"level\":\"warn\"") != std::string::npos || line.find("uploads removed") != std::string::npos)
      std::cout << host << ": " << line << "\n";
  const json after = stack_->Job(id);
  EXPECT_EQ(after.value("status", ""), "completed");
  EXPECT_EQ(after["outputs"], job["outputs"]) << "the late worker changed nothing";
}

// control1 dies with jobs just submitted through it (their events in
// flight) and a worker host dies with it: control2 takes the events, its
// scheduler reaps the dead worker's lease, and every job completes once.
TEST_F(ClusterFaults, AControlPlaneKilledLeavesTheOtherToTakeEventsAndTicks) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(Submit(1));
  const std::string host = RunningOn(ids[0]);
  stack_->KillComponent("control1");
  ASSERT_TRUE(stack_->net().KillHost(host).ok());
  for (int i = 0; i < 4; ++i) ids.push_back(Submit(2));
  for (const std::string& id : ids) {
    const json job = stack_->WaitFor(id, {"completed", "failed"}, seconds(240));
    EXPECT_EQ(job.value("status", ""), "completed") << job.dump();
  }
  const json first = stack_->Job(ids[0]);
  EXPECT_GE(first.value("attempts", 0), 2) << "its first worker died: control2 reaped the lease";
}

// The storage host unreachable for 30 s while jobs download and upload:
// meanwhile a job on an input key is refused with a clear 503 and a PUT
// cannot reach the store; afterwards the running jobs complete.
TEST_F(ClusterFaults, TheStoreUnreachableForThirtySecondsDelaysJobsAndLosesNone) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Submit(1 + i % 2));
  RunningOn(ids[0]);
  ASSERT_TRUE(stack_->net().Partition("storage").ok());
  const auto healed_at = std::chrono::steady_clock::now() + seconds(30);
  HttpResult by_key =
      TryHttp("POST", stack_->api(2) + "/api/jobs", R"({"inputKey":"uploads/x/clip.mp4"})", stack_->auth());
  EXPECT_EQ(by_key.status, 503) << by_key.body;
  EXPECT_NE(by_key.body.find("object storage"), std::string::npos) << by_key.body;
  HttpResult up = TryHttp("POST", stack_->api(1) + "/api/upload", R"({"filename":"during.mp4"})", stack_->auth());
  ASSERT_EQ(up.status, 201);
  HttpResult put = TryHttp("PUT", up.json().value("uploadUrl", ""), "bytes");
  EXPECT_EQ(put.status, 0) << "the store is unreachable: " << put.error;
  std::this_thread::sleep_until(healed_at);
  ASSERT_TRUE(stack_->net().Heal("storage").ok());
  for (const std::string& id : ids) {
    const json job = stack_->WaitFor(id, {"completed", "failed"}, seconds(240));
    EXPECT_EQ(job.value("status", ""), "completed") << job.dump();
  }
}

// Redis SIGKILLed with jobs in every state and started again from its AOF:
// uploading ones still wait, cancelled ones stay cancelled, every other job
// completes once, none is lost.
TEST_F(ClusterFaults, RedisKilledAndRestartedFromItsAofLosesNoJobAndCompletesNoneTwice) {
  const auto tiny = dir_->path() / "tiny.mp4";
  ProcessSpec spec;
  spec.argv = {"ffmpeg",     "-v",      "error",   "-y",
               "-f",         "lavfi",   "-i",      "testsrc2=size=160x120:rate=10:duration=0.5",
               "-c:v",       "libx264", "-preset", "ultrafast",
               tiny.string()};
  ASSERT_TRUE(RunProcess(spec, {}).value().success());
  const json light = {{"preset", "default"}, {"outputQualities", {"144p"}}};
  std::vector<std::string> transcoded, uploading, cancelled;
  for (int i = 0; i < 150; ++i) {
    auto id = stack_->Submit(tiny, light, 1 + i % 2);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    history_->Track(*id);
    transcoded.push_back(*id);
  }
  for (int i = 0; i < 50; ++i) {
    HttpResult up = TryHttp("POST", stack_->api(1) + "/api/upload", R"({"filename":"never.mp4"})", stack_->auth());
    ASSERT_EQ(up.status, 201) << up.body;
    const std::string id = up.json()["jobId"];
    history_->Track(id);
    if (i % 5 == 0) {
      ASSERT_EQ(TryHttp("DELETE", stack_->api(2) + "/api/jobs/" + id, "", stack_->auth()).status, 200);
      cancelled.push_back(id);
    } else {
      uploading.push_back(id);
    }
  }
  stack_->WaitFor(transcoded[10], {"completed"}, seconds(120));  // some done, some running, most pending
  stack_->KillComponent("redis");
  std::this_thread::sleep_for(seconds(2));
  stack_->StartComponent("redis");
  ASSERT_NE(stack_->component("redis"), nullptr) << "redis did not come back";
  for (const std::string& id : transcoded) {
    const json job = stack_->WaitFor(id, {"completed", "failed"}, seconds(300));
    EXPECT_EQ(job.value("status", ""), "completed") << job.dump();
  }
  for (const std::string& id : uploading) EXPECT_EQ(stack_->Job(id).value("status", ""), "uploading") << id;
  for (const std::string& id : cancelled) EXPECT_EQ(stack_->Job(id).value("status", ""), "cancelled") << id;
}

// The worker host's processes stopped (SIGSTOP) for longer than the lease
// while its FFmpeg is left running, then resumed: it finds the transcode
// done and may upload before its heartbeat learns the lease is gone; its
// completion is fenced and it removes what it uploaded.
TEST_F(ClusterFaults, AFrozenWorkerResumedAfterItsLeaseIsFencedAndLeavesNoOutputs) {
  const std::string id = Submit();
  const std::string host = RunningOn(id);
  ASSERT_FALSE(host.empty());
  LoggedProcess* frozen = stack_->component(host);
  ASSERT_NE(frozen, nullptr);
  ASSERT_TRUE(frozen->process().Signal(SIGSTOP).ok());  // the worker, not its FFmpeg
  const json job = stack_->WaitFor(id, {"completed", "failed"}, seconds(120));
  EXPECT_EQ(job.value("status", ""), "completed") << job.dump();
  EXPECT_NE(stack_->HostOf(job.value("machineId", "")), host);
  ASSERT_TRUE(frozen->process().Signal(SIGCONT).ok());
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < deadline && frozen->Count("lease lost") == 0 &&
         frozen->Count("fencing token") == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_GT(frozen->Count("lease lost") + frozen->Count("fencing token"), 0) << "resumed, it was fenced";
  std::this_thread::sleep_for(seconds(2));  // whatever it does next, before the checker lists the store
  const json after = stack_->Job(id);
  EXPECT_EQ(after.value("status", ""), "completed");
  EXPECT_EQ(after["outputs"], job["outputs"]);
  for (const std::string& line : frozen->Lines())
    if (line.find("\"level\":\"warn\"") != std::string::npos || line.find("uploads removed") != std::string::npos)
      std::cout << host << ": " << line << "\n";
}

}  // namespace
}  // namespace tcoder::testing
