// GET /api/machines and GET /api/queue: the operator's view of the pool and
// the queue, read from Redis as they are; POST /api/jobs/{id}/requeue and
// /fail: the operator's levers on a stuck job, each one atomic transition,
// logged with who asked (docs/api.md).
#include <charconv>
#include <variant>

#include "common/duration.h"
#include "common/log.h"
#include "control/api.h"
#include "control/operator_view.h"
#include "http/url.h"
#include "state/job_store.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;

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

}  // namespace

Task<void> GetMachines(ApiContext& ctx, Exchange& ex) {
  auto read = [&](state::RedisClient& redis) { return ReadOperatorView(redis, ctx.keys, 1000, true); };
  auto views = co_await ctx.blocking->Run(read);
  if (!views.ok()) co_return co_await SendError(ex, FromStatus(views.status()));
  co_await SendJson(ex, 200, MachinesJson(ctx.options, *views));
}

Task<void> GetQueue(ApiContext& ctx, Exchange& ex) {
  const std::optional<int> limit = LimitOf(ex.request());
  if (!limit) {
    const ApiError error = BadRequest("limit must be 1-1000", {{"field", "limit"}});
    co_return co_await SendError(ex, error);
  }
  auto read = [&](state::RedisClient& redis) { return ReadOperatorView(redis, ctx.keys, *limit, false); };
  auto views = co_await ctx.blocking->Run(read);
  if (!views.ok()) co_return co_await SendError(ex, FromStatus(views.status()));
  co_await SendJson(ex, 200, QueueJson(views->queue, UnixMillis()));
}

}  // namespace tcoder::control

namespace tcoder::control {

nlohmann::json Asker(const http::Request& req) {
  return {{"operator", std::string(req.Get("X-TCoder-Operator").substr(0, 100))}, {"remote", req.remote}};
}

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
