// WorkerLoop: `tcoder worker`, the compute plane's claim loop. It joins the
// machine pool, waits for work with a blocking, bounded Claim, runs each job
// (JobRunner) under a lease kept alive by a Heartbeat thread, makes the fenced
// write that ends the attempt, reports the ending to the control plane, and
// leaves the pool (machine stopped) when asked to stop, once an operator
// drains the machine (its last job done, the claim says it takes no more), or
// when it has had no job for `exit_when_idle`. A completion claims
// the next ready job in the same step, so a busy worker goes from one job to
// the next in one round trip. docs/worker.md.
//
// Thread-safety: Run() on one thread; StopSignal::Request() from anywhere,
// signal handlers included.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "state/job_store.h"
#include "state/keys.h"
#include "state/machine_pool.h"
#include "state/queue.h"
#include "state/redis_client.h"
#include "storage/s3_client.h"
#include "worker/completion_report.h"
#include "worker/heartbeat.h"
#include "worker/job_runner.h"

namespace tcoder::worker {

// A request to stop, with the time it came (steady clock).
class StopSignal {
 public:
  void Request() noexcept;  // async-signal-safe; later requests keep the first time
  bool requested() const noexcept { return at_ns_.load() != 0; }
  // True once `grace` has passed since the request.
  bool GraceOver(std::chrono::milliseconds grace) const noexcept;

 private:
  std::atomic<std::int64_t> at_ns_{0};  // CLOCK_MONOTONIC nanoseconds; 0: not requested
};

struct WorkerOptions {
  std::string redis_url = "redis://127.0.0.1:6379";
  state::Keys keys;
  std::string machine_id;  // empty: a new "m_..." id, registered in the pool
  storage::S3ClientConfig s3;
  JobRunnerOptions runner;  // runner.work_dir is the temp root (empty: the system's)
  std::string control_url;  // empty: no completion reports
  std::string internal_secret;
  std::chrono::milliseconds lease{std::chrono::seconds(30)};
  std::chrono::milliseconds job_timeout{std::chrono::hours(2)};
  std::chrono::milliseconds stop_grace{std::chrono::seconds(30)};
  std::chrono::milliseconds claim_wait{std::chrono::minutes(30)};  // one Claim blocks at most this long
  // Leave the pool and return once no job has come for this long (0: never):
  // a cloud machine whose control plane is gone stops itself.
  std::chrono::milliseconds exit_when_idle{0};
};

// kInvalidArgument unless `id` is 1-64 of [A-Za-z0-9_.-].
Status ValidateMachineId(std::string_view id);

class WorkerLoop {
 public:
  // Checks the options and connects to Redis (two connections: claims and
  // fenced writes; heartbeats). Errors: bad options, Redis unreachable.
  static Result<std::unique_ptr<WorkerLoop>> Create(WorkerOptions options, const StopSignal& stop);
  ~WorkerLoop();

  // Serves jobs until the stop signal; a job in hand gets `stop_grace` to
  // finish, else it is handed back (failed as retryable). Returns OK once the
  // machine is marked stopped.
  Status Run();
  const std::string& machine_id() const { return options_.machine_id; }

  // How a job ended (for its completion report).
  struct Ending {
    std::string status;  // completed | failed | cancelled
    std::string error;
  };

 private:
  WorkerLoop(WorkerOptions options, const StopSignal& stop) : options_(std::move(options)), stop_(stop) {}
  Status JoinPool();
  Status PrepareWorkDir();
  void LeavePool();
  // Runs the job and ends it; returns the next job's lease when the
  // completion claimed one in the same step (CompleteAndClaim).
  std::optional<state::Lease> RunJob(const state::Lease& lease);
  Result<state::Completion> Execute(const state::Lease& lease, Heartbeat& heartbeat);
  std::optional<Ending> Finish(const state::Lease& lease, const Heartbeat& heartbeat,
                               const Result<state::Completion>& result, std::optional<state::Lease>& next);
  Status Complete(const state::Lease& lease, const state::Completion& completion, std::optional<state::Lease>& next);
  std::optional<Ending> FailAttempt(const state::Lease& lease, const Status& why);
  void DiscardAttempt(const state::Lease& lease);
  std::optional<Ending> HandBack(const state::Lease& lease);
  void Report(const state::Lease& lease, const Ending& ending);
  void PauseAfterError();

  WorkerOptions options_;
  const StopSignal& stop_;
  std::unique_ptr<state::RedisClient> redis_;     // claims, job reads, fenced writes
  std::unique_ptr<state::RedisClient> hb_redis_;  // the heartbeat thread's
  std::unique_ptr<state::Queue> queue_;
  std::unique_ptr<state::Queue> hb_queue_;
  std::unique_ptr<storage::S3Client> s3_;
  std::unique_ptr<CompletionReporter> reporter_;  // null: no reports
  std::unique_ptr<JobRunner> runner_;
};

}  // namespace tcoder::worker
