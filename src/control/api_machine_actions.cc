// POST /api/machines/{id}/drain | start | stop | destroy: the operator's
// levers on the pool (docs/api.md). Each is one atomic transition in Redis
// (state::MachinePool::Act) and, where the machine itself must change, one
// call to this plane's provider; each is logged with who asked.
//   drain:   it finishes its job, takes no more, and its worker stops (any
//            machine, whoever runs it: the worker obeys the pool).
//   start:   a stopped machine boots again here; the drain flag is cleared.
//   stop:    this plane's provider stops it (SIGTERM: the worker's grace).
//   destroy: this plane's provider removes it (by force), then the pool
//            forgets it and requeues the job it held; a stopped machine no
//            provider knows is only forgotten.
// A machine run by another control plane cannot be stopped or destroyed
// here: 409, with its owner.
#include "common/log.h"
#include "control/api.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;
using state::MachineAction;

struct Acted {
  state::MachineActionResult result;
  nlohmann::json reply;
};

// 1-64 of [A-Za-z0-9_.-], as machine ids are.
bool PlausibleMachineId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// True when this plane's provider runs (or ran) machine `id`.
Result<bool> Ours(MachineProvider& provider, const std::string& id) {
  auto listed = provider.List();
  if (!listed.ok()) return listed.status();
  for (const MachineInfo& m : *listed) {
    if (m.id == id) return true;
  }
  return false;
}

Status NotOurs(const state::Machine& m, std::string_view action) {
  const std::string owner = m.owner.empty() ? "no control plane (a worker started by hand)" : m.owner;
  return Conflict("machine " + m.id + " is " + m.state + " and run by " + owner +
                  ", not this control plane: " + std::string(action) + " it where it runs, or drain it");
}

Result<state::MachineActionResult> Start(state::MachinePool& pool, MachineProvider& provider, Metrics& metrics,
                                         const std::string& id) {
  auto acted = pool.Act(id, MachineAction::kStart, provider.scope());
  if (!acted.ok()) return acted.status();
  Status s = provider.Start(id);
  metrics.machines_started++;
  if (!s.ok()) {
    (void)pool.SetState(id, state::MachineState::kStopped);
    return s.WithContext("starting machine " + id);
  }
  return acted;
}

Result<state::MachineActionResult> StopOrDestroy(state::MachinePool& pool, MachineProvider& provider, Metrics& metrics,
                                                 const state::Machine& m, MachineAction action,
                                                 const std::string& reason) {
  auto ours = Ours(provider, m.id);
  if (!ours.ok()) return ours.status();
  if (action == MachineAction::kStop) {
    if (m.state == "stopped") return Conflict("machine " + m.id + " is stopped already");
    if (!*ours) return NotOurs(m, "stop");
    auto acted = pool.Act(m.id, action);
    if (!acted.ok()) return acted.status();
    if (Status s = provider.Stop(m.id); !s.ok()) return s.WithContext("stopping machine " + m.id);
    metrics.machines_stopped++;
    return acted;
  }
  if (!*ours && m.state != "stopped") return NotOurs(m, "destroy");
  if (*ours) {
    if (Status s = provider.Destroy(m.id); !s.ok() && s.code() != Code::kNotFound)
      return s.WithContext("destroying machine " + m.id);
    metrics.machines_destroyed++;
  }
  return pool.Act(m.id, action, "", reason);
}

Result<Acted> Act(ApiContext& ctx, state::RedisClient& redis, const std::string& id, MachineAction action,
                  const std::string& reason) {
  MachineProvider* provider = ctx.provider ? ctx.provider() : nullptr;
  if (provider == nullptr) return Unavailable("the control plane is starting");
  state::MachinePool pool(redis, ctx.keys);
  auto machine = pool.Get(id);
  if (!machine.ok()) return machine.status();
  Result<state::MachineActionResult> acted = Internal("unreached");
  switch (action) {
    case MachineAction::kDrain:
      acted = pool.Act(id, action);
      break;
    case MachineAction::kStart:
      acted = Start(pool, *provider, *ctx.metrics, id);
      break;
    case MachineAction::kStop:
    case MachineAction::kDestroy:
      acted = StopOrDestroy(pool, *provider, *ctx.metrics, *machine, action, reason);
      break;
  }
  if (!acted.ok()) return acted.status();
  nlohmann::json reply = {{"machineId", id}, {"action", MachineActionName(action)}, {"was", acted->was}};
  if (action == MachineAction::kDestroy) {
    reply["state"] = "destroyed";
    reply["requeuedJob"] = acted->requeued_job.empty() ? nlohmann::json(nullptr) : nlohmann::json(acted->requeued_job);
  } else {
    auto now = pool.Get(id);
    if (!now.ok()) return now.status();
    reply["state"] = now->state;
    reply["draining"] = now->draining;
    reply["jobId"] = now->job_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(now->job_id);
  }
  return Acted{*acted, std::move(reply)};
}

}  // namespace

template <MachineAction A>
Task<void> ActOnMachine(ApiContext& ctx, Exchange& ex, const std::string& id) {
  if (!PlausibleMachineId(id)) {
    const ApiError no_machine{404, "no such machine", {{"machineId", id}}};
    co_return co_await SendError(ex, no_machine);
  }
  auto body = co_await ReadBody(ex, 64 * 1024);
  const std::string fallback = std::string(MachineActionName(A)) + " by an operator";
  auto reason = ReasonOf(body, fallback.c_str());
  if (auto* e = std::get_if<ApiError>(&reason)) co_return co_await SendError(ex, *e);
  const std::string why = std::get<std::string>(reason);
  auto act = [&](state::RedisClient& redis) { return Act(ctx, redis, id, A, why); };
  auto acted = co_await ctx.blocking->Run(act);
  if (!acted.ok() && acted.status().code() == Code::kNotFound) {
    const ApiError no_machine{404, "no such machine", {{"machineId", id}}};
    co_return co_await SendError(ex, no_machine);
  }
  if (!acted.ok()) co_return co_await SendError(ex, FromStatus(acted.status()));
  nlohmann::json fields = Asker(ex.request());
  fields["machineId"] = id;
  fields["action"] = MachineActionName(A);
  fields["was"] = acted->result.was;
  fields["reason"] = why;
  if (!acted->result.requeued_job.empty()) fields["requeuedJob"] = acted->result.requeued_job;
  log::Warn("operator action", fields);
  if (ctx.admit) ctx.admit();  // capacity changed, or a job is ready again
  co_await SendJson(ex, 200, acted->reply);
}

template Task<void> ActOnMachine<MachineAction::kDrain>(ApiContext&, Exchange&, const std::string&);
template Task<void> ActOnMachine<MachineAction::kStart>(ApiContext&, Exchange&, const std::string&);
template Task<void> ActOnMachine<MachineAction::kStop>(ApiContext&, Exchange&, const std::string&);
template Task<void> ActOnMachine<MachineAction::kDestroy>(ApiContext&, Exchange&, const std::string&);

}  // namespace tcoder::control
