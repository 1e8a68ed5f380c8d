// POST /api/events/s3 (external stores' object-created notifications) and
// POST /webhooks/job-complete (workers' signed completion reports).
#include <ctime>
#include <variant>

#include "common/crypto.h"
#include "common/log.h"
#include "control/api.h"
#include "control/event_intake.h"
#include "control/s3_events.h"
#include "http/url.h"
#include "state/job_store.h"
#include "state/report_ledger.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;

constexpr std::size_t kMaxEventBody = 1 << 20;
constexpr std::size_t kMaxReportBody = 64 * 1024;
constexpr auto kReplayWindow = std::chrono::minutes(10);

bool EventTokenMatches(const ApiContext& ctx, const http::Request& req) {
  const std::string& token = ctx.options.events_token.empty() ? ctx.options.api_key : ctx.options.events_token;
  if (BearerMatches(req, token)) return true;
  auto query = http::ParseQuery(req.query);
  if (!query) return false;
  for (const auto& [name, value] : *query) {
    if (name == "token") return !token.empty() && crypto::ConstantTimeEquals(value, token);
  }
  return false;
}

const char* OutcomeName(state::IngestResult::Outcome o) {
  using O = state::IngestResult::Outcome;
  return o == O::kQueued ? "queued" : o == O::kDuplicate ? "duplicate" : o == O::kIgnored ? "ignored" : "unknown";
}

// Ingests every created object, in order; the first failure stops it.
Result<nlohmann::json> IngestAll(ApiContext& ctx, state::RedisClient& redis, const ParsedEvents& events) {
  nlohmann::json results = nlohmann::json::array();
  for (const state::ObjectEvent& e : events.created) {
    auto r = IngestEvent(redis, ctx.keys, e, *ctx.metrics, ctx.admit);
    if (!r.ok()) return r.status();
    nlohmann::json item = {{"bucket", e.bucket}, {"key", e.key}, {"outcome", OutcomeName(r->outcome)}};
    if (!r->job_id.empty()) item["jobId"] = r->job_id, item["status"] = r->status;
    results.push_back(item);
  }
  return results;
}

}  // namespace

Task<void> PostStorageEvents(ApiContext& ctx, Exchange& ex) {
  if (!EventTokenMatches(ctx, ex.request())) {
    // A named error: GCC 12 destroys a braced temporary in `co_return co_await` twice.
    const ApiError error{401, "missing or wrong events token", nullptr};
    co_return co_await SendError(ex, error);
  }
  auto body = co_await ReadBody(ex, kMaxEventBody);
  if (!body.ok()) co_return co_await SendError(ex, FromStatus(body.status()));
  auto events = ParseStorageEvents(*body);
  if (!events.ok()) co_return co_await SendError(ex, BadRequest(events.status().message()));
  // Several steps and a WAIT for a replica per event: a connection of its own.
  auto ingest = [&](state::RedisClient& redis) { return IngestAll(ctx, redis, *events); };
  auto results = co_await ctx.blocking->Run(ingest);
  // 503 makes the sender redeliver; what was ingested before stays (idempotent).
  if (!results.ok()) co_return co_await SendError(ex, FromStatus(results.status()));
  nlohmann::json reply = {{"accepted", events->created.size()}, {"ignored", events->ignored}, {"results", *results}};
  co_await SendJson(ex, 200, reply);
}

// The report's checks and effects, outside the coroutine (GCC 12 mishandles
// temporaries in coroutine frames): the answer's body, or the refusal.
std::variant<nlohmann::json, ApiError> ProcessReport(ApiContext& ctx, const http::Request& req, const std::string& body,
                                                     state::RedisClient& redis) {
  WebhookHeaders headers{std::string(req.Get(kWebhookIdHeader)), std::string(req.Get(kWebhookTimestampHeader)),
                         std::string(req.Get(kWebhookSignatureHeader))};
  if (!ctx.internal_signer) return ApiError{401, "completion reports are not configured", nullptr};
  auto verified = ctx.internal_signer->Verify(headers, body, std::time(nullptr));
  if (!verified.ok()) {
    log::Warn("completion report refused", {{"reason", verified.status().message()}, {"remote", req.remote}});
    return ApiError{401, "invalid signature: " + verified.status().message(), nullptr};
  }
  auto fresh = state::ReportLedger(redis, ctx.keys).FirstSight(verified->id, kReplayWindow);
  if (!fresh.ok()) return FromStatus(fresh.status());
  if (!*fresh) return ApiError{401, "replayed report (webhook-id already seen)", nullptr};
  nlohmann::json report = nlohmann::json::parse(body, nullptr, false);
  if (!report.is_object() || !report.contains("jobId") || !report["jobId"].is_string())
    return BadRequest("report without jobId");
  std::string id = report["jobId"].get<std::string>();
  state::JobStore store(redis, ctx.keys);
  auto job = store.Get(id);  // Redis is the source of truth; the report only says "look"
  if (!job.ok()) return FromStatus(job.status());
  std::string reported = report.value("status", "");
  std::string status(state::StatusName(job->status));
  log::Info("completion report", {{"jobId", id}, {"reported", reported}, {"status", status}});
  if (ctx.webhooks) ctx.webhooks->OnJobMessage({{"jobId", id}});
  return nlohmann::json{{"received", true}, {"jobId", id}, {"status", status}};
}

Task<void> PostJobComplete(ApiContext& ctx, Exchange& ex) {
  auto body = co_await ReadBody(ex, kMaxReportBody);
  if (!body.ok()) co_return co_await SendError(ex, FromStatus(body.status()));
  using Outcome = std::variant<nlohmann::json, ApiError>;
  auto process = [&](state::RedisClient& redis) -> Result<Outcome> {
    return ProcessReport(ctx, ex.request(), *body, redis);
  };
  auto result = co_await ctx.blocking->Run(process);
  if (!result.ok()) co_return co_await SendError(ex, FromStatus(result.status()));
  if (auto* e = std::get_if<ApiError>(&*result)) co_return co_await SendError(ex, *e);
  co_await SendJson(ex, 200, std::get<nlohmann::json>(*result));
}

}  // namespace tcoder::control
