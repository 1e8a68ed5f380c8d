#include "worker/worker_loop.h"

#include <time.h>

#include <algorithm>
#include <system_error>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/ascii.h"
#include "common/crypto.h"
#include "common/log.h"
#include "state/access_check.h"
#include "worker/failure.h"

namespace tcoder::worker {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::int64_t MonotonicNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Retries a fenced write while Redis is unreachable, for up to 10 minutes
// (every 1-2 s, jittered): an outage must not lose a finished job's result.
// Fencing refuses the write if the job was taken over meanwhile.
template <typename F>
auto WithRetries(F call, milliseconds patience = std::chrono::minutes(10)) {
  auto r = call();
  const auto give_up = Clock::now() + patience;
  while (!r.ok() && r.status().code() == Code::kUnavailable && Clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(1000 + static_cast<unsigned char>(crypto::RandomBytes(1)[0]) * 4));
    r = call();
  }
  return r;
}

// Status has no value; Result<bool> does: one shape for WithRetries.
Result<bool> AsResult(Status s) {
  if (!s.ok()) return s;
  return true;
}

// The ending a fenced write made, or nullopt (logged) when it was refused.
std::optional<WorkerLoop::Ending> Ended(const Status& write, std::string status, std::string error,
                                        nlohmann::json fields) {
  fields["status"] = status;
  if (!write.ok()) {
    fields["error"] = write.ToString();
    log::Warn("could not end the job", fields);
    return std::nullopt;
  }
  log::Info("job ended", fields);
  return WorkerLoop::Ending{std::move(status), std::move(error)};
}

}  // namespace

void StopSignal::Request() noexcept {
  std::int64_t expected = 0;
  at_ns_.compare_exchange_strong(expected, MonotonicNs());
}

bool StopSignal::GraceOver(milliseconds grace) const noexcept {
  const std::int64_t at = at_ns_.load();
  return at != 0 && MonotonicNs() - at >= std::chrono::nanoseconds(grace).count();
}

Status ValidateMachineId(std::string_view id) {
  return IsIdentifier(id, 1, 64, "_.-") ? Status::Ok() : InvalidArgument("machine id must be 1-64 of [A-Za-z0-9_.-]");
}

WorkerLoop::~WorkerLoop() = default;

Result<std::unique_ptr<WorkerLoop>> WorkerLoop::Create(WorkerOptions options, const StopSignal& stop) {
  if (options.machine_id.empty()) options.machine_id = "m_" + crypto::RandomToken(9);
  if (Status s = ValidateMachineId(options.machine_id); !s.ok()) return s;
  if (options.lease < milliseconds(1000)) return InvalidArgument("lease must be at least 1s");
  if (options.job_timeout <= milliseconds(0)) return InvalidArgument("job timeout must be positive");
  if (options.claim_wait < milliseconds(100)) return InvalidArgument("claim wait must be at least 100ms");
  std::unique_ptr<WorkerLoop> w(new WorkerLoop(std::move(options), stop));
  WorkerOptions& o = w->options_;
  for (auto* client : {&w->redis_, &w->hb_redis_}) {
    auto c = state::RedisClient::Connect(o.redis_url);
    if (!c.ok()) return c.status().WithContext("redis");
    *client = std::move(*c);
  }
  if (Status s = state::CheckAccess(*w->redis_, o.keys); !s.ok()) return s;
  state::QueueOptions q{.lease = o.lease, .max_block = o.claim_wait};
  w->queue_ = std::make_unique<state::Queue>(*w->redis_, o.keys, q);
  w->hb_queue_ = std::make_unique<state::Queue>(*w->hb_redis_, o.keys, q);
  auto s3 = storage::S3Client::Create(o.s3);
  if (!s3.ok()) return s3.status().WithContext("s3");
  w->s3_ = std::move(*s3);
  if (!o.control_url.empty()) {
    auto reporter = CompletionReporter::Create({.control_url = o.control_url}, o.internal_secret);
    if (!reporter.ok()) return reporter.status().WithContext("completion reports");
    w->reporter_ = std::move(*reporter);
  }
  if (o.runner.work_dir.empty()) o.runner.work_dir = fs::temp_directory_path();
  o.runner.work_dir = o.runner.work_dir / ("tcoder-worker-" + o.machine_id);
  w->runner_ = std::make_unique<JobRunner>(*w->s3_, o.runner);
  return w;
}

Status WorkerLoop::PrepareWorkDir() {
  std::error_code ec;
  fs::remove_all(options_.runner.work_dir, ec);  // what a killed predecessor with this id left
  fs::create_directories(options_.runner.work_dir, ec);
  if (ec) return IOError("creating " + options_.runner.work_dir.string() + ": " + ec.message());
  fs::permissions(options_.runner.work_dir, fs::perms::owner_all, ec);
  return Status::Ok();
}

Status WorkerLoop::JoinPool() {
  state::MachinePool pool(*redis_, options_.keys);
  const std::string& id = options_.machine_id;
  Status s = pool.SetState(id, state::MachineState::kRunning);
  if (s.code() == Code::kNotFound) {
    auto r = pool.Register(id);
    if (!r.ok()) return r.status().WithContext("registering machine " + id);
    log::Info("machine registered", {{"machineId", id}});
    s = pool.SetState(id, state::MachineState::kRunning);
  }
  if (s.code() == Code::kConflict) {  // stopped before: starting, then running
    if (Status st = pool.SetState(id, state::MachineState::kStarting); !st.ok()) return st;
    s = pool.SetState(id, state::MachineState::kRunning);
  }
  return s;
}

void WorkerLoop::LeavePool() {
  state::MachinePool pool(*redis_, options_.keys);
  Status s = WithRetries([&] { return AsResult(pool.SetState(options_.machine_id, state::MachineState::kStopped)); },
                         std::chrono::seconds(5))
                 .status();
  if (!s.ok()) log::Warn("could not mark the machine stopped", {{"error", s.ToString()}});
  std::error_code ec;
  fs::remove_all(options_.runner.work_dir, ec);
}

void WorkerLoop::PauseAfterError() {
  for (int i = 0; i < 10 && !stop_.requested(); ++i) std::this_thread::sleep_for(milliseconds(100));
}

Status WorkerLoop::Run() {
  if (Status s = PrepareWorkDir(); !s.ok()) return s;
  if (Status s = JoinPool(); !s.ok()) return s.WithContext("joining the machine pool");
  log::Info("worker ready", {{"machineId", options_.machine_id}});
  // An idle worker waits in one long BLPOP; a stop request ends that wait.
  std::jthread interrupter([this](std::stop_token done) {
    while (!done.stop_requested() && !stop_.requested()) std::this_thread::sleep_for(milliseconds(50));
    if (stop_.requested()) redis_->Interrupt();
  });
  std::optional<state::Lease> next;  // claimed by the last completion
  const milliseconds idle_limit = options_.exit_when_idle;
  auto last_job = std::chrono::steady_clock::now();
  while (!stop_.requested()) {
    if (!next) {
      const auto idle = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - last_job);
      if (idle_limit.count() > 0 && idle >= idle_limit) {
        log::Info("no job for the idle limit: leaving the pool", {{"machineId", options_.machine_id}});
        break;
      }
      const milliseconds wait =
          idle_limit.count() > 0 ? std::min(options_.claim_wait, idle_limit - idle) : options_.claim_wait;
      auto lease = queue_->Claim(options_.machine_id, std::max(wait, milliseconds(1)));
      if (!lease.ok() && stop_.requested()) break;
      if (!lease.ok() && lease.status().code() == Code::kCancelled) {
        log::Info("machine drained: leaving the pool", {{"machineId", options_.machine_id}});
        break;
      }
      if (!lease.ok()) {
        log::Warn("claim failed", {{"error", lease.status().ToString()}});
        PauseAfterError();
        continue;
      }
      next = *lease;
    }
    if (!next) continue;
    const state::Lease current = *next;
    next = RunJob(current);
    last_job = std::chrono::steady_clock::now();
  }
  if (next) (void)HandBack(*next);  // claimed as the stop came: back to the queue untouched
  log::Info("worker stopping", {{"machineId", options_.machine_id}});
  LeavePool();
  return Status::Ok();
}

std::optional<state::Lease> WorkerLoop::RunJob(const state::Lease& lease) {
  const nlohmann::json fields = {{"jobId", lease.job_id}, {"token", lease.token}, {"attempt", lease.attempts}};
  log::Info("job claimed", fields);
  Heartbeat heartbeat(*hb_queue_, lease,
                      {.interval = HeartbeatInterval(options_.lease), .give_up = options_.lease * 10});
  heartbeat.Start();
  Result<state::Completion> result = Execute(lease, heartbeat);
  heartbeat.Stop();  // nothing more from it: the final write is ours
  std::optional<state::Lease> next;
  const std::optional<Ending> ending = Finish(lease, heartbeat, result, next);
  if (ending) Report(lease, *ending);
  return next;
}

Result<state::Completion> WorkerLoop::Execute(const state::Lease& lease, Heartbeat& heartbeat) {
  state::JobStore store(*redis_, options_.keys);
  auto job = store.Get(lease.job_id);
  if (!job.ok()) return Unavailable("reading the job: " + job.status().ToString());
  JobHooks hooks{.deadline = Clock::now() + options_.job_timeout};
  hooks.stop = [&] { return heartbeat.lost() || heartbeat.cancel_requested() || stop_.GraceOver(options_.stop_grace); };
  hooks.progress = [&](int percent) { heartbeat.SetProgress(percent); };
  return runner_->Run(*job, lease, hooks);
}

std::optional<WorkerLoop::Ending> WorkerLoop::Finish(const state::Lease& lease, const Heartbeat& heartbeat,
                                                     const Result<state::Completion>& result,
                                                     std::optional<state::Lease>& next) {
  nlohmann::json fields = {{"jobId", lease.job_id}, {"token", lease.token}};
  if (heartbeat.lost()) {
    log::Warn("lease lost: job abandoned, its state left to the new holder", fields);
    DiscardAttempt(lease);
    return std::nullopt;
  }
  if (result.ok()) {
    Status completed = Complete(lease, *result, next);
    if (completed.code() == Code::kConflict) DiscardAttempt(lease);  // fenced: another attempt owns the job
    return Ended(completed, "completed", "", fields);
  }
  std::optional<Ending> ending;
  if (heartbeat.cancel_requested()) {
    Status s = WithRetries([&] { return AsResult(queue_->AckCancel(lease)); }).status();
    ending = Ended(s, "cancelled", "cancelled", fields);
  } else {
    ending = FailAttempt(lease, result.status());
  }
  DiscardAttempt(lease);  // after the job moved on: it may have uploaded some of its outputs
  return ending;
}

// Removes what a superseded or failed attempt uploaded under its own prefix;
// best effort (a sweep of what is left would need the store reachable too).
void WorkerLoop::DiscardAttempt(const state::Lease& lease) {
  auto deleted = runner_->Discard(lease);
  nlohmann::json fields = {{"jobId", lease.job_id}, {"token", lease.token}};
  if (!deleted.ok()) {
    fields["error"] = deleted.status().ToString();
    log::Warn("could not remove the attempt's uploads", fields);
  } else if (*deleted > 0) {
    fields["objects"] = *deleted;
    log::Info("attempt's uploads removed", fields);
  }
}

// Completes the job and, unless this worker is stopping, claims the next in
// the same step. Retries (Redis unreachable) complete only: when a reply was
// lost after the server ran it, the job is completed and the lease of the job
// it claimed expires and is reaped, as if a worker had died holding it.
Status WorkerLoop::Complete(const state::Lease& lease, const state::Completion& completion,
                            std::optional<state::Lease>& next) {
  if (!stop_.requested()) {
    auto claimed = queue_->CompleteAndClaim(lease, completion, options_.machine_id);
    if (claimed.ok()) next = *claimed;
    if (claimed.ok() || claimed.status().code() != Code::kUnavailable) return claimed.status();
  }
  return WithRetries([&] { return AsResult(queue_->Complete(lease, completion)); }).status();
}

std::optional<WorkerLoop::Ending> WorkerLoop::FailAttempt(const state::Lease& lease, const Status& why) {
  // kCancelled without a cancel request or a lost lease: this worker is
  // stopping and its grace ran out, so the job goes back to the queue.
  if (why.code() == Code::kCancelled) return HandBack(lease);
  const std::string reason = why.message();
  const bool retryable = !IsPermanentFailure(why);
  auto retried = WithRetries([&] { return queue_->Fail(lease, reason, retryable); });
  nlohmann::json fields = {{"jobId", lease.job_id}, {"reason", reason}, {"retryable", retryable}};
  if (!retried.ok()) {
    fields["error"] = retried.status().ToString();
    log::Warn("could not fail the job", fields);
    return std::nullopt;
  }
  fields["retried"] = *retried;
  log::Warn("job attempt failed", fields);
  if (*retried) return std::nullopt;  // not an ending: it waits for another attempt
  return Ending{"failed", reason};
}

// Gives the job back to the queue at once without counting the attempt: the
// job did nothing wrong, this worker is going away.
std::optional<WorkerLoop::Ending> WorkerLoop::HandBack(const state::Lease& lease) {
  const std::string reason = "the worker stopped before the job finished; handed back";
  auto released = WithRetries([&] { return queue_->Release(lease, reason); });
  nlohmann::json fields = {{"jobId", lease.job_id}};
  if (!released.ok()) {
    fields["error"] = released.status().ToString();
    log::Warn("could not hand the job back; its lease will expire", fields);
    return std::nullopt;
  }
  log::Info("job handed back", fields);
  if (*released == "cancelled") return Ending{"cancelled", "cancelled"};
  return std::nullopt;
}

void WorkerLoop::Report(const state::Lease& lease, const Ending& ending) {
  if (!reporter_) return;
  CompletionReport report{lease.job_id, lease.token, options_.machine_id, ending.status, ending.error, lease.attempts};
  if (Status s = reporter_->Send(report); !s.ok()) {
    log::Warn("completion report not delivered", {{"jobId", lease.job_id}, {"error", s.ToString()}});
  }
}

}  // namespace tcoder::worker
