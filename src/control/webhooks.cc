#include "control/webhooks.h"

#include <memory>

#include "common/crypto.h"
#include "common/duration.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/net_util.h"
#include "control/job_view.h"
#include "control/webhook_target.h"
#include "state/job_store.h"

namespace tcoder::control {
namespace {

constexpr state::LuaScript kRecordScript{"control_webhook_record", R"lua(
-- ARGV: prefix, id, url, body, createdAt, ttlMs
local rec = ARGV[1] .. 'webhook:' .. ARGV[2]
if redis.call('EXISTS', rec) == 1 then return 0 end
redis.call('HSET', rec, 'url', ARGV[3], 'body', ARGV[4], 'createdAt', ARGV[5], 'attempts', 0, 'state', 'pending')
redis.call('PEXPIRE', rec, ARGV[6])
redis.call('ZADD', ARGV[1] .. 'webhooks:due', ARGV[5], ARGV[2])
return 1
)lua"};

constexpr state::LuaScript kClaimScript{"control_webhook_claim", R"lua(
-- ARGV: prefix, now, leaseMs, count
local due = redis.call('ZRANGEBYSCORE', ARGV[1] .. 'webhooks:due', '-inf', ARGV[2], 'LIMIT', 0, ARGV[4])
for _, id in ipairs(due) do redis.call('ZADD', ARGV[1] .. 'webhooks:due', tonumber(ARGV[2]) + tonumber(ARGV[3]), id) end
return due
)lua"};

constexpr auto kClaimLease = std::chrono::seconds(60);

// The POST of one delivery, before signing: no redirects, the answer's body
// dropped, and every address connected to checked again (DNS rebinding).
http::HttpRequest WebhookRequest(const std::string& url, const std::string& body, const ControlOptions& options) {
  http::HttpRequest req{.method = "POST", .url = url, .body = body};
  req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "tcoder-webhooks/1"}};
  req.on_body = [](std::string_view) { return true; };
  req.max_body_bytes = http::kNoBodyLimit;
  req.timeouts.total = options.webhook_timeout;
  req.timeouts.connect = std::min<std::chrono::milliseconds>(options.webhook_timeout, std::chrono::seconds(5));
  if (!options.webhook_allow_private) {
    req.check_address = [](const sockaddr* address) {
      if (!IsInternalAddress(address)) return Status::Ok();
      return Status(Code::kPermissionDenied, "webhook target connects to an internal address " + AddressText(address));
    };
  }
  return req;
}

}  // namespace

std::string WebhookEventType(state::JobStatus status) { return "job." + std::string(state::StatusName(status)); }

std::string WebhookId(const state::Job& job) {
  std::string ending = job.id + ":" + std::string(state::StatusName(job.status)) + ":" + std::to_string(job.attempts) +
                       ":" + std::to_string(job.completed_at);
  return "msg_" + crypto::Hex(crypto::Sha256(ending)).substr(0, 32);
}

Webhooks::Webhooks(RedisPool& redis, state::Keys keys, const ControlOptions& options, Metrics& metrics,
                   WebhookSigner signer)
    : redis_(redis), keys_(std::move(keys)), options_(options), metrics_(metrics), signer_(std::move(signer)) {}

Webhooks::~Webhooks() { Stop(); }

void Webhooks::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Webhooks::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Webhooks::OnJobMessage(const nlohmann::json& message) {
  {
    std::lock_guard lock(mu_);
    if (inbox_.size() >= 100'000) return;  // the scheduler's sweeps and reports catch up
    inbox_.push_back(message);
  }
  cv_.notify_all();
}

void Webhooks::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_ || !inbox_.empty(); });
    if (stop_) break;
    std::deque<nlohmann::json> batch;
    batch.swap(inbox_);
    lock.unlock();
    if (auto redis = redis_.Acquire(); redis.ok()) {
      for (const auto& message : batch) Observe(**redis, message);
      if (auto r = DeliverDue(**redis); !r.ok())
        log::Warn("webhook delivery round failed", {{"error", r.status().ToString()}});
    }
    lock.lock();
  }
}

void Webhooks::Observe(state::RedisClient& redis, const nlohmann::json& message) {
  std::string id = message.value("jobId", "");
  if (id.empty()) return;
  state::JobStore store(redis, keys_);
  auto job = store.Get(id);
  if (!job.ok()) return;
  if (job->status == state::JobStatus::kRunning && job->started_at > 0 && job->queued_at > 0) {
    std::string key = id + ":" + std::to_string(job->attempts);
    std::lock_guard lock(mu_);
    if (picked_up_.size() > 100'000) picked_up_.clear();
    if (picked_up_.insert(key).second) metrics_.pickup_latency.Observe(job->started_at - job->queued_at);
    return;
  }
  if (!state::IsEnded(job->status)) return;
  auto fresh = Record(redis, *job);
  if (!fresh.ok()) {
    log::Warn("cannot record webhook delivery", {{"jobId", id}, {"error", fresh.status().ToString()}});
    return;
  }
  if (*fresh && job->started_at > 0) {
    metrics_.transcode_time.Observe(job->completed_at - job->started_at);
    for (const auto& o : job->outputs) {
      if (o.is_object() && o.contains("size") && o["size"].is_number_unsigned())
        metrics_.bytes_out += o["size"].get<std::uint64_t>();
    }
  }
}

Result<bool> Webhooks::Record(state::RedisClient& redis, const state::Job& job) {
  if (!state::IsEnded(job.status) || job.spec.webhook_url.empty()) return false;
  nlohmann::json body = {{"type", WebhookEventType(job.status)},
                         {"timestamp", state::FormatTimestamp(job.completed_at > 0 ? job.completed_at : UnixMillis())},
                         {"data", RenderJob(job, options_.edge_url)}};
  const std::int64_t ttl = options_.webhook_max_age.count() + std::chrono::milliseconds(std::chrono::hours(24)).count();
  auto r = redis.Eval(kRecordScript, {},
                      {keys_.prefix(), WebhookId(job), job.spec.webhook_url, JsonText(body),
                       std::to_string(UnixMillis()), std::to_string(ttl)});
  if (!r.ok()) return r.status();
  if (r->integer == 1) log::Info("webhook recorded", {{"jobId", job.id}, {"webhookId", WebhookId(job)}});
  return r->integer == 1;
}

Result<int> Webhooks::DeliverDue(state::RedisClient& redis) {
  auto due = redis.Eval(kClaimScript, {},
                        {keys_.prefix(), std::to_string(UnixMillis()),
                         std::to_string(std::chrono::milliseconds(kClaimLease).count()), "20"});
  if (!due.ok()) return due.status();
  int sent = 0;
  for (const auto& entry : due->elements) {
    const std::string& id = entry.str;
    auto rec = redis.Command({"HMGET", keys_.prefix() + "webhook:" + id, "url", "body", "state"});
    if (!rec.ok()) return rec.status();
    if (rec->elements.size() != 3 || rec->elements[0].is_nil() || rec->elements[2].str != "pending") {
      (void)redis.Command({"ZREM", keys_.prefix() + "webhooks:due", id});
      continue;
    }
    Status s = Send(id, rec->elements[0].str, rec->elements[1].str);
    ++sent;
    if (Status f = Finish(redis, id, s); !f.ok()) return f;
  }
  return sent;
}

Status Webhooks::Send(const std::string& id, const std::string& url, const std::string& body) {
  auto target = ResolveWebhookTarget(url, options_.webhook_allow_private);
  if (!target.ok()) return target.status();
  auto headers = signer_.Sign(id, UnixMillis() / 1000, body);
  if (!headers.ok()) return headers.status();
  http::HttpRequest req = WebhookRequest(url, body, options_);
  req.headers.emplace_back(std::string(kWebhookIdHeader), headers->id);
  req.headers.emplace_back(std::string(kWebhookTimestampHeader), headers->timestamp);
  req.headers.emplace_back(std::string(kWebhookSignatureHeader), headers->signature);
  auto response = transport_->Send(req);
  if (!response.ok() && response.status().code() == Code::kPermissionDenied) return response.status();
  if (!response.ok()) return Unavailable("webhook request failed: " + response.status().message());
  if (!response->ok()) return Unavailable("webhook target answered HTTP " + std::to_string(response->status));
  return Status::Ok();
}

Status Webhooks::Finish(state::RedisClient& redis, const std::string& id, const Status& sent) {
  const std::string rec = keys_.prefix() + "webhook:" + id;
  const std::string due = keys_.prefix() + "webhooks:due";
  if (sent.ok()) {
    metrics_.webhook_delivered++;
    log::Info("webhook delivered", {{"webhookId", id}});
    auto r = redis.Pipeline({{"HSET", rec, "state", "delivered", "deliveredAt", std::to_string(UnixMillis())},
                             {"HINCRBY", rec, "attempts", "1"},
                             {"ZREM", due, id}});
    return r.ok() ? Status::Ok() : r.status();
  }
  auto attempts = redis.Command({"HINCRBY", rec, "attempts", "1"});
  auto created = redis.Command({"HGET", rec, "createdAt"});
  if (!attempts.ok() || !created.ok()) return attempts.ok() ? created.status() : attempts.status();
  const std::int64_t n = attempts->integer;
  const std::int64_t created_ms = created->is_nil() ? 0 : std::atoll(created->str.c_str());
  const std::int64_t delay =
      std::min<std::int64_t>(options_.webhook_backoff.count() << std::min<std::int64_t>(n - 1, 20),
                             std::chrono::milliseconds(std::chrono::hours(1)).count());
  const bool permanent = sent.code() == Code::kPermissionDenied || sent.code() == Code::kInvalidArgument;
  if (permanent || UnixMillis() + delay > created_ms + options_.webhook_max_age.count()) {
    metrics_.webhook_gave_up++;
    log::Warn("webhook delivery given up", {{"webhookId", id}, {"attempts", n}, {"error", sent.message()}});
    auto r = redis.Pipeline({{"HSET", rec, "state", "gave_up", "lastError", sent.message()}, {"ZREM", due, id}});
    return r.ok() ? Status::Ok() : r.status();
  }
  metrics_.webhook_failed_attempts++;
  log::Info("webhook delivery failed; will retry",
            {{"webhookId", id}, {"attempts", n}, {"retryInMs", delay}, {"error", sent.message()}});
  auto r = redis.Pipeline(
      {{"HSET", rec, "lastError", sent.message()}, {"ZADD", due, std::to_string(UnixMillis() + delay), id}});
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace tcoder::control
