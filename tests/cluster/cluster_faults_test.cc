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

// A clip long enough that a fault lands mid-transcode: 20 s of 640x360.
std::filesystem::path MakeClip(const std::filesystem::path& dir) {
  const auto path = dir / "clip.mp4";
  ProcessSpec spec;
  spec.argv = {"ffmpeg", "-v",      "error",     "-y",
               "-f",     "lavfi",   "-i",        "testsrc2=size=640x360:rate=25:duration=20",
               "-f",     "lavfi",   "-i",        "sine=frequency=440:duration=20",
               "-c:v",   "libx264", "-preset",   "ultrafast",
               "-c:a",   "aac",     "-shortest", path.string()};
  RunOptions o;
  o.deadline = std::chrono::minutes(2);
  auto r = RunProcess(spec, o);
  EXPECT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : r.status().ToString());
  return path;
}

const json kLadder = {{"preset", "hls"}, {"outputQualities", {"240p", "360p"}}};

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

TEST_F(ClusterFaults, AWorkerHostThatDiesMidTranscodeHasItsJobCompletedElsewhere) {
  const std::string id = Submit();
  const std::string host = RunningOn(id);
  ASSERT_FALSE(host.empty());
  std::this_thread::sleep_for(seconds(1));  // into the transcode
  ASSERT_TRUE(stack_->net().KillHost(host).ok());
  const json job = stack_->WaitFor(id, {"completed", "failed"}, seconds(120));
  EXPECT_EQ(job.value("status", ""), "completed") << job.dump();
  EXPECT_EQ(job.value("attempts", 0), 2) << job.dump();
  EXPECT_NE(stack_->HostOf(job.value("machineId", "")), host) << "completed by another host";
}

TEST_F(ClusterFaults, APartitionedWorkerLosesItsJobToAnotherAndItsLateWritesAreFenced) {
  const std::string id = Submit();
  const std::string host = RunningOn(id);
  ASSERT_FALSE(host.empty());
  std::this_thread::sleep_for(seconds(1));
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
