// Scheduler: the control plane's periodic work, each kind guarded by a tick
// lease so that with several control planes it is done once per tick:
// requeue expired leases (state::Queue::Reap), recover uploads whose event
// never came (HEAD on the input: present -> ingested; absent past the
// presigned URL's expiry plus a grace -> failed "upload never completed"; a
// multipart upload counts from its newest part, and is aborted in the store
// when failed),
// purge ended jobs past their TTL, remove what superseded attempts of
// completed jobs left in the output bucket, and stop machines idle past the idle
// timeout, and mark stopped the machines whose process is gone (machine
// reconciliation, below). Local machines belong to the control plane that
// started them, so those leases are per provider scope. Webhook retries run on
// Webhooks' thread.
//
// A running or idle machine is gone when: its provider (this plane's) lists
// it stopped; or its owner plane is dead (no liveness key: a local worker dies
// with the plane that ran it); or it has no owner (a worker started by hand),
// its job's lease is gone and it has not heartbeated for machine_stale.
// A machine of ours that is alive but silent that long is stopped through the
// provider.
// With a cloud provider (scope ""), the pass also reconciles the provider's
// list with the pool: orphans and failed machines are destroyed, machines the
// provider no longer has are forgotten.
// Thread-safety: one thread; RunOnce is for tests.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "common/background_loop.h"
#include "control/machine_provider.h"
#include "control/metrics.h"
#include "control/options.h"
#include "state/job.h"
#include "state/job_store.h"
#include "state/keys.h"
#include "state/machine_pool.h"
#include "state/redis_pool.h"
#include "storage/s3_client.h"

namespace tcoder::control {

struct SweepCounts {
  int reaped = 0;
  int recovered = 0;  // uploads ingested by the sweep
  int abandoned = 0;  // uploads failed by the sweep
  int purged = 0;
  int superseded = 0;  // objects of superseded attempts removed
  int idle_stopped = 0;
  int gone = 0;  // machines marked stopped because their process is gone
  // A cloud provider's machines reconciled with the pool: destroyed (unknown
  // to the pool, or failed) and forgotten (the provider no longer has them).
  int destroyed = 0;
  int forgotten = 0;
};

class Scheduler {
 public:
  Scheduler(state::RedisPool& redis, state::Keys keys, const ControlOptions& options, MachineProvider& provider,
            storage::S3Client& s3, Metrics& metrics, std::function<void()> admit);
  ~Scheduler();  // Stop()
  void Start();
  void Stop();
  // Every kind now, whatever is due (tests).
  Result<SweepCounts> RunOnce();
  // From any thread: the reaper (a new lease or delayed job), the upload
  // sweep (a new upload) runs on the next tick.
  void KickReap();
  void KickUploads();
  // From any thread: a job ended, so its machine is idle from now on; the
  // machine pass comes when that machine's idle timeout is reached.
  void MachineWentIdle();
  // A job is waiting: admission may be creating or starting a machine. The
  // machines pass looks again soon (a cloud machine that failed to boot is
  // replaced without waiting for the boot timeout).
  void WorkArrived();

 private:
  using Clock = std::chrono::steady_clock;
  struct Plan {  // when each kind runs next; the loop thread's
    Clock::time_point reap, uploads, machines, purge, announce, attempts;
  };
  void Step();
  Result<SweepCounts> RunDue(bool all);
  // `wait` within [tick, idle_tick] from now.
  Clock::time_point After(std::chrono::milliseconds wait) const;
  // The same within [tick, max(idle_tick, idle_timeout)]: the machine pass,
  // whose reasons to run (an idle timeout reached, a process gone, a job
  // ended) are all known ahead or reported.
  Clock::time_point MachinesAfter(std::chrono::milliseconds wait) const;
  // True when this plane's provider lists other machines or states than at
  // the last machine pass (a process exited, a machine started).
  bool ProviderChanged();
  // Records that this plane (the provider's scope) is alive, for a while.
  Status Announce(state::RedisClient& redis);
  Status Reap(state::RedisClient& redis, SweepCounts& counts);
  Status SweepUploads(state::RedisClient& redis, SweepCounts& counts);
  // Removes the objects of completed jobs' superseded attempts
  // (attempt_sweep.h), for jobs completed since the last pass.
  Status SweepAttempts(state::RedisClient& redis, SweepCounts& counts);
  bool SweepAttemptsOf(state::JobStore& store, const std::string& id, SweepCounts& counts);
  // A multipart upload's newest part (ms since the epoch; 0 for none, now when
  // the store cannot say), and its abort once the job was given up.
  std::int64_t LastPartAt(const state::Job& job);
  void AbortUpload(const state::Job& job);
  Status StopIdle(const std::vector<state::Machine>& machines, SweepCounts& counts);
  Status ReconcileMachines(state::RedisClient& redis, SweepCounts& counts);
  Status ReconcileCloud(state::MachinePool& pool, const std::vector<state::Machine>& machines,
                        const std::vector<MachineInfo>& listed, SweepCounts& counts);
  // When the machine pass is due next, from the pool it read.
  void PlanMachines(const std::vector<state::Machine>& machines);
  std::chrono::milliseconds BootCheck() const;
  // Why machine `m` is gone ("" when it is not, or not ours to say).
  Result<std::string> GoneReason(state::RedisClient& redis, const state::Machine& m,
                                 const std::map<std::string, std::string>& ours);
  Result<bool> Due(state::RedisClient& redis, const std::string& name, std::chrono::milliseconds every);

  state::RedisPool& redis_;
  state::Keys keys_;
  ControlOptions options_;
  MachineProvider& provider_;
  storage::S3Client& s3_;
  Metrics& metrics_;
  std::function<void()> admit_;
  Plan plan_;
  std::map<std::string, std::string> listed_;  // the provider's machines at the last machine pass
  bool after_outage_ = false;                  // the last tick could not reach Redis
  std::atomic<bool> kick_reap_{false};
  std::atomic<bool> kick_uploads_{false};
  std::atomic<bool> went_idle_{false};
  std::atomic<bool> work_arrived_{false};
  BackgroundLoop loop_;
};

}  // namespace tcoder::control
