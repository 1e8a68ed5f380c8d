// The control plane's HTTP API (docs/api.md): one routing table (routes.h),
// bearer-key auth on /api/*, JSON errors. Handlers live in api_*.cc, one area each, and share
// ApiContext (the plane's parts) and the helpers below.
//
// Thread-safety: handlers run concurrently on the server's io threads; every
// part they touch is thread-safe. Handlers await Redis: single calls through
// the mux, multi-step operations on BlockingRedis; no io thread waits on it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/webhook_signature.h"
#include "control/api_error.h"
#include "control/blocking_redis.h"
#include "control/job_feed.h"
#include "control/machine_provider.h"
#include "control/metrics.h"
#include "control/options.h"
#include "control/system_history.h"
#include "control/webhooks.h"
#include "http/server.h"
#include "state/job.h"
#include "state/keys.h"
#include "state/machine_pool.h"
#include "state/redis_mux.h"
#include "state/redis_pool.h"
#include "storage/s3_client.h"

namespace tcoder::control {

struct ApiContext {
  ControlOptions options;
  state::Keys keys;
  JobFeed* feed = nullptr;
  Webhooks* webhooks = nullptr;
  Metrics* metrics = nullptr;
  storage::S3Client* s3 = nullptr;  // HEAD on inputs given by key
  std::optional<WebhookSigner> internal_signer;
  std::function<void()> admit;                 // wakes admission
  state::RedisMux* mux = nullptr;              // the handlers' Redis: awaited, pipelined across requests
  BlockingRedis* blocking = nullptr;           // for operations that need a connection of their own
  std::function<MachineProvider*()> provider;  // this plane's machines; null until it has started them
  SystemHistory* history = nullptr;            // queue depth samples for the system stream
};

// The server's handler.
http::Task<void> HandleApi(ApiContext& ctx, http::Exchange& ex);

// Helpers for handlers.
http::Task<void> SendJson(http::Exchange& ex, int status, const nlohmann::json& body, http::Headers extra = {});
http::Task<void> SendError(http::Exchange& ex, const ApiError& error);
// The whole body, or kTooLarge past `limit` bytes.
http::Task<Result<std::string>> ReadBody(http::Exchange& ex, std::size_t limit);
// Constant-time check of "Authorization: Bearer <key>".
bool BearerMatches(const http::Request& req, const std::string& key);
// Server-Sent Events (api_sse.cc): one event's text; and a stream: the head,
// `first`, then whatever `next` returns, polled every 100 ms (a heartbeat
// comment after 15 s of silence), until `next` sets its argument (or `done`
// is true from the start), the client goes or the server stops.
std::string SseEvent(std::string_view name, const nlohmann::json& data);
http::Task<void> StreamEvents(http::Exchange& ex, std::string first, bool done,
                              const std::function<std::string(bool&)>& next);
// Operator actions (api_operator.cc): who asked, for the log (the
// X-TCoder-Operator header, cut to 100 bytes, and the peer address); the
// body's optional {"reason": "..."} (1-500 bytes), `fallback` when absent.
nlohmann::json Asker(const http::Request& req);
std::variant<std::string, ApiError> ReasonOf(const Result<std::string>& body, const char* fallback);

// Uploads (api_uploads.cc): a presigned PUT URL of the job's input (with
// query parameters such as a part's); POST /api/upload's answer for a
// multipart upload (creates it in the store, then the job); the abort of a
// cancelled job's multipart upload (best effort, logged).
Result<std::string> PresignInput(const ApiContext& ctx, const state::JobSpec& spec,
                                 std::vector<std::pair<std::string, std::string>> query = {});
http::Task<void> PostMultipartUpload(ApiContext& ctx, http::Exchange& ex, std::string id, state::JobSpec spec);
void AbortMultipartOf(ApiContext& ctx, state::RedisClient& redis, const std::string& id);
// The 429 for a full queue, else the Status's answer.
ApiError CreateRefusal(const ApiContext& ctx, const Status& s);

// Handlers (api_jobs.cc, api_system.cc, api_operator.cc, api_machine_actions.cc, api_intake.cc, api_sse.cc,
// api_system_events.cc), routed by routes.cc.
http::Task<void> PostUpload(ApiContext& ctx, http::Exchange& ex);
http::Task<void> GetUpload(ApiContext& ctx, http::Exchange& ex, const std::string& id);
http::Task<void> PostUploadParts(ApiContext& ctx, http::Exchange& ex, const std::string& id);
http::Task<void> PostUploadComplete(ApiContext& ctx, http::Exchange& ex, const std::string& id);
http::Task<void> PostJob(ApiContext& ctx, http::Exchange& ex);
http::Task<void> GetJob(ApiContext& ctx, http::Exchange& ex, const std::string& id);
http::Task<void> ListJobs(ApiContext& ctx, http::Exchange& ex);
http::Task<void> CancelJob(ApiContext& ctx, http::Exchange& ex, const std::string& id);
http::Task<void> RetryJob(ApiContext& ctx, http::Exchange& ex, const std::string& id);
http::Task<void> JobEvents(ApiContext& ctx, http::Exchange& ex, const std::string& id);
http::Task<void> GetStatus(ApiContext& ctx, http::Exchange& ex);
http::Task<void> GetStats(ApiContext& ctx, http::Exchange& ex);
http::Task<void> GetMetrics(ApiContext& ctx, http::Exchange& ex);
http::Task<void> GetMachines(ApiContext& ctx, http::Exchange& ex);
http::Task<void> GetQueue(ApiContext& ctx, http::Exchange& ex);
http::Task<void> RequeueJob(ApiContext& ctx, http::Exchange& ex, const std::string& id);
http::Task<void> FailJob(ApiContext& ctx, http::Exchange& ex, const std::string& id);
template <state::MachineAction A>
http::Task<void> ActOnMachine(ApiContext& ctx, http::Exchange& ex, const std::string& id);
http::Task<void> SystemEvents(ApiContext& ctx, http::Exchange& ex);
http::Task<void> PostStorageEvents(ApiContext& ctx, http::Exchange& ex);
http::Task<void> PostJobComplete(ApiContext& ctx, http::Exchange& ex);
http::Task<void> ServeRoot(ApiContext& ctx, http::Exchange& ex);
http::Task<void> ServeWebFile(ApiContext& ctx, http::Exchange& ex);

}  // namespace tcoder::control
