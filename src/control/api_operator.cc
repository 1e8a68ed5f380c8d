// GET /api/machines and GET /api/queue: the operator's view of the pool and
// the queue, read from Redis as they are; POST /api/jobs/{id}/requeue and
// /fail: the operator's levers on a stuck job, each one atomic transition,
// logged with who asked (docs/api.md).
#include <charconv>
#include <map>
#include <variant>

#include "common/duration.h"
#include "common/log.h"
#include "control/api.h"
#include "http/url.h"
#include "state/job_store.h"
#include "state/machine_pool.h"
#include "state/queue_view.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;

nlohmann::json Time(std::int64_t ms) { return ms > 0 ? nlohmann::json(IsoTimestamp(ms)) : nlohmann::json(nullptr); }
nlohmann::json OrNull(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

struct Views {
  std::vector<state::Machine> machines;
  state::QueueSnapshot queue;
};

Result<Views> ReadViews(ApiContext& ctx, state::RedisClient& redis, int limit, bool machines) {
  Views v;
  if (machines) {
    auto listed = state::MachinePool(redis, ctx.keys).List();
    if (!listed.ok()) return listed.status();
    v.machines = std::move(*listed);
  }
  auto queue = state::ReadQueue(redis, ctx.keys, limit);
  if (!queue.ok()) return queue.status();
  v.queue = std::move(*queue);
  return v;
}

nlohmann::json MachinesJson(const ApiContext& ctx, const Views& v) {
  std::map<std::string, const state::QueuedJob*> running;  // by machine
  for (const auto& j : v.queue.running) {
    if (!j.machine_id.empty()) running[j.machine_id] = &j;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const state::Machine& m : v.machines) {
    const auto it = running.find(m.id);
    const state::QueuedJob* job = it == running.end() ? nullptr : it->second;
    const bool idle = m.state == "idle";
    const auto idle_ms = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.options.idle_timeout).count();
    list.push_back({{"machineId", m.id},
                    {"state", m.state},
                    {"provider", ctx.options.provider},
                    {"owner", OrNull(m.owner)},
                    {"createdAt", Time(m.created_at_ms)},
                    {"lastActiveAt", Time(m.last_active_at_ms)},
                    {"idleSince", idle ? Time(m.last_active_at_ms) : nullptr},
                    {"stopsAt", idle ? Time(m.last_active_at_ms + idle_ms) : nullptr},
                    {"jobId", OrNull(m.job_id)},
                    {"progress", job ? nlohmann::json(job->progress) : nullptr},
                    {"leaseUntil", job ? Time(job->lease_until_ms) : nullptr}});
  }
  return {{"machines", list}, {"max", ctx.options.max_machines}};
}

nlohmann::json QueueJson(const state::QueueSnapshot& q, std::int64_t now_ms) {
  nlohmann::json ready = nlohmann::json::array(), delayed = nlohmann::json::array(), running = nlohmann::json::array();
  for (const auto& j : q.ready) {
    ready.push_back({{"jobId", j.id},
                     {"filename", j.filename},
                     {"priority", j.priority},
                     {"attempts", j.attempts},
                     {"queuedAt", Time(j.queued_at_ms)},
                     {"waitMs", j.queued_at_ms > 0 ? std::max<std::int64_t>(0, now_ms - j.queued_at_ms) : 0}});
  }
  for (const auto& j : q.delayed) {
    delayed.push_back(
        {{"jobId", j.id}, {"filename", j.filename}, {"attempts", j.attempts}, {"dueAt", Time(j.due_at_ms)}});
  }
  for (const auto& j : q.running) {
    running.push_back({{"jobId", j.id},
                       {"filename", j.filename},
                       {"machineId", OrNull(j.machine_id)},
                       {"progress", j.progress},
                       {"attempts", j.attempts},
                       {"startedAt", Time(j.started_at_ms)},
                       {"leaseUntil", Time(j.lease_until_ms)}});
  }
  return {{"ready", {{"count", q.ready_count}, {"jobs", ready}}},
          {"delayed", {{"count", q.delayed_count}, {"jobs", delayed}}},
          {"running", {{"count", q.running_count}, {"jobs", running}}}};
}

// ?limit=1..1000 (default 100), else nullopt.
std::optional<int> LimitOf(const http::Request& req) {
  auto query = http::ParseQuery(req.query);
  if (!query) return std::nullopt;
  int limit = 100;
  for (const auto& [name, value] : *query) {
    if (name != "limit") continue;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
    if (ec != std::errc() || ptr != value.data() + value.size() || limit < 1 || limit > 1000) return std::nullopt;
  }
  return limit;
}

// Who asked for an operator action, for the log: the X-TCoder-Operator
// header (free text, cut to 100 bytes) and the peer address.
nlohmann::json Asker(const http::Request& req) {
  return {{"operator", std::string(req.Get("X-TCoder-Operator").substr(0, 100))}, {"remote", req.remote}};
}

// The body's optional {"reason": "..."} (at most 500 bytes), or the refusal.
std::variant<std::string, ApiError> ReasonOf(const Result<std::string>& body, const char* fallback) {
  if (!body.ok()) return FromStatus(body.status());
  if (body->empty()) return std::string(fallback);
  const nlohmann::json j = nlohmann::json::parse(*body, nullptr, false);
  if (!j.is_object()) return BadRequest("body must be a JSON object");
  if (!j.contains("reason")) return std::string(fallback);
  if (!j["reason"].is_string() || j["reason"].get<std::string>().empty() || j["reason"].get<std::string>().size() > 500)
    return BadRequest("reason must be a string of 1-500 bytes", {{"field", "reason"}});
  return j["reason"].get<std::string>();
}

}  // namespace

Task<void> GetMachines(ApiContext& ctx, Exchange& ex) {
  auto read = [&](state::RedisClient& redis) { return ReadViews(ctx, redis, 1000, true); };
  auto views = co_await ctx.blocking->Run(read);
  if (!views.ok()) co_return co_await SendError(ex, FromStatus(views.status()));
  co_await SendJson(ex, 200, MachinesJson(ctx, *views));
}

Task<void> GetQueue(ApiContext& ctx, Exchange& ex) {
  const std::optional<int> limit = LimitOf(ex.request());
  if (!limit) {
    const ApiError error = BadRequest("limit must be 1-1000", {{"field", "limit"}});
    co_return co_await SendError(ex, error);
  }
  auto read = [&](state::RedisClient& redis) { return ReadViews(ctx, redis, *limit, false); };
  auto views = co_await ctx.blocking->Run(read);
  if (!views.ok()) co_return co_await SendError(ex, FromStatus(views.status()));
  co_await SendJson(ex, 200, QueueJson(views->queue, UnixMillis()));
}

}  // namespace tcoder::control

namespace tcoder::control {

Task<void> RequeueJob(ApiContext& ctx, Exchange& ex, const std::string& id) {
  if (!state::ValidateJobId(id).ok()) {
    const ApiError no_job{404, "no such job", {{"jobId", id}}};
    co_return co_await SendError(ex, no_job);
  }
  auto body = co_await ReadBody(ex, 64 * 1024);
  auto reason = ReasonOf(body, "requeued by an operator");
  if (auto* e = std::get_if<ApiError>(&reason)) co_return co_await SendError(ex, *e);
  const std::string why = std::get<std::string>(reason);
  auto requeue = [&](state::RedisClient& redis) { return state::JobStore(redis, ctx.keys).Requeue(id, why); };
  auto moved = co_await ctx.blocking->Run(requeue);
  if (!moved.ok()) co_return co_await SendError(ex, FromStatus(moved.status()));
  nlohmann::json fields = Asker(ex.request());
  fields["jobId"] = id;
  fields["action"] = "requeue";
  fields["changed"] = *moved;
  log::Warn("operator action", fields);
  if (ctx.admit) ctx.admit();
  nlohmann::json reply = {{"jobId", id}, {"status", "pending"}, {"requeued", *moved}};
  co_await SendJson(ex, 200, reply);
}

Task<void> FailJob(ApiContext& ctx, Exchange& ex, const std::string& id) {
  if (!state::ValidateJobId(id).ok()) {
    const ApiError no_job{404, "no such job", {{"jobId", id}}};
    co_return co_await SendError(ex, no_job);
  }
  auto body = co_await ReadBody(ex, 64 * 1024);
  auto reason = ReasonOf(body, "failed by an operator");
  if (auto* e = std::get_if<ApiError>(&reason)) co_return co_await SendError(ex, *e);
  const std::string why = std::get<std::string>(reason);
  auto fail = [&](state::RedisClient& redis) { return state::JobStore(redis, ctx.keys).FailNow(id, why); };
  Status failed = co_await ctx.blocking->Run(fail);
  if (!failed.ok()) co_return co_await SendError(ex, FromStatus(failed));
  nlohmann::json fields = Asker(ex.request());
  fields["jobId"] = id;
  fields["action"] = "fail";
  fields["reason"] = why;
  log::Warn("operator action", fields);
  if (ctx.webhooks) ctx.webhooks->OnJobMessage({{"jobId", id}});
  nlohmann::json reply = {{"jobId", id}, {"status", "failed"}, {"error", why}};
  co_await SendJson(ex, 200, reply);
}

}  // namespace tcoder::control
