// Machine reconciliation: the scheduler, on a real redis-server, with a fake
// provider. A worker whose lease the reaper requeues leaves its machine
// `running`; the scheduler must see that the machine's process is gone and
// mark it stopped, so that admission can start it again. With a cloud
// provider, its list and the pool are made to agree.
#include <gtest/gtest.h>

#include <thread>

#include "control/scheduler.h"
#include "state/control_planes.h"
#include "state/job_store.h"
#include "state/machine_pool.h"
#include "state/queue.h"
#include "support/redis_server.h"

namespace tcoder::control {
namespace {

using std::chrono::milliseconds;

// Lists what a test says; records stops.
class FakeProvider : public MachineProvider {
 public:
  Status Create(const std::string&) override { return Status::Ok(); }
  Status Start(const std::string&) override { return Status::Ok(); }
  Status Stop(const std::string& id) override {
    stopped.push_back(id);
    return Status::Ok();
  }
  Status Wait(const std::string&, const std::string&, milliseconds) override { return Status::Ok(); }
  Result<std::vector<MachineInfo>> List() override { return listed; }
  Status Destroy(const std::string& id) override {
    destroyed.push_back(id);
    return Status::Ok();
  }
  std::string scope() const override { return scope_name; }

  std::string scope_name = "cp_me";  // "": a cloud provider
  std::vector<MachineInfo> listed;
  std::vector<std::string> stopped;
  std::vector<std::string> destroyed;
};

class ControlMachines : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    redis_server_ = std::move(*server);
    pool_ = std::make_unique<state::RedisPool>(redis_server_->url());
    redis_ = std::move(state::RedisClient::Connect(redis_server_->url()).value());
    storage::S3ClientConfig s3c;
    s3c.endpoint = "http://127.0.0.1:1";  // never called: no upload is waiting
    s3c.credentials = {"ak", "sk", ""};
    s3_ = std::move(storage::S3Client::Create(s3c).value());
    options_.tick = milliseconds(1);
    options_.machine_stale = milliseconds(50);
    scheduler_ = std::make_unique<Scheduler>(*pool_, keys_, options_, provider_, *s3_, metrics_, nullptr);
  }

  // A pending job, and a machine created for it by admission on behalf of
  // `owner`, now running (its worker joined).
  void AddPendingJob() {
    state::JobSpec spec;
    spec.input_key = "in/" + std::to_string(++jobs_);
    EXPECT_TRUE(state::JobStore(*redis_, keys_).Create(state::NewJobId(), spec, state::JobStatus::kPending).ok());
  }

  std::string MachineFor(const std::string& owner) {
    AddPendingJob();
    state::MachinePool pool(*redis_, keys_);
    auto admission = pool.Admit(10, owner);
    EXPECT_TRUE(admission.ok());
    EXPECT_EQ(admission->decision, state::Admission::Decision::kCreate);
    EXPECT_TRUE(pool.SetState(admission->machine_id, state::MachineState::kRunning).ok());
    return admission->machine_id;
  }

  // The machine's worker claims a job with a short lease and dies.
  void ClaimAndDie(const std::string& machine) {
    state::QueueOptions qo;
    qo.lease = milliseconds(100);
    state::Queue queue(*redis_, keys_, qo);
    auto lease = queue.TryClaim(machine);
    ASSERT_TRUE(lease.ok() && lease->has_value());
    std::this_thread::sleep_for(milliseconds(200));  // the lease expires; no heartbeat comes
  }

  std::string State(const std::string& machine) {
    return state::MachinePool(*redis_, keys_).Get(machine).value().state;
  }

  SweepCounts Tick() {
    auto counts = scheduler_->RunOnce();
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    return counts.ok() ? *counts : SweepCounts{};
  }

  state::Keys keys_;
  ControlOptions options_;
  FakeProvider provider_;
  Metrics metrics_;
  std::unique_ptr<testing::RedisServer> redis_server_;
  std::unique_ptr<state::RedisPool> pool_;
  std::unique_ptr<state::RedisClient> redis_;
  std::unique_ptr<storage::S3Client> s3_;
  std::unique_ptr<Scheduler> scheduler_;
  int jobs_ = 0;
};

TEST_F(ControlMachines, MachineOfADeadControlPlaneIsStoppedWhenItsLeaseIsReaped) {
  const std::string m = MachineFor("cp_dead");  // its plane never heartbeats: it is gone
  ClaimAndDie(m);
  SweepCounts counts = Tick();
  EXPECT_EQ(counts.reaped, 1);
  EXPECT_EQ(counts.gone, 1);
  EXPECT_EQ(State(m), "stopped");
  // Admission may now start it again rather than count it as busy forever.
  AddPendingJob();  // (the requeued one waits out its backoff)
  auto again = state::MachinePool(*redis_, keys_).Admit(1, "cp_me");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->decision, state::Admission::Decision::kStart);
  EXPECT_EQ(again->machine_id, m);
}

TEST_F(ControlMachines, MachineOfALiveControlPlaneIsLeftToIt) {
  ASSERT_TRUE(state::ControlPlanes(*redis_, keys_).Heartbeat("cp_other", std::chrono::minutes(1)).ok());
  const std::string m = MachineFor("cp_other");
  ClaimAndDie(m);
  EXPECT_EQ(Tick().gone, 0);
  EXPECT_EQ(State(m), "running");
}

TEST_F(ControlMachines, OwnMachineWhoseProcessExitedIsStopped) {
  const std::string m = MachineFor("cp_me");
  provider_.listed = {{m, "stopped"}};
  EXPECT_EQ(Tick().gone, 1);
  EXPECT_EQ(State(m), "stopped");
}

TEST_F(ControlMachines, OwnLiveMachineSilentWithoutALeaseIsStoppedThroughTheProvider) {
  const std::string m = MachineFor("cp_me");
  provider_.listed = {{m, "started"}};
  ClaimAndDie(m);
  EXPECT_EQ(Tick().gone, 0);  // alive: the provider stops it, its exit marks it stopped
  EXPECT_EQ(provider_.stopped, std::vector<std::string>{m});
}

TEST_F(ControlMachines, HandStartedWorkerIsStoppedOnlyOnceItsLeaseIsGoneAndItIsSilent) {
  const std::string m = MachineFor("");  // no owner: a worker started by hand
  state::QueueOptions qo;
  qo.lease = milliseconds(60'000);
  state::Queue queue(*redis_, keys_, qo);
  auto lease = queue.TryClaim(m);
  ASSERT_TRUE(lease.ok() && lease->has_value());
  std::this_thread::sleep_for(milliseconds(100));  // silent past machine_stale, but the lease holds
  EXPECT_EQ(Tick().gone, 0);
  EXPECT_EQ(State(m), "running");
  const std::string other = MachineFor("");
  ClaimAndDie(other);  // this one's lease expires
  SweepCounts counts = Tick();
  EXPECT_EQ(counts.gone, 1);
  EXPECT_EQ(State(other), "stopped");
  EXPECT_EQ(State(m), "running");
}

TEST_F(ControlMachines, IdleMachineOfADeadControlPlaneIsStopped) {
  const std::string m = MachineFor("cp_dead");
  ASSERT_TRUE(state::MachinePool(*redis_, keys_).SetState(m, state::MachineState::kIdle).ok());
  EXPECT_EQ(Tick().gone, 1);
  EXPECT_EQ(State(m), "stopped");
}

TEST_F(ControlMachines, ACloudProvidersListAndThePoolAreMadeToAgree) {
  provider_.scope_name = "";
  const std::string kept = MachineFor(""), failed = MachineFor(""), vanished = MachineFor("");
  provider_.listed = {{kept, "started"}, {failed, "failed"}, {"m_orphan", "stopped"}};
  const SweepCounts counts = Tick();
  EXPECT_EQ(counts.destroyed, 2);
  EXPECT_EQ(counts.forgotten, 1);
  EXPECT_EQ(provider_.destroyed, (std::vector<std::string>{failed, "m_orphan"}));
  state::MachinePool pool(*redis_, keys_);
  EXPECT_EQ(pool.Get(failed).status().code(), Code::kNotFound) << "a failed machine is replaced, not kept";
  EXPECT_EQ(pool.Get(vanished).status().code(), Code::kNotFound) << "the provider no longer has it";
  EXPECT_EQ(State(kept), "running");
  // Just admitted, its create maybe still on the way: not forgotten yet.
  AddPendingJob();
  auto admitted = pool.Admit(10, "");
  ASSERT_TRUE(admitted.ok());
  ASSERT_EQ(admitted->decision, state::Admission::Decision::kCreate);
  provider_.listed = {{kept, "started"}};
  EXPECT_EQ(Tick().forgotten, 0);
  EXPECT_EQ(State(admitted->machine_id), "starting");
  // A local provider's list is never reconciled this way.
  provider_.scope_name = "cp_me";
  provider_.listed = {{"m_other_orphan", "started"}};
  provider_.destroyed.clear();
  Tick();
  EXPECT_TRUE(provider_.destroyed.empty());
}

}  // namespace
}  // namespace tcoder::control
