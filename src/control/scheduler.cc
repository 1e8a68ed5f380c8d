#include "control/scheduler.h"

#include "common/duration.h"
#include "common/log.h"
#include "control/event_intake.h"
#include "state/control_planes.h"
#include "state/job_store.h"
#include "state/queue.h"
#include "state/tick_lease.h"

namespace tcoder::control {

Scheduler::Scheduler(state::RedisPool& redis, state::Keys keys, const ControlOptions& options,
                     MachineProvider& provider, storage::S3Client& s3, Metrics& metrics, std::function<void()> admit)
    : redis_(redis),
      keys_(std::move(keys)),
      options_(options),
      provider_(provider),
      s3_(s3),
      metrics_(metrics),
      admit_(std::move(admit)),
      loop_(options.tick, [this] { Step(); }) {}

Scheduler::~Scheduler() { Stop(); }

// Liveness first: another plane must never take this plane's first machine
// for an orphan.
void Scheduler::Start() {
  if (auto redis = redis_.Acquire(); redis.ok()) {
    if (Status s = Announce(**redis); !s.ok())
      log::Warn("cannot announce this control plane", {{"error", s.ToString()}});
  }
  loop_.Start();
}

Status Scheduler::Announce(state::RedisClient& redis) {
  const std::string scope = provider_.scope();
  if (scope.empty()) return Status::Ok();
  const auto ttl = std::max(std::chrono::milliseconds(std::chrono::seconds(30)), options_.tick * 10);
  return state::ControlPlanes(redis, keys_).Heartbeat(scope, ttl);
}
void Scheduler::Stop() { loop_.Stop(); }

void Scheduler::Step() {
  auto r = RunOnce();
  if (!r.ok()) log::Warn("scheduler tick failed", {{"error", r.status().ToString()}});
  if (admit_) admit_();  // jobs may wait for capacity (backpressure): look again each tick
}

Result<bool> Scheduler::Due(state::RedisClient& redis, const std::string& name, std::chrono::milliseconds every) {
  state::TickLease lease(redis, keys_);
  // A little under the period, so that the next tick of any plane gets it.
  return lease.TryAcquireTick(name, std::max(every * 9 / 10, std::chrono::milliseconds(1)));
}

Result<SweepCounts> Scheduler::RunOnce() {
  auto redis = redis_.Acquire();
  if (!redis.ok()) return redis.status();
  SweepCounts counts;
  if (Status s = Reap(**redis, counts); !s.ok()) return s;
  if (Status s = SweepUploads(**redis, counts); !s.ok()) return s;
  if (Status s = StopIdle(**redis, counts); !s.ok()) return s;
  if (Status s = ReconcileMachines(**redis, counts); !s.ok()) return s;
  auto purge = Due(**redis, "purge", std::chrono::minutes(1));
  if (!purge.ok()) return purge.status();
  if (*purge) {
    state::JobStore store(**redis, keys_);
    auto n = store.PurgeExpired();
    if (!n.ok()) return n.status();
    counts.purged = *n;
  }
  return counts;
}

Status Scheduler::Reap(state::RedisClient& redis, SweepCounts& counts) {
  auto due = Due(redis, "reap", options_.tick);
  if (!due.ok() || !*due) return due.status();
  state::Queue queue(redis, keys_);
  auto r = queue.Reap();
  if (!r.ok()) return r.status();
  counts.reaped = r->requeued + r->failed + r->cancelled;
  if (r->requeued + r->failed + r->cancelled > 0)
    log::Info("reaped expired leases", {{"requeued", r->requeued}, {"failed", r->failed}, {"cancelled", r->cancelled}});
  return Status::Ok();
}

Status Scheduler::SweepUploads(state::RedisClient& redis, SweepCounts& counts) {
  auto due = Due(redis, "uploads", std::max(options_.tick, std::chrono::milliseconds(1000)));
  if (!due.ok() || !*due) return due.status();
  const std::int64_t now = UnixMillis();
  state::JobStore store(redis, keys_);
  auto ids = store.EnteredBefore(state::JobStatus::kUploading, now - options_.upload_check_after.count(), 100);
  if (!ids.ok()) return ids.status();
  for (const std::string& id : *ids) {
    auto job = store.Get(id);
    if (!job.ok() || job->status != state::JobStatus::kUploading) continue;
    auto head = s3_.HeadObject(job->spec.input_bucket, job->spec.input_key);
    if (head.ok()) {
      state::ObjectEvent ev{
          job->spec.input_bucket, job->spec.input_key, head->size, head->etag, "ObjectCreated:Put", ""};
      if (ev.etag.size() >= 2 && ev.etag.front() == '"') ev.etag = ev.etag.substr(1, ev.etag.size() - 2);
      auto r = IngestEvent(redis, keys_, ev, metrics_, admit_);
      if (!r.ok()) return r.status();
      ++counts.recovered;
      log::Info("upload recovered by the sweep", {{"jobId", job->id}});
      continue;
    }
    if (head.status().code() != Code::kNotFound) {
      log::Warn("upload sweep: HEAD failed", {{"jobId", job->id}, {"error", head.status().ToString()}});
      continue;
    }
    const std::int64_t give_up_at =
        job->created_at + std::chrono::milliseconds(options_.upload_expiry).count() + options_.upload_grace.count();
    if (now < give_up_at) continue;
    auto failed = store.FailUpload(job->id, "upload never completed");
    if (!failed.ok()) return failed.status();
    if (*failed) {
      ++counts.abandoned;
      log::Info("upload abandoned", {{"jobId", job->id}});
    }
  }
  return Status::Ok();
}

Status Scheduler::StopIdle(state::RedisClient& redis, SweepCounts& counts) {
  auto due = Due(redis, "idle-stop:" + provider_.scope(), options_.tick);
  if (!due.ok() || !*due) return due.status();
  state::MachinePool pool(redis, keys_);
  auto idle = pool.IdleLongerThan(options_.idle_timeout);
  if (!idle.ok()) return idle.status();
  for (const std::string& id : *idle) {
    Status s = provider_.Stop(id);
    if (s.code() == Code::kNotFound) continue;  // another control plane's machine
    if (!s.ok()) return s;
    metrics_.machines_stopped++;
    ++counts.idle_stopped;
    log::Info("stopping idle machine", {{"machineId", id}});
  }
  return Status::Ok();
}

Status Scheduler::ReconcileMachines(state::RedisClient& redis, SweepCounts& counts) {
  const std::string scope = provider_.scope();
  if (Status s = Announce(redis); !s.ok()) return s;  // this plane is alive: its children are
  auto due = Due(redis, "machines:" + scope, options_.tick);
  if (!due.ok() || !*due) return due.status();
  state::MachinePool pool(redis, keys_);
  auto machines = pool.List();
  if (!machines.ok()) return machines.status();
  auto listed = provider_.List();
  if (!listed.ok()) return listed.status();
  std::map<std::string, std::string> ours;
  for (const MachineInfo& m : *listed) ours[m.id] = m.state;
  for (const state::Machine& m : *machines) {
    if (m.state != "running" && m.state != "idle") continue;
    auto why = GoneReason(redis, m, ours);
    if (!why.ok()) return why.status();
    if (why->empty()) continue;
    auto marked = pool.MarkGone(m);
    if (!marked.ok() && marked.status().code() != Code::kNotFound) return marked.status();
    if (!marked.ok() || !*marked) continue;
    ++counts.gone;
    log::Warn("machine is gone; marked stopped", {{"machineId", m.id}, {"was", m.state}, {"reason", *why}});
  }
  return Status::Ok();
}

Result<std::string> Scheduler::GoneReason(state::RedisClient& redis, const state::Machine& m,
                                          const std::map<std::string, std::string>& ours) {
  auto mine = ours.find(m.id);
  if (mine != ours.end() && mine->second == "stopped") return std::string("its process exited");
  if (mine == ours.end() && !m.owner.empty()) {
    if (m.owner == provider_.scope()) return std::string("its process is not running");
    auto alive = state::ControlPlanes(redis, keys_).IsAlive(m.owner);
    if (!alive.ok()) return alive.status();
    if (!*alive) return "the control plane that ran it (" + m.owner + ") is gone";
    return std::string();  // its owner's to look after
  }
  // No owner (started by hand), or ours and alive: silent past machine_stale
  // with its job's lease gone.
  if (m.state != "running" || UnixMillis() - m.last_active_at_ms < options_.machine_stale.count()) return std::string();
  if (!m.job_id.empty()) {
    auto holds = state::JobStore(redis, keys_).IsRunningOn(m.job_id, m.id);
    if (!holds.ok()) return holds.status();
    if (*holds) return std::string();  // still holds its lease: the reaper decides first
  }
  if (mine != ours.end()) {
    log::Warn("machine silent with no lease; stopping it", {{"machineId", m.id}});
    if (Status s = provider_.Stop(m.id); !s.ok() && s.code() != Code::kNotFound) return s;
    return std::string();  // its exit marks it stopped
  }
  return std::string("no heartbeat and no lease");
}

}  // namespace tcoder::control
