// The life of an upload through real processes: the built-in store's event,
// the upload sweep (recovered and abandoned uploads), two control planes on
// one Redis, and admission with real `tcoder worker` machines.
#include <set>

#include <gtest/gtest.h>

#include "control_support.h"
#include "state/job_counts.h"
#include "state/machine_pool.h"

namespace tcoder::testing {
namespace {

using nlohmann::json;

std::vector<std::string> Machines(ControlStack& stack) {
  auto machines = state::MachinePool(stack.redis(), state::Keys()).List();
  std::vector<std::string> ids;
  if (machines.ok())
    for (const auto& m : *machines) ids.push_back(m.id);
  return ids;
}

std::string MachineState(ControlStack& stack, const std::string& id) {
  auto m = state::MachinePool(stack.redis(), state::Keys()).Get(id);
  return m.ok() ? m->state : "";
}

std::int64_t ReadyJobs(ControlStack& stack) { return state::CountJobs(stack.redis(), state::Keys()).value().ready; }

TEST(ControlFlow, UploadThroughTheStoreBecomesPending) {
  ControlStack stack;
  stack.StartStorage();
  stack.StartControl({"--max-machines", "0"});
  json up = stack.Upload({{"filename", "clip.mp4"}, {"preset", "hls"}, {"outputQualities", {"360p"}}});
  ASSERT_EQ(PutToUrl(up["uploadUrl"], std::string(4096, 'x')), 200);
  ASSERT_TRUE(stack.WaitForStatus(up["jobId"], "pending", 20));
  json job = stack.Job(up["jobId"]);
  EXPECT_EQ(job["size"], 4096);
  EXPECT_FALSE(job["timestamps"]["uploadedAt"].is_null());
  // A second PUT of the same bytes (same ETag) changes nothing.
  ASSERT_EQ(PutToUrl(up["uploadUrl"], std::string(4096, 'x')), 200);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(stack.Job(up["jobId"])["status"], "pending");
  EXPECT_EQ(ReadyJobs(stack), 1);
}

TEST(ControlFlow, SweepRecoversAStuckUploadAndFailsAnAbandonedOne) {
  ControlStack stack;
  stack.StartStorage(/*with_events=*/false);
  stack.StartControl({"--max-machines", "0", "--tick", "200ms", "--upload-check-after", "0", "--upload-expiry", "3",
                      "--upload-grace", "0"});
  json stuck = stack.Upload({{"filename", "stuck.mp4"}});
  json abandoned = stack.Upload({{"filename", "abandoned.mp4"}});
  ASSERT_EQ(PutToUrl(stuck["uploadUrl"], "some bytes"), 200);
  EXPECT_TRUE(stack.WaitForStatus(stuck["jobId"], "pending", 20));
  ASSERT_TRUE(stack.WaitForStatus(abandoned["jobId"], "failed", 20));
  EXPECT_EQ(stack.Job(abandoned["jobId"])["error"], "upload never completed");
  EXPECT_EQ(stack.Job(stuck["jobId"])["status"], "pending");
}

TEST(ControlFlow, TwoControlPlanesDoTheSweepOnce) {
  ControlStack stack;
  stack.StartStorage(/*with_events=*/false);
  std::vector<std::string> flags = {"--max-machines", "0", "--tick", "200ms", "--upload-check-after", "0"};
  stack.StartControl(flags);
  stack.StartControl(flags);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    json up = stack.Upload({{"filename", "f" + std::to_string(i) + ".mp4"}});
    ASSERT_EQ(PutToUrl(up["uploadUrl"], "bytes " + std::to_string(i)), 200);
    ids.push_back(up["jobId"].get<std::string>());
  }
  for (const auto& id : ids) ASSERT_TRUE(stack.WaitForStatus(id, "pending", 20)) << id;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  int recovered =
      stack.control(0).Count("upload recovered by the sweep") + stack.control(1).Count("upload recovered by the sweep");
  EXPECT_EQ(recovered, 6);
  EXPECT_EQ(ReadyJobs(stack), 6);
  // Both planes serve the same jobs.
  EXPECT_EQ(stack.Job(ids[0], 1)["status"], "pending");
}

TEST(ControlFlow, AdmissionWithTwoPlanesNeverExceedsMaxAndRestartsStoppedMachines) {
  ControlStack stack;
  stack.StartStorage();
  std::vector<std::string> flags = {"--max-machines",     "2",   "--tick", "200ms", "--idle-timeout", "2s",
                                    "--worker-log-level", "warn"};
  stack.StartControl(flags);
  stack.StartControl(flags);
  std::vector<std::string> ids;
  std::size_t most = 0;
  for (int i = 0; i < 5; ++i) {
    json up = stack.Upload({{"filename", "bad" + std::to_string(i) + ".mp4"}});
    ASSERT_EQ(PutToUrl(up["uploadUrl"], "this is not a video " + std::to_string(i)), 200);
    ids.push_back(up["jobId"].get<std::string>());
  }
  // Every job ends (these inputs are not videos: failed once, with the reason).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  auto ended = [&] {
    for (const auto& id : ids) {
      std::string s = stack.Job(id)["status"];
      if (s != "failed" && s != "completed") return false;
    }
    return true;
  };
  while (!ended() && std::chrono::steady_clock::now() < deadline) {
    most = std::max(most, Machines(stack).size());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(ended()) << "jobs did not end; is `tcoder worker` usable?";
  EXPECT_EQ(most, 2u);
  std::vector<std::string> pool = Machines(stack);
  ASSERT_EQ(pool.size(), 2u);
  // Idle past the idle timeout: stopped.
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto all_stopped = [&] {
    for (const auto& m : pool)
      if (MachineState(stack, m) != "stopped") return false;
    return true;
  };
  while (!all_stopped() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(all_stopped());
  // New work restarts a stopped machine instead of creating one.
  json up = stack.Upload({{"filename", "again.mp4"}});
  ASSERT_EQ(PutToUrl(up["uploadUrl"], "still not a video"), 200);
  ASSERT_TRUE(stack.WaitForStatus(up["jobId"], "failed", 60));
  std::vector<std::string> after = Machines(stack);
  EXPECT_EQ(std::set<std::string>(after.begin(), after.end()), std::set<std::string>(pool.begin(), pool.end()));
  int created = stack.control(0).Count("\"creating machine\"") + stack.control(1).Count("\"creating machine\"");
  int restarted =
      stack.control(0).Count("starting stopped machine") + stack.control(1).Count("starting stopped machine");
  EXPECT_EQ(created, 2);
  EXPECT_GE(restarted, 1);
}

}  // namespace
}  // namespace tcoder::testing
