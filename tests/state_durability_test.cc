// Durability: with AOF on, jobs in every state, machines and pending events
// survive a redis-server restart, and clients carry on afterwards.
#include <thread>

#include "state/event_log.h"
#include "state/machine_pool.h"
#include "state_fixture.h"

namespace tcoder::state {
namespace {

using StateDurability = StateTest;

// Retries while the server comes back (a call may fail once per client).
template <typename F>
auto Retry(F f) {
  auto r = f();
  for (int i = 0; i < 50 && !r.ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r = f();
  }
  return r;
}

TEST_F(StateDurability, JobsInEveryStateSurviveARestart) {
  JobStore store(*redis_, keys_);
  Queue queue(*redis_, keys_);
  std::map<std::string, JobStatus> expected;
  const std::string uploading = NewJobId(), queued = NewJobId();
  ASSERT_TRUE(store.Create(uploading, Spec("u/" + uploading), JobStatus::kUploading).ok());
  ASSERT_TRUE(store.Create(queued, Spec("u/" + queued), JobStatus::kUploading).ok());
  ASSERT_TRUE(store.OnObjectCreated({"tcoder-input", "u/" + queued, 1, "e", "ObjectCreated:Put", ""}).ok());
  expected[uploading] = JobStatus::kUploading;
  expected[queued] = JobStatus::kQueued;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(AddPending(store));
  std::vector<Lease> leases;
  for (int i = 0; i < 4; ++i) leases.push_back(**queue.TryClaim(""));
  ASSERT_TRUE(queue.Complete(leases[0], {}).ok());
  ASSERT_TRUE(queue.Fail(leases[1], "bad input", false).ok());
  ASSERT_TRUE(store.Cancel(ids[4]).ok());
  expected[ids[0]] = JobStatus::kCompleted;
  expected[ids[1]] = JobStatus::kFailed;
  expected[ids[2]] = JobStatus::kRunning;
  expected[ids[3]] = JobStatus::kRunning;
  expected[ids[4]] = JobStatus::kCancelled;
  const std::string pending = AddPending(store);
  expected[pending] = JobStatus::kPending;
  MachinePool pool(*redis_, keys_);
  ASSERT_EQ(pool.Admit(2)->decision, Admission::Decision::kCreate);
  EventLog log(*redis_, keys_);
  ASSERT_TRUE(log.EnsureGroup().ok());
  ASSERT_TRUE(log.Append({"tcoder-input", "late", 1, "e", "ObjectCreated:Put", ""}).ok());

  ASSERT_TRUE(server_->Restart().ok());

  for (const auto& [id, status] : expected) {
    auto job = Retry([&] { return store.Get(id); });
    ASSERT_TRUE(job.ok()) << id << ": " << job.status().ToString();
    EXPECT_EQ(job->status, status) << id;
  }
  EXPECT_EQ(pool.List()->size(), 1u);
  auto events = log.ReadNew("c", 10, std::chrono::milliseconds(10));
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 1u);
  // The running jobs' holders carry on with their tokens; the pending job is claimable.
  EXPECT_TRUE(queue.Complete(leases[2], {}).ok());
  auto next = queue.TryClaim("");
  ASSERT_TRUE(next.ok() && *next);
  EXPECT_EQ((*next)->job_id, pending);
  EXPECT_GT(std::stoll((*next)->token), std::stoll(leases[3].token));  // fencing survives too
}

}  // namespace
}  // namespace tcoder::state
