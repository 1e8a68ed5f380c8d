// The machine pool on a real redis-server: admission under concurrency, the
// lifecycle, idle detection, stats and the scheduler's tick lease.
#include <atomic>
#include <thread>

#include "state/job_events.h"
#include "state/machine_pool.h"
#include "state/stats.h"
#include "state/tick_lease.h"
#include "state_fixture.h"

namespace tcoder::state {
namespace {

using std::chrono::milliseconds;
using StateMachines = StateTest;
using Decision = Admission::Decision;

TEST_F(StateMachines, FiftyConcurrentAdmissionsNeverExceedTheMaximum) {
  JobStore store(*redis_, keys_);
  for (int i = 0; i < 50; ++i) AddPending(store);
  std::atomic<int> creates{0}, waits{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 50; ++t) {
    threads.emplace_back([&, client = NewClient()] {
      MachinePool pool(*client, keys_);
      auto a = pool.Admit(4);
      if (!a.ok()) ++errors;
      if (a.ok() && a->decision == Decision::kCreate) ++creates;
      if (a.ok() && a->decision == Decision::kWait) ++waits;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(creates.load(), 4);
  EXPECT_EQ(waits.load(), 46);
  MachinePool pool(*redis_, keys_);
  auto machines = pool.List();
  ASSERT_TRUE(machines.ok());
  EXPECT_EQ(machines->size(), 4u);
}

TEST_F(StateMachines, AdmissionPrefersIdleThenStoppedThenNew) {
  JobStore store(*redis_, keys_);
  MachinePool pool(*redis_, keys_);
  AddPending(store);
  auto created = pool.Admit(2);
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->decision, Decision::kCreate);
  const std::string m1 = created->machine_id;
  EXPECT_EQ(pool.Admit(2)->decision, Decision::kIdleAvailable);  // m1 is starting and will take the job
  Queue queue(*redis_, keys_);
  auto lease = queue.TryClaim(m1);  // m1 runs the job
  ASSERT_TRUE(lease.ok() && *lease);
  AddPending(store);
  auto second = pool.Admit(2);
  ASSERT_EQ(second->decision, Decision::kCreate);
  ASSERT_TRUE(pool.SetState(second->machine_id, MachineState::kStopped).ok());
  auto restart = pool.Admit(2);
  ASSERT_EQ(restart->decision, Decision::kStart);
  EXPECT_EQ(restart->machine_id, second->machine_id);
  EXPECT_EQ(pool.Admit(2)->decision, Decision::kIdleAvailable);
  AddPending(store);
  EXPECT_EQ(pool.Admit(2)->decision, Decision::kWait);  // 2 machines, both busy or starting for a job
  ASSERT_TRUE(queue.Complete(**lease, {}).ok());
  ASSERT_TRUE(queue.TryClaim(m1).ok());  // m1 takes the next job
  auto list = pool.List();
  ASSERT_TRUE(list.ok());
  for (const Machine& m : *list) {
    if (m.id == m1) {
      EXPECT_EQ(m.state, "running");
    }
  }
}

TEST_F(StateMachines, LifecycleRefusesImpossibleSteps) {
  JobStore store(*redis_, keys_);
  AddPending(store);
  MachinePool pool(*redis_, keys_);
  auto a = pool.Admit(1);
  ASSERT_EQ(a->decision, Decision::kCreate);
  const std::string id = a->machine_id;
  EXPECT_TRUE(pool.SetState(id, MachineState::kRunning).ok());
  EXPECT_EQ(pool.SetState(id, MachineState::kStarting).code(), Code::kConflict);
  EXPECT_TRUE(pool.SetState(id, MachineState::kIdle).ok());
  EXPECT_TRUE(pool.SetState(id, MachineState::kStopped).ok());
  EXPECT_EQ(pool.SetState(id, MachineState::kRunning).code(), Code::kConflict);
  EXPECT_TRUE(pool.SetState(id, MachineState::kStarting).ok());
  EXPECT_EQ(pool.SetState("m_nobody", MachineState::kIdle).code(), Code::kNotFound);
  ASSERT_TRUE(pool.Forget(id).ok());
  EXPECT_TRUE(pool.List()->empty());
}

TEST_F(StateMachines, AWaitingWorkerIsIdleSinceItsLastJob) {
  JobStore store(*redis_, keys_);
  AddPending(store);
  MachinePool pool(*redis_, keys_);
  const std::string id = pool.Admit(3)->machine_id;
  Queue queue(*redis_, keys_);
  auto lease = queue.TryClaim(id);
  ASSERT_TRUE(lease.ok() && *lease);
  ASSERT_TRUE(queue.Complete(**lease, {}).ok());
  ASSERT_TRUE(queue.Claim(id, milliseconds(10)).ok());  // nothing ready: the machine waits, idle
  auto machine = pool.Get(id);
  ASSERT_TRUE(machine.ok()) << machine.status().ToString();
  EXPECT_EQ(machine->state, "idle");
  EXPECT_EQ(machine->job_id, "");
  // Idle since the job ended: the scheduler stops it an idle timeout later.
  EXPECT_GE(machine->last_active_at_ms, store.Get((*lease)->job_id)->updated_at);
}

TEST_F(StateMachines, StatsHaveTheApiShape) {
  JobStore store(*redis_, keys_);
  const std::string a = AddPending(store);
  AddPending(store);
  MachinePool pool(*redis_, keys_);
  const std::string m = pool.Admit(4)->machine_id;
  Queue queue(*redis_, keys_);
  ASSERT_TRUE(queue.TryClaim(m).ok());
  auto stats = GetStats(*redis_, keys_, 4);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  const nlohmann::json& s = *stats;
  EXPECT_EQ(s["machines"]["running"], 1);
  EXPECT_EQ(s["machines"]["idle"], 0);
  EXPECT_EQ(s["machines"]["starting"], 0);
  EXPECT_EQ(s["machines"]["stopped"], 0);
  EXPECT_EQ(s["machines"]["max"], 4);
  EXPECT_EQ(s["machines"]["capacityAvailable"], 3);
  EXPECT_EQ(s["pendingJobs"], 1);
  EXPECT_EQ(s["activeJobs"], 1);
  EXPECT_EQ(s["activeJobIds"], nlohmann::json::array({a}));
}

TEST_F(StateMachines, TickLeaseHasOneHolderPerTick) {
  auto other_client = NewClient();
  TickLease mine(*redis_, keys_), theirs(*other_client, keys_);
  EXPECT_TRUE(*mine.TryAcquireTick("reaper", milliseconds(100)));
  EXPECT_FALSE(*theirs.TryAcquireTick("reaper", milliseconds(100)));
  EXPECT_FALSE(*mine.TryAcquireTick("reaper", milliseconds(100)));
  EXPECT_TRUE(*theirs.TryAcquireTick("idle-stop", milliseconds(100)));
  std::this_thread::sleep_for(milliseconds(150));
  EXPECT_TRUE(*theirs.TryAcquireTick("reaper", milliseconds(100)));
  EXPECT_FALSE(mine.TryAcquireTick("", milliseconds(100)).ok());
}

TEST_F(StateMachines, AWorkerStartedByHandRegistersOnce) {
  MachinePool pool(*redis_, keys_);
  auto fresh = pool.Register("m_hand");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_TRUE(*fresh);
  auto m = pool.Get("m_hand");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->state, "running");
  EXPECT_GT(m->created_at_ms, 0);
  EXPECT_EQ(m->last_active_at_ms, m->created_at_ms);
  EXPECT_EQ(m->owner, "");
  ASSERT_TRUE(pool.SetState("m_hand", MachineState::kStopped).ok());
  EXPECT_FALSE(*pool.Register("m_hand"));  // there already: left as it is
  EXPECT_EQ(pool.Get("m_hand")->state, "stopped");
  EXPECT_EQ(pool.List()->size(), 1u);
  EXPECT_EQ(pool.Get("m_nobody").status().code(), Code::kNotFound);
}

// Drain: the machine finishes the job it has (its fenced writes still count),
// then every claim says it is draining, including the one that would follow
// its completion; admission neither counts it as supply nor restarts it once
// stopped; a drained, stopped machine is refused a second drain; start clears it.
TEST_F(StateMachines, ADrainedMachineFinishesItsJobTakesNoMoreAndIsNotRestarted) {
  JobStore store(*redis_, keys_);
  MachinePool pool(*redis_, keys_);
  Queue queue(*redis_, keys_);
  ASSERT_TRUE(pool.Register("m_drain").ok());
  const std::string first = AddPending(store);
  const std::string second = AddPending(store);
  auto lease = queue.TryClaim("m_drain");
  ASSERT_TRUE(lease.ok() && *lease && (*lease)->job_id == first);
  auto drained = pool.Act("m_drain", MachineAction::kDrain);
  ASSERT_TRUE(drained.ok()) << drained.status().ToString();
  EXPECT_EQ(drained->was, "running");
  EXPECT_TRUE(pool.Get("m_drain")->draining);
  auto next = queue.CompleteAndClaim(**lease, {}, "m_drain");  // its job completes; nothing more is claimed
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_FALSE(next->has_value());
  EXPECT_EQ(store.Get(first)->status, JobStatus::kCompleted);
  auto refused = queue.TryClaim("m_drain");
  EXPECT_EQ(refused.status().code(), Code::kCancelled) << refused.status().ToString();
  EXPECT_EQ(store.Get(second)->status, JobStatus::kPending);  // still ready for another machine
  EXPECT_EQ(pool.Get("m_drain")->jobs_done, 1);
  // A blocked claim is woken by the drain and told so (not left waiting).
  ASSERT_TRUE(pool.Register("m_blocked").ok());
  Queue other(*redis_, keys_);
  auto taken = other.TryClaim("");  // the ready job goes: m_blocked has nothing to claim
  ASSERT_TRUE(taken.ok() && *taken);
  std::thread drainer([&, client = NewClient()] {
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_TRUE(MachinePool(*client, keys_).Act("m_blocked", MachineAction::kDrain).ok());
  });
  auto blocked_client = NewClient();
  Queue blocking(*blocked_client, keys_);
  const auto start = std::chrono::steady_clock::now();
  auto woken = blocking.Claim("m_blocked", std::chrono::seconds(20));
  drainer.join();
  EXPECT_EQ(woken.status().code(), Code::kCancelled) << woken.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // Stopped and drained: not supply, not restarted; a new job makes a new machine.
  ASSERT_TRUE(pool.SetState("m_drain", MachineState::kStopped).ok());
  ASSERT_TRUE(pool.SetState("m_blocked", MachineState::kStopped).ok());
  AddPending(store);
  auto admitted = pool.Admit(3);
  ASSERT_TRUE(admitted.ok());
  EXPECT_EQ(admitted->decision, Decision::kCreate);
  EXPECT_EQ(pool.Act("m_drain", MachineAction::kDrain).status().code(), Code::kConflict);
  auto started = pool.Act("m_drain", MachineAction::kStart, "plane-a");
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  auto after = pool.Get("m_drain");
  EXPECT_EQ(after->state, "starting");
  EXPECT_FALSE(after->draining);
  EXPECT_EQ(after->owner, "plane-a");
  EXPECT_EQ(pool.Act("m_drain", MachineAction::kStart).status().code(), Code::kConflict);  // not stopped
}

// Destroy takes the machine out of the pool and puts the job it held back in
// the queue at once; the holder's late writes are refused by fencing.
TEST_F(StateMachines, DestroyingABusyMachineRequeuesItsJobAndFencesItsWorker) {
  JobStore store(*redis_, keys_);
  MachinePool pool(*redis_, keys_);
  Queue queue(*redis_, keys_);
  ASSERT_TRUE(pool.Register("m_doomed").ok());
  const std::string id = AddPending(store);
  auto lease = queue.TryClaim("m_doomed");
  ASSERT_TRUE(lease.ok() && *lease);
  EXPECT_EQ(pool.Act("m_doomed", MachineAction::kStop).value().was, "running");  // recorded; still there
  auto destroyed = pool.Act("m_doomed", MachineAction::kDestroy, "", "its host was retired");
  ASSERT_TRUE(destroyed.ok()) << destroyed.status().ToString();
  EXPECT_EQ(destroyed->requeued_job, id);
  EXPECT_EQ(pool.Get("m_doomed").status().code(), Code::kNotFound);
  auto job = store.Get(id);
  EXPECT_EQ(job->status, JobStatus::kPending);
  EXPECT_EQ(job->error, "its host was retired");
  EXPECT_EQ(queue.Complete(**lease, {}).code(), Code::kConflict);
  auto again = queue.TryClaim("");
  ASSERT_TRUE(again.ok() && *again);
  EXPECT_EQ((*again)->job_id, id);
  EXPECT_EQ((*again)->attempts, 2);
  EXPECT_EQ(pool.Act("m_doomed", MachineAction::kDestroy).status().code(), Code::kNotFound);
  ASSERT_TRUE(pool.Register("m_idle").ok());
  ASSERT_TRUE(pool.SetState("m_idle", MachineState::kStopped).ok());
  EXPECT_EQ(pool.Act("m_idle", MachineAction::kStop).status().code(), Code::kConflict);  // stopped already
}

// Every machine transition is published on its channel, and a failed
// attempt's reason is kept on the machine as its last error.
TEST_F(StateMachines, MachineTransitionsArePublishedAndFailuresKept) {
  auto sub = JobEventSubscription::Open(server_->url(), keys_);
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  JobStore store(*redis_, keys_);
  MachinePool pool(*redis_, keys_);
  Queue queue(*redis_, keys_);
  ASSERT_TRUE(pool.Register("m_loud").ok());
  AddPending(store);
  auto lease = queue.TryClaim("m_loud");
  ASSERT_TRUE(lease.ok() && *lease);
  ASSERT_TRUE(queue.Fail(**lease, "ffmpeg exited 1", false).ok());
  EXPECT_EQ(pool.Get("m_loud")->last_error, "ffmpeg exited 1");
  ASSERT_TRUE(pool.Act("m_loud", MachineAction::kDrain).ok());
  ASSERT_TRUE(pool.Act("m_loud", MachineAction::kDestroy).ok());
  std::vector<std::string> seen;  // "state draining job" of each machine message
  bool claimed_with_machine = false;
  while (seen.size() < 4) {
    auto ev = (*sub)->Next(std::chrono::seconds(5));
    ASSERT_TRUE(ev.ok()) << ev.status().ToString() << " after " << seen.size();
    if (!*ev) continue;
    const auto msg = nlohmann::json::parse((*ev)->payload);
    if ((*ev)->topic == JobEvent::Topic::kJob) {
      claimed_with_machine = claimed_with_machine || msg.value("machineId", "") == "m_loud";
      continue;
    }
    EXPECT_EQ((*ev)->job_id, "m_loud");
    seen.push_back(msg["state"].get<std::string>() + (msg["draining"].get<bool>() ? " draining" : "") +
                   (msg["jobId"].get<std::string>().empty() ? "" : " job"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"running", "running job", "running draining job", "gone"}));
  EXPECT_TRUE(claimed_with_machine);
}

TEST_F(StateMachines, ACorruptMachineRecordIsAnErrorNotACrash) {
  MachinePool pool(*redis_, keys_);
  ASSERT_TRUE(*pool.Register("m_good"));
  ASSERT_TRUE(*pool.Register("m_bad"));
  ASSERT_TRUE(redis_->Command({"HSET", keys_.Machine("m_bad"), "createdAt", "yesterday"}).ok());
  auto bad = pool.Get("m_bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInternal);
  auto list = pool.List();  // the readable ones still listed
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).id, "m_good");
}

}  // namespace
}  // namespace tcoder::state
