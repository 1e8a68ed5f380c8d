#include "control/scheduler.h"

#include <algorithm>
#include <set>

#include "common/duration.h"
#include "common/log.h"
#include "control/attempt_sweep.h"
#include "control/event_intake.h"
#include "state/control_planes.h"
#include "state/job_store.h"
#include "state/queue.h"
#include "state/tick_lease.h"

namespace tcoder::control {
namespace {

constexpr auto kReapGraceAfterOutage = std::chrono::seconds(5);

}  // namespace

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

void Scheduler::KickReap() {
  kick_reap_.store(true);
  loop_.Kick();
}

void Scheduler::KickUploads() {
  kick_uploads_.store(true);
  loop_.Kick();
}

void Scheduler::MachineWentIdle() {
  went_idle_.store(true);
  loop_.Kick();
}

void Scheduler::WorkArrived() {
  work_arrived_.store(true);
  loop_.Kick();
}

// How soon the machines pass looks at booting machines: a quarter of the boot
// timeout, between a tick and 5 s.
std::chrono::milliseconds Scheduler::BootCheck() const {
  return std::clamp<std::chrono::milliseconds>(options_.boot_timeout / 4, options_.tick,
                                               std::max(options_.tick, std::chrono::milliseconds(5000)));
}

void Scheduler::Step() {
  auto r = RunDue(false);
  if (!r.ok()) log::Warn("scheduler tick failed", {{"error", r.status().ToString()}});
  if (!r.ok() && r.status().code() == Code::kUnavailable) after_outage_ = true;
  // Jobs may have become ready, or capacity free: admission looks again.
  if (r.ok() && admit_ &&
      (r->reaped > 0 || r->recovered > 0 || r->idle_stopped > 0 || r->gone > 0 || r->destroyed > 0 || r->forgotten > 0))
    admit_();
}

Scheduler::Clock::time_point Scheduler::After(std::chrono::milliseconds wait) const {
  return Clock::now() + std::clamp(wait, options_.tick, std::max(options_.tick, options_.idle_tick));
}

Scheduler::Clock::time_point Scheduler::MachinesAfter(std::chrono::milliseconds wait) const {
  const auto longest = std::max({options_.tick, options_.idle_tick, options_.idle_timeout});
  return Clock::now() + std::clamp(wait, options_.tick, longest);
}

bool Scheduler::ProviderChanged() {
  auto listed = provider_.List();
  if (!listed.ok()) return true;
  std::map<std::string, std::string> now;
  for (const MachineInfo& m : *listed) now[m.id] = m.state;
  return now != listed_;
}

Result<bool> Scheduler::Due(state::RedisClient& redis, const std::string& name, std::chrono::milliseconds every) {
  state::TickLease lease(redis, keys_);
  // A little under the period, so that the next tick of any plane gets it.
  return lease.TryAcquireTick(name, std::max(every * 9 / 10, std::chrono::milliseconds(1)));
}

Result<SweepCounts> Scheduler::RunOnce() { return RunDue(true); }

Result<SweepCounts> Scheduler::RunDue(bool all) {
  const auto now = Clock::now();
  if (went_idle_.exchange(false)) {
    plan_.machines = std::min(plan_.machines, now + options_.idle_timeout + std::chrono::milliseconds(50));
  }
  if (work_arrived_.exchange(false)) plan_.machines = std::min(plan_.machines, now + BootCheck());
  bool reap = all || kick_reap_.exchange(false) || now >= plan_.reap;
  const bool uploads = all || kick_uploads_.exchange(false) || now >= plan_.uploads;
  // A local provider's list is free to read every tick; a cloud provider's is
  // a rate-limited API call, read when the machines pass is due.
  const bool machines = all || now >= plan_.machines || (!provider_.scope().empty() && ProviderChanged());
  const bool purge = all || now >= plan_.purge;
  const bool announce = all || now >= plan_.announce;
  const bool attempts = all || now >= plan_.attempts;
  SweepCounts counts;
  if (!reap && !uploads && !machines && !purge && !announce && !attempts) return counts;  // nothing due: no command
  auto redis = redis_.Acquire();
  if (!redis.ok()) return redis.status();
  if (after_outage_ && !all) {
    // Redis is back: live workers renew their leases (a beat every 2 s at
    // most) before the reaper judges any lease that ran out meanwhile.
    plan_.reap = now + kReapGraceAfterOutage;
    reap = false;
    after_outage_ = false;
  }
  if (reap) {
    if (Status s = Reap(**redis, counts); !s.ok()) return s;
  }
  if (uploads) {
    if (Status s = SweepUploads(**redis, counts); !s.ok()) return s;
  }
  if (announce) {
    if (Status s = Announce(**redis); !s.ok()) return s;  // this plane is alive: its children are
    plan_.announce = now + std::max(std::chrono::milliseconds(std::chrono::seconds(10)), options_.tick * 3);
  }
  if (machines) {
    if (Status s = ReconcileMachines(**redis, counts); !s.ok()) return s;
  }
  if (attempts) {
    if (Status s = SweepAttempts(**redis, counts); !s.ok()) return s;
  }
  if (purge) {
    plan_.purge = now + std::chrono::minutes(5);
    auto due = Due(**redis, "purge", std::chrono::minutes(5));
    if (!due.ok()) return due.status();
    if (*due) {
      auto n = state::JobStore(**redis, keys_).PurgeExpired();
      if (!n.ok()) return n.status();
      counts.purged = *n;
    }
  }
  return counts;
}

Status Scheduler::Reap(state::RedisClient& redis, SweepCounts& counts) {
  plan_.reap = After(options_.tick);  // retried then if anything below fails
  auto due = Due(redis, "reap", options_.tick);
  if (!due.ok() || !*due) return due.status();
  state::Queue queue(redis, keys_);
  auto r = queue.Reap();
  if (!r.ok()) return r.status();
  plan_.reap = After(r->next_due.value_or(options_.idle_tick));
  counts.reaped = r->requeued + r->failed + r->cancelled;
  if (r->requeued + r->failed + r->cancelled > 0)
    log::Info("reaped expired leases", {{"requeued", r->requeued}, {"failed", r->failed}, {"cancelled", r->cancelled}});
  return Status::Ok();
}

Status Scheduler::SweepUploads(state::RedisClient& redis, SweepCounts& counts) {
  plan_.uploads = After(options_.tick);
  auto due = Due(redis, "uploads", std::max(options_.tick, std::chrono::milliseconds(1000)));
  if (!due.ok() || !*due) return due.status();
  const std::int64_t now = UnixMillis();
  state::JobStore store(redis, keys_);
  auto oldest = store.Oldest(state::JobStatus::kUploading, 100);
  if (!oldest.ok()) return oldest.status();
  // Next: when the oldest unchecked upload's check comes; one checked and
  // still absent is looked at again every upload_check_every.
  std::chrono::milliseconds next = options_.idle_tick;
  for (const state::JobStore::Entered& e : *oldest) {
    const std::int64_t check_at = e.at_ms + options_.upload_check_after.count();
    next = std::min(next, check_at > now ? std::chrono::milliseconds(check_at - now) : options_.upload_check_every);
  }
  plan_.uploads = After(next);
  for (const state::JobStore::Entered& e : *oldest) {
    if (e.at_ms > now - options_.upload_check_after.count()) break;
    const std::string& id = e.id;
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
    const std::int64_t window =
        std::chrono::milliseconds(options_.upload_expiry).count() + options_.upload_grace.count();
    if (now < job->created_at + window) continue;
    if (!job->spec.upload_id.empty() && now < LastPartAt(*job) + window) continue;  // parts still coming
    auto failed = store.FailUpload(job->id, "upload never completed");
    if (!failed.ok()) return failed.status();
    if (*failed) {
      ++counts.abandoned;
      log::Info("upload abandoned", {{"jobId", job->id}});
      if (!job->spec.upload_id.empty()) AbortUpload(*job);
    }
  }
  return Status::Ok();
}

std::int64_t Scheduler::LastPartAt(const state::Job& job) {
  auto parts = s3_.ListParts(job.spec.input_bucket, job.spec.input_key, job.spec.upload_id);
  if (!parts.ok()) {
    // Gone from the store (aborted, or expired by a lifecycle rule): nothing keeps it alive.
    if (parts.status().code() == Code::kNotFound) return 0;
    log::Warn("upload sweep: listing parts failed", {{"jobId", job.id}, {"error", parts.status().ToString()}});
    return UnixMillis();  // unknown: not given up on this pass
  }
  std::int64_t last = 0;
  for (const storage::UploadedPart& p : *parts) last = std::max(last, ParseIsoTimestamp(p.last_modified).value_or(0));
  return last;
}

void Scheduler::AbortUpload(const state::Job& job) {
  Status s = s3_.AbortMultipartUpload(job.spec.input_bucket, job.spec.input_key, job.spec.upload_id);
  if (!s.ok()) log::Warn("aborting an abandoned multipart upload failed", {{"jobId", job.id}, {"error", s.ToString()}});
}

// False when the store could not list the job's directory (tried again next pass).
bool Scheduler::SweepAttemptsOf(state::JobStore& store, const std::string& id, SweepCounts& counts) {
  auto job = store.Get(id);
  if (!job.ok()) return true;  // purged meanwhile
  auto listed = s3_.ListAll(options_.output_bucket, JobOutputDir(*job));
  if (!listed.ok()) {
    log::Warn("attempt sweep: listing failed", {{"jobId", id}, {"error", listed.status().ToString()}});
    return false;
  }
  std::vector<std::string> keys;
  for (const auto& o : *listed) keys.push_back(o.key);
  for (const std::string& key : SupersededObjects(*job, keys)) {
    if (s3_.DeleteObject(options_.output_bucket, key).ok()) ++counts.superseded;
  }
  return true;
}

Status Scheduler::SweepAttempts(state::RedisClient& redis, SweepCounts& counts) {
  plan_.attempts = Clock::now() + options_.attempt_sweep_every;
  auto due = Due(redis, "attempts", options_.attempt_sweep_every);
  if (!due.ok() || !*due) return due.status();
  constexpr int kBatch = 200;
  state::JobStore store(redis, keys_);
  const std::int64_t until = UnixMillis() - options_.attempt_sweep_after.count();
  auto cursor = store.GetCursor("attempts");
  if (!cursor.ok()) return cursor.status();
  const std::int64_t from = *cursor > 0 ? *cursor : until - std::chrono::milliseconds(std::chrono::hours(24)).count();
  auto completed = store.EnteredBetween(state::JobStatus::kCompleted, from, until, kBatch);
  if (!completed.ok()) return completed.status();
  // How far this pass got: past every job it handled; the whole window when
  // it saw the window's end; before a job it could not list (next time from there).
  std::int64_t reached = static_cast<int>(completed->size()) < kBatch ? until : from;
  for (const state::JobStore::Entered& e : *completed) {
    if (!SweepAttemptsOf(store, e.id, counts)) {
      reached = std::max(from, e.at_ms - 1);
      break;
    }
    if (static_cast<int>(completed->size()) == kBatch) reached = e.at_ms;
  }
  if (counts.superseded > 0) log::Info("superseded attempts' objects removed", {{"objects", counts.superseded}});
  return store.SetCursor("attempts", reached);
}

// From the pool as the machine pass read it: no second look at every machine.
Status Scheduler::StopIdle(const std::vector<state::Machine>& machines, SweepCounts& counts) {
  const std::int64_t cutoff = UnixMillis() - options_.idle_timeout.count();
  for (const state::Machine& m : machines) {
    if (m.state != "idle" || m.last_active_at_ms > cutoff) continue;
    Status s = provider_.Stop(m.id);
    if (s.code() == Code::kNotFound) continue;  // another control plane's machine
    if (!s.ok()) return s;
    metrics_.machines_stopped++;
    ++counts.idle_stopped;
    log::Info("stopping idle machine", {{"machineId", m.id}});
  }
  return Status::Ok();
}

Status Scheduler::ReconcileMachines(state::RedisClient& redis, SweepCounts& counts) {
  const std::string scope = provider_.scope();
  plan_.machines = MachinesAfter(options_.tick);
  auto due = Due(redis, "machines:" + scope, options_.tick);
  if (!due.ok() || !*due) return due.status();
  auto listed = provider_.List();
  if (!listed.ok()) return listed.status();
  std::map<std::string, std::string> ours;
  for (const MachineInfo& m : *listed) ours[m.id] = m.state;
  state::MachinePool pool(redis, keys_);
  auto machines = pool.List();
  if (!machines.ok()) return machines.status();
  listed_ = ours;
  if (scope.empty()) {
    if (Status s = ReconcileCloud(pool, *machines, *listed, counts); !s.ok()) return s;
  }
  PlanMachines(*machines);
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
  return StopIdle(*machines, counts);
}

// A cloud provider (every plane sees its machines): a machine of this
// deployment the pool does not know is an orphan, destroyed; one in `failed`
// is destroyed and forgotten, so admission creates another; a pool machine
// the provider no longer has is forgotten, unless it was admitted within the
// boot timeout (its create may still be on the way).
Status Scheduler::ReconcileCloud(state::MachinePool& pool, const std::vector<state::Machine>& machines,
                                 const std::vector<MachineInfo>& listed, SweepCounts& counts) {
  std::set<std::string> known, have;
  for (const state::Machine& m : machines) known.insert(m.id);
  for (const MachineInfo& l : listed) {
    have.insert(l.id);
    const bool orphan = !known.contains(l.id);
    if (!orphan && l.state != "failed") continue;
    log::Warn(orphan ? "destroying a machine the pool does not know" : "destroying a failed machine",
              {{"machineId", l.id}, {"state", l.state}});
    Status s = provider_.Destroy(l.id);
    if (!s.ok() && s.code() != Code::kNotFound) return s;
    metrics_.machines_destroyed++;
    ++counts.destroyed;
    if (!orphan) {
      if (Status f = pool.Forget(l.id); !f.ok() && f.code() != Code::kNotFound) return f;
    }
  }
  const std::int64_t recent = UnixMillis() - options_.boot_timeout.count();
  for (const state::Machine& m : machines) {
    if (have.contains(m.id) || (m.state == "starting" && m.last_active_at_ms > recent)) continue;
    log::Warn("forgetting a machine the provider no longer has", {{"machineId", m.id}, {"was", m.state}});
    if (Status f = pool.Forget(m.id); !f.ok() && f.code() != Code::kNotFound) return f;
    ++counts.forgotten;
  }
  return Status::Ok();
}

// Due when the first idle machine reaches the idle timeout; a running one goes
// idle when its job ends (MachineWentIdle), or else is looked at again after
// an idle timeout; with no machine, after an idle timeout too.
void Scheduler::PlanMachines(const std::vector<state::Machine>& machines) {
  std::chrono::milliseconds next = std::max(options_.idle_tick, options_.idle_timeout);
  const std::int64_t now = UnixMillis();
  for (const state::Machine& m : machines) {
    if (m.state == "idle") {
      const std::int64_t stop_at = m.last_active_at_ms + options_.idle_timeout.count();
      next = std::min(next, std::chrono::milliseconds(std::max<std::int64_t>(stop_at - now, 0) + 50));
    } else if (m.state == "starting") {
      next = std::min(next, BootCheck());
    } else if (m.state == "running") {
      next = std::min(next, std::max(options_.idle_timeout, options_.tick));
    }
  }
  plan_.machines = MachinesAfter(next);
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
