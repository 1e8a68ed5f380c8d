// POST /api/upload, POST /api/jobs, GET/DELETE /api/jobs/{id},
// GET /api/jobs, POST /api/jobs/{id}/retry.
#include <charconv>

#include "common/duration.h"
#include "common/log.h"
#include "control/api.h"
#include "control/job_request.h"
#include "control/job_view.h"
#include "control/multipart_plan.h"
#include "http/url.h"
#include "state/async_job_store.h"
#include "state/job_store.h"
#include "storage/presign.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;

constexpr std::size_t kMaxRequestBody = 64 * 1024;

RequestLimits Limits(const ApiContext& ctx) {
  RequestLimits l;
  l.max_upload_size = ctx.options.max_upload_size;
  return l;
}

Task<std::variant<JobRequest, ApiError>> ReadJobRequest(ApiContext& ctx, Exchange& ex, RequestKind kind) {
  auto body = co_await ReadBody(ex, kMaxRequestBody);
  if (!body.ok()) co_return FromStatus(body.status());
  co_return ParseJobRequest(*body, kind, Limits(ctx));
}

std::optional<ApiError> CheckJobId(const std::string& id) {
  if (!state::ValidateJobId(id).ok()) return ApiError{404, "no such job", {{"jobId", id}}};
  return std::nullopt;
}

// The input object of POST /api/jobs with inputKey: present and within the
// size limit; sets spec.size.
std::optional<ApiError> CheckInputObject(const ApiContext& ctx, state::JobSpec& spec) {
  auto head = ctx.s3->HeadObject(spec.input_bucket, spec.input_key);
  if (!head.ok()) {
    if (head.status().code() == Code::kNotFound || head.status().code() == Code::kInvalidArgument) {
      return BadRequest("inputKey not found in bucket " + spec.input_bucket,
                        {{"field", "inputKey"}, {"inputKey", spec.input_key}});
    }
    return FromStatus(Unavailable("object storage: " + head.status().message()));
  }
  if (head->size > ctx.options.max_upload_size) {
    return ApiError{413,
                    "input too large: " + std::to_string(head->size) + " bytes",
                    {{"field", "inputKey"}, {"limit", ctx.options.max_upload_size}}};
  }
  spec.size = head->size;
  return std::nullopt;
}

}  // namespace

ApiError CreateRefusal(const ApiContext& ctx, const Status& s) {
  if (s.code() != Code::kResourceExhausted) return FromStatus(s);
  ApiError e{429, s.message(), {{"limit", ctx.options.max_pending}}};
  e.retry_after = 30;
  return e;
}

Task<void> PostUpload(ApiContext& ctx, Exchange& ex) {
  auto parsed = co_await ReadJobRequest(ctx, ex, RequestKind::kUpload);
  if (auto* e = std::get_if<ApiError>(&parsed)) co_return co_await SendError(ex, *e);
  const JobRequest& req = std::get<JobRequest>(parsed);
  state::JobSpec spec = req.spec;
  const std::string id = state::NewJobId();
  spec.input_bucket = ctx.options.input_bucket;
  spec.input_key = UploadKey(id, spec.filename);
  auto multipart = ChooseMultipart(req.multipart, spec.size, ctx.options.multipart_threshold);
  if (auto* e = std::get_if<ApiError>(&multipart)) co_return co_await SendError(ex, *e);
  if (std::get<bool>(multipart)) co_return co_await PostMultipartUpload(ctx, ex, id, std::move(spec));
  auto url = PresignInput(ctx, spec);
  if (!url.ok()) co_return co_await SendError(ex, FromStatus(Internal(url.status().ToString())));
  state::AsyncJobStore store(*ctx.mux, ctx.keys);
  if (Status s = co_await store.Create(id, spec, state::JobStatus::kUploading, ctx.options.max_pending); !s.ok()) {
    if (s.code() != Code::kResourceExhausted)
      log::Warn("creating job failed", {{"jobId", id}, {"error", s.ToString()}});
    co_return co_await SendError(ex, CreateRefusal(ctx, s));
  }
  auto expires = std::chrono::system_clock::now() + ctx.options.upload_expiry;
  auto expires_ms = std::chrono::duration_cast<std::chrono::milliseconds>(expires.time_since_epoch()).count();
  log::Info("upload authorized", {{"jobId", id}, {"inputKey", spec.input_key}});
  nlohmann::json reply = {{"jobId", id},
                          {"uploadUrl", *url},
                          {"uploadMethod", "PUT"},
                          {"expiresAt", IsoTimestamp(expires_ms)},
                          {"inputKey", spec.input_key},
                          {"bucket", spec.input_bucket}};
  co_await SendJson(ex, 201, reply);
}

Task<void> PostJob(ApiContext& ctx, Exchange& ex) {
  auto parsed = co_await ReadJobRequest(ctx, ex, RequestKind::kJob);
  if (auto* e = std::get_if<ApiError>(&parsed)) co_return co_await SendError(ex, *e);
  JobRequest req = std::get<JobRequest>(std::move(parsed));
  state::JobSpec spec = std::move(req.spec);
  spec.input_bucket = ctx.options.input_bucket;
  spec.input_url = std::move(req.input_url);
  spec.input_url_allow_private = ctx.options.input_url_allow_private;
  spec.input_url_max_bytes = spec.input_url.empty() ? 0 : ctx.options.max_upload_size;
  // An input URL is fetched by the worker (docs/api.md); an input key must exist now.
  if (spec.input_url.empty()) {
    if (auto e = CheckInputObject(ctx, spec)) co_return co_await SendError(ex, *e);
  }
  const std::string id = state::NewJobId();
  state::AsyncJobStore store(*ctx.mux, ctx.keys);
  if (Status s = co_await store.Create(id, spec, state::JobStatus::kPending, ctx.options.max_pending); !s.ok())
    co_return co_await SendError(ex, CreateRefusal(ctx, s));
  auto job = co_await store.Get(id);
  if (ctx.admit) ctx.admit();
  log::Info("job created", {{"jobId", id}, {"input", spec.input_url.empty() ? "key" : "url"}});
  nlohmann::json queued_at = job.ok() ? nlohmann::json(IsoTimestamp(job->queued_at)) : nlohmann::json(nullptr);
  nlohmann::json reply = {{"jobId", id}, {"status", "pending"}, {"queuedAt", queued_at}};
  co_await SendJson(ex, 201, reply);
}

Task<void> GetJob(ApiContext& ctx, Exchange& ex, const std::string& id) {
  if (auto e = CheckJobId(id)) co_return co_await SendError(ex, *e);
  state::AsyncJobStore store(*ctx.mux, ctx.keys);
  auto job = co_await store.Get(id);
  if (!job.ok()) co_return co_await SendError(ex, FromStatus(job.status()));
  co_await SendJson(ex, 200, RenderJob(*job, ctx.options.edge_url));
}

Task<void> ListJobs(ApiContext& ctx, Exchange& ex) {
  auto query = http::ParseQuery(ex.request().query);
  if (!query) co_return co_await SendError(ex, BadRequest("malformed query string"));
  std::optional<state::JobStatus> status;
  int limit = 50;
  std::string cursor;
  for (const auto& [name, value] : *query) {
    if (name == "status" && !value.empty()) {
      status = state::ParseStatus(value);
      if (!status) {
        ApiError error = BadRequest("unknown status \"" + value + "\"", {{"field", "status"}});
        co_return co_await SendError(ex, error);
      }
    } else if (name == "limit") {
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || ptr != value.data() + value.size() || limit < 1 || limit > 1000) {
        ApiError error = BadRequest("limit must be 1-1000", {{"field", "limit"}});
        co_return co_await SendError(ex, error);
      }
    } else if (name == "cursor") {
      cursor = value;
    }
  }
  auto list = [&](state::RedisClient& redis) { return state::JobStore(redis, ctx.keys).List(status, limit, cursor); };
  auto page = co_await ctx.blocking->Run(list);
  if (!page.ok()) co_return co_await SendError(ex, FromStatus(page.status()));
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& job : page->jobs) jobs.push_back(RenderJob(job, ctx.options.edge_url));
  nlohmann::json next = page->next_cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json(page->next_cursor);
  nlohmann::json reply = {{"jobs", jobs}, {"nextCursor", next}};
  co_await SendJson(ex, 200, reply);
}

Task<void> CancelJob(ApiContext& ctx, Exchange& ex, const std::string& id) {
  if (auto e = CheckJobId(id)) co_return co_await SendError(ex, *e);
  auto cancel = [&](state::RedisClient& redis) {
    auto r = state::JobStore(redis, ctx.keys).Cancel(id);
    if (r.ok() && *r == state::JobStore::CancelOutcome::kCancelled) AbortMultipartOf(ctx, redis, id);
    return r;
  };
  auto r = co_await ctx.blocking->Run(cancel);
  if (!r.ok()) co_return co_await SendError(ex, FromStatus(r.status()));
  log::Info("job cancel", {{"jobId", id}, {"now", *r == state::JobStore::CancelOutcome::kCancelled}});
  if (*r == state::JobStore::CancelOutcome::kCancelled) {
    if (ctx.webhooks) ctx.webhooks->OnJobMessage({{"jobId", id}});
    nlohmann::json reply = {{"jobId", id}, {"status", "cancelled"}};
    co_return co_await SendJson(ex, 200, reply);
  }
  nlohmann::json reply = {{"jobId", id}, {"status", "running"}, {"cancelRequested", true}};
  co_await SendJson(ex, 202, reply);
}

Task<void> RetryJob(ApiContext& ctx, Exchange& ex, const std::string& id) {
  if (auto e = CheckJobId(id)) co_return co_await SendError(ex, *e);
  auto retry = [&](state::RedisClient& redis) { return state::JobStore(redis, ctx.keys).Retry(id); };
  Status retried = co_await ctx.blocking->Run(retry);
  if (!retried.ok()) co_return co_await SendError(ex, FromStatus(retried));
  if (ctx.admit) ctx.admit();
  nlohmann::json reply = {{"jobId", id}, {"status", "pending"}};
  co_await SendJson(ex, 200, reply);
}

}  // namespace tcoder::control
