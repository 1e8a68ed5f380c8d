// Multipart, resumable uploads (docs/api.md): the multipart answer of
// POST /api/upload, GET /api/uploads/{id}, POST /api/uploads/{id}/parts and
// POST /api/uploads/{id}/complete, and the abort when such a job is cancelled.
//
// The store is the truth about parts: the control plane lists them (clients
// need not read ETags, which browsers often cannot) and checks that they make
// the whole file before completing. Store calls run on the blocking pool,
// never on an io thread.
#include <utility>  // Boost 1.74's awaitable.hpp needs it first with GCC 12

#include <variant>

#include "common/duration.h"
#include "common/log.h"
#include "control/api.h"
#include "control/event_intake.h"
#include "control/multipart_plan.h"
#include "state/async_job_store.h"
#include "state/job_store.h"
#include "storage/presign.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;
using Answer = std::variant<nlohmann::json, ApiError>;

constexpr std::size_t kMaxBody = 1 << 20;  // 10,000 {partNumber, etag} fit

MultipartPlan PlanOf(const state::JobSpec& spec) { return PlanWithPartSize(spec.size, spec.part_size); }

std::string ExpiresAt(const ApiContext& ctx) {
  auto expires = std::chrono::system_clock::now() + ctx.options.upload_expiry;
  return IsoTimestamp(std::chrono::duration_cast<std::chrono::milliseconds>(expires.time_since_epoch()).count());
}

// Presigned PUT URLs for the given parts.
Result<nlohmann::json> PartUrls(const ApiContext& ctx, const state::JobSpec& spec, const std::vector<int>& numbers) {
  nlohmann::json parts = nlohmann::json::array();
  for (int n : numbers) {
    auto url = PresignInput(ctx, spec, {{"partNumber", std::to_string(n)}, {"uploadId", spec.upload_id}});
    if (!url.ok()) return Internal(url.status().ToString());
    parts.push_back({{"partNumber", n}, {"url", *url}});
  }
  return parts;
}

std::vector<int> FirstParts(const MultipartPlan& plan) {
  std::vector<int> numbers;
  for (int n = 1; n <= std::min(plan.part_count, kMaxPartUrls); ++n) numbers.push_back(n);
  return numbers;
}

// The answer of POST /api/upload for a multipart upload that was just created.
Result<nlohmann::json> Ticket(const ApiContext& ctx, const std::string& id, const state::JobSpec& spec) {
  const MultipartPlan plan = PlanOf(spec);
  auto parts = PartUrls(ctx, spec, FirstParts(plan));
  if (!parts.ok()) return parts.status();
  const std::string base = "/api/uploads/" + id;
  nlohmann::json multipart = {{"uploadId", spec.upload_id},       {"size", plan.size}, {"partSize", plan.part_size},
                              {"partCount", plan.part_count},     {"parts", *parts},   {"partsUrl", base + "/parts"},
                              {"completeUrl", base + "/complete"}};
  return nlohmann::json{{"jobId", id},
                        {"uploadMethod", "multipart"},
                        {"expiresAt", ExpiresAt(ctx)},
                        {"inputKey", spec.input_key},
                        {"bucket", spec.input_bucket},
                        {"multipart", multipart}};
}

ApiError StoreError(const Status& s) {
  if (s.code() == Code::kInvalidArgument) return BadRequest("object storage refused: " + s.message());
  return FromStatus(Unavailable("object storage: " + s.message()));
}

// The job of an upload request: exists and is a multipart upload.
std::variant<state::Job, ApiError> MultipartJob(const Result<state::Job>& job, const std::string& id) {
  if (!job.ok()) {
    if (job.status().code() == Code::kNotFound) return ApiError{404, "no such job", {{"jobId", id}}};
    return FromStatus(job.status());
  }
  if (job->spec.upload_id.empty()) return ApiError{409, "job " + id + " was not a multipart upload", {{"jobId", id}}};
  return *job;
}

nlohmann::json StatusOnly(const state::Job& job) {
  return {{"jobId", job.id}, {"status", std::string(state::StatusName(job.status))}};
}

bool UploadIsOver(const state::Job& job) {
  return job.status == state::JobStatus::kFailed || job.status == state::JobStatus::kCancelled;
}

Answer UploadState(ApiContext& ctx, state::RedisClient& redis, const std::string& id) {
  auto found = MultipartJob(state::JobStore(redis, ctx.keys).Get(id), id);
  if (auto* e = std::get_if<ApiError>(&found)) return *e;
  const state::Job& job = std::get<state::Job>(found);
  if (job.status != state::JobStatus::kUploading) return StatusOnly(job);
  auto listed = ctx.s3->ListParts(job.spec.input_bucket, job.spec.input_key, job.spec.upload_id);
  if (!listed.ok() && listed.status().code() == Code::kNotFound)
    return ApiError{409, "the store no longer has this upload: start a new one", {{"jobId", id}}};
  if (!listed.ok()) return StoreError(listed.status());
  const MultipartPlan plan = PlanOf(job.spec);
  nlohmann::json parts = nlohmann::json::array();
  std::uint64_t bytes = 0;
  for (const storage::UploadedPart& p : *listed) {
    parts.push_back({{"partNumber", p.number}, {"size", p.size}, {"etag", p.etag}});
    if (p.size == plan.PartLength(p.number)) bytes += p.size;
  }
  nlohmann::json answer = StatusOnly(job);
  answer.update({{"uploadId", job.spec.upload_id},
                 {"size", plan.size},
                 {"partSize", plan.part_size},
                 {"partCount", plan.part_count},
                 {"uploadedParts", parts},
                 {"uploadedBytes", bytes}});
  return answer;
}

// The object is complete in the store: the same transition as its event.
Answer Ingest(ApiContext& ctx, state::RedisClient& redis, const state::Job& job, std::uint64_t size, std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"') etag = etag.substr(1, etag.size() - 2);
  state::ObjectEvent ev{
      job.spec.input_bucket, job.spec.input_key, size, etag, "ObjectCreated:CompleteMultipartUpload", ""};
  auto r = IngestEvent(redis, ctx.keys, ev, *ctx.metrics, ctx.admit);
  if (!r.ok()) return FromStatus(r.status());
  return nlohmann::json{{"jobId", job.id}, {"status", r->status.empty() ? "queued" : r->status}};
}

// Completing an upload the store no longer lists: done already (a retry after
// a lost answer, or another request first) when the object is there.
Answer AlreadyCompleted(ApiContext& ctx, state::RedisClient& redis, const state::Job& job) {
  auto head = ctx.s3->HeadObject(job.spec.input_bucket, job.spec.input_key);
  if (head.ok()) return Ingest(ctx, redis, job, head->size, head->etag);
  if (head.status().code() == Code::kNotFound)
    return ApiError{409, "the store no longer has this upload: start a new one", {{"jobId", job.id}}};
  return StoreError(head.status());
}

Answer Complete(ApiContext& ctx, state::RedisClient& redis, const std::string& id,
                const std::map<int, std::string>& etags) {
  auto found = MultipartJob(state::JobStore(redis, ctx.keys).Get(id), id);
  if (auto* e = std::get_if<ApiError>(&found)) return *e;
  const state::Job& job = std::get<state::Job>(found);
  if (UploadIsOver(job))
    return ApiError{409, "the job is " + std::string(state::StatusName(job.status)), StatusOnly(job)};
  if (job.status != state::JobStatus::kUploading) return StatusOnly(job);
  auto listed = ctx.s3->ListParts(job.spec.input_bucket, job.spec.input_key, job.spec.upload_id);
  if (!listed.ok() && listed.status().code() == Code::kNotFound) return AlreadyCompleted(ctx, redis, job);
  if (!listed.ok()) return StoreError(listed.status());
  const MultipartPlan plan = PlanOf(job.spec);
  auto parts = CheckParts(plan, *listed, etags);
  if (auto* e = std::get_if<ApiError>(&parts)) return *e;
  auto etag = ctx.s3->CompleteMultipartUpload(job.spec.input_bucket, job.spec.input_key, job.spec.upload_id,
                                              std::get<std::vector<storage::CompletedPart>>(parts));
  if (!etag.ok() && etag.status().code() == Code::kNotFound) return AlreadyCompleted(ctx, redis, job);
  if (!etag.ok()) return StoreError(etag.status());
  log::Info("multipart upload completed", {{"jobId", id}, {"parts", plan.part_count}, {"bytes", plan.size}});
  return Ingest(ctx, redis, job, plan.size, *etag);
}

Status CreateMultipart(ApiContext& ctx, state::JobSpec& spec) {
  storage::PutOptions put;
  put.content_type = spec.content_type;
  auto upload_id = ctx.s3->CreateMultipartUpload(spec.input_bucket, spec.input_key, put);
  if (!upload_id.ok()) return upload_id.status();
  spec.upload_id = *upload_id;
  return Status::Ok();
}

// The 404 for an id no job could have.
std::optional<ApiError> UnknownId(const std::string& id) {
  if (state::ValidateJobId(id).ok()) return std::nullopt;
  return ApiError{404, "no such job", {{"jobId", id}}};
}

}  // namespace

Result<std::string> PresignInput(const ApiContext& ctx, const state::JobSpec& spec,
                                 std::vector<std::pair<std::string, std::string>> query) {
  storage::PresignOptions p;
  p.endpoint = ctx.options.s3_public_endpoint.empty() ? ctx.options.s3_endpoint : ctx.options.s3_public_endpoint;
  p.bucket = spec.input_bucket;
  p.key = spec.input_key;
  p.method = "PUT";
  p.expires = ctx.options.upload_expiry;
  p.credentials = {ctx.options.s3_access_key, ctx.options.s3_secret_key, ""};
  p.region = ctx.options.region;
  p.path_style = ctx.options.s3_path_style;
  p.now = std::chrono::system_clock::now();
  p.query = std::move(query);
  return storage::PresignUrl(p);
}

void AbortMultipartOf(ApiContext& ctx, state::RedisClient& redis, const std::string& id) {
  auto job = state::JobStore(redis, ctx.keys).Get(id);
  if (!job.ok() || job->spec.upload_id.empty()) return;
  Status s = ctx.s3->AbortMultipartUpload(job->spec.input_bucket, job->spec.input_key, job->spec.upload_id);
  if (!s.ok()) log::Warn("aborting the multipart upload failed", {{"jobId", id}, {"error", s.ToString()}});
}

Task<void> PostMultipartUpload(ApiContext& ctx, Exchange& ex, std::string id, state::JobSpec spec) {
  spec.part_size = PlanParts(spec.size, ctx.options.multipart_part_size).part_size;
  auto create = [&](state::RedisClient&) { return CreateMultipart(ctx, spec); };
  Status created = co_await ctx.blocking->Run(create);
  if (!created.ok()) co_return co_await SendError(ex, StoreError(created));
  state::AsyncJobStore store(*ctx.mux, ctx.keys);
  if (Status s = co_await store.Create(id, spec, state::JobStatus::kUploading, ctx.options.max_pending); !s.ok()) {
    auto abort = [&](state::RedisClient&) {
      return ctx.s3->AbortMultipartUpload(spec.input_bucket, spec.input_key, spec.upload_id);
    };
    (void)co_await ctx.blocking->Run(abort);
    co_return co_await SendError(ex, CreateRefusal(ctx, s));
  }
  auto ticket = Ticket(ctx, id, spec);
  if (!ticket.ok()) co_return co_await SendError(ex, FromStatus(ticket.status()));
  log::Info("multipart upload authorized",
            {{"jobId", id}, {"inputKey", spec.input_key}, {"parts", PlanOf(spec).part_count}});
  co_await SendJson(ex, 201, *ticket);
}

Task<void> GetUpload(ApiContext& ctx, Exchange& ex, const std::string& id) {
  if (auto e = UnknownId(id)) co_return co_await SendError(ex, *e);
  auto read = [&](state::RedisClient& redis) -> Result<Answer> { return UploadState(ctx, redis, id); };
  auto answer = co_await ctx.blocking->Run(read);
  if (!answer.ok()) co_return co_await SendError(ex, FromStatus(answer.status()));
  if (auto* e = std::get_if<ApiError>(&*answer)) co_return co_await SendError(ex, *e);
  co_await SendJson(ex, 200, std::get<nlohmann::json>(*answer));
}

Task<void> PostUploadParts(ApiContext& ctx, Exchange& ex, const std::string& id) {
  auto body = co_await ReadBody(ex, kMaxBody);
  if (!body.ok()) co_return co_await SendError(ex, FromStatus(body.status()));
  if (auto e = UnknownId(id)) co_return co_await SendError(ex, *e);
  state::AsyncJobStore store(*ctx.mux, ctx.keys);
  auto found = MultipartJob(co_await store.Get(id), id);
  if (auto* e = std::get_if<ApiError>(&found)) co_return co_await SendError(ex, *e);
  const state::Job& job = std::get<state::Job>(found);
  if (job.status != state::JobStatus::kUploading) {
    const ApiError error{409, "the job is no longer uploading", StatusOnly(job)};
    co_return co_await SendError(ex, error);
  }
  auto numbers = ParsePartNumbers(*body, PlanOf(job.spec));
  if (auto* e = std::get_if<ApiError>(&numbers)) co_return co_await SendError(ex, *e);
  auto parts = PartUrls(ctx, job.spec, std::get<std::vector<int>>(numbers));
  if (!parts.ok()) co_return co_await SendError(ex, FromStatus(parts.status()));
  nlohmann::json reply = {{"parts", *parts}, {"expiresAt", ExpiresAt(ctx)}};
  co_await SendJson(ex, 200, reply);
}

Task<void> PostUploadComplete(ApiContext& ctx, Exchange& ex, const std::string& id) {
  auto body = co_await ReadBody(ex, kMaxBody);
  if (!body.ok()) co_return co_await SendError(ex, FromStatus(body.status()));
  auto etags = ParseCompleteBody(*body);
  if (auto* e = std::get_if<ApiError>(&etags)) co_return co_await SendError(ex, *e);
  if (auto e = UnknownId(id)) co_return co_await SendError(ex, *e);
  const auto& given = std::get<std::map<int, std::string>>(etags);
  auto complete = [&](state::RedisClient& redis) -> Result<Answer> { return Complete(ctx, redis, id, given); };
  auto answer = co_await ctx.blocking->Run(complete);
  if (!answer.ok()) co_return co_await SendError(ex, FromStatus(answer.status()));
  if (auto* e = std::get_if<ApiError>(&*answer)) co_return co_await SendError(ex, *e);
  co_await SendJson(ex, 200, std::get<nlohmann::json>(*answer));
}

}  // namespace tcoder::control
