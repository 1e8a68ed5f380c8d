#include "control/webhooks.h"

#include <algorithm>
#include <memory>

#include "common/crypto.h"
#include "common/duration.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/net_util.h"
#include "control/job_view.h"
#include "control/webhook_target.h"
#include "state/job_store.h"
#include "state/report_ledger.h"
#include "state/webhook_outbox.h"

namespace tcoder::control {
namespace {

constexpr int kClaimBatch = 20;  // deliveries claimed per round
constexpr auto kClaimLease = std::chrono::seconds(60);
constexpr auto kDeliverEvery = std::chrono::milliseconds(250);  // the loop's period: rounds at most this often
constexpr auto kIdleRound = std::chrono::seconds(60);           // a round at least this often (other planes' leftovers)

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

Webhooks::Webhooks(state::RedisPool& redis, state::Keys keys, const ControlOptions& options, Metrics& metrics,
                   WebhookSigner signer)
    : redis_(redis),
      keys_(std::move(keys)),
      options_(options),
      metrics_(metrics),
      signer_(std::move(signer)),
      loop_(kDeliverEvery, [this] { Step(); }) {}

Webhooks::~Webhooks() { Stop(); }

void Webhooks::Start() { loop_.Start(); }
void Webhooks::Stop() { loop_.Stop(); }

void Webhooks::OnJobMessage(const nlohmann::json& message) {
  {
    std::lock_guard lock(mu_);
    if (inbox_.size() >= 100'000) return;  // the scheduler's sweeps and reports catch up
    inbox_.push_back(message);
  }
  loop_.Kick();
}

void Webhooks::Step() {
  std::deque<nlohmann::json> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(inbox_);
  }
  if (batch.empty() && std::chrono::steady_clock::now() < next_round_.load()) return;
  auto redis = redis_.Acquire();
  if (!redis.ok()) return;
  for (const auto& message : batch) Observe(**redis, message);
  if (std::chrono::steady_clock::now() < next_round_.load()) return;
  if (auto r = DeliverDue(**redis); !r.ok()) {
    log::Warn("webhook delivery round failed", {{"error", r.status().ToString()}});
    next_round_.store(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  }
}

void Webhooks::Observe(state::RedisClient& redis, const nlohmann::json& message) {
  std::string id = message.value("jobId", "");
  if (id.empty()) return;
  state::JobStore store(redis, keys_);
  auto job = store.Get(id);
  if (!job.ok()) return;
  if (job->status == state::JobStatus::kRunning && job->started_at > 0 && job->queued_at > 0) {
    if (FirstToCount(redis, "pickup:" + id + ":" + std::to_string(job->attempts)))
      metrics_.pickup_latency.Observe(static_cast<double>(job->started_at - job->queued_at) / 1000.0);
    return;
  }
  if (!state::IsEnded(job->status)) return;
  if (job->status == state::JobStatus::kCompleted && job->started_at > 0 && FirstToCount(redis, "completed:" + id)) {
    metrics_.transcode_time.Observe(job->spec.preset,
                                    static_cast<double>(job->completed_at - job->started_at) / 1000.0);
    for (const auto& o : job->outputs) {
      if (o.is_object() && o.contains("size") && o["size"].is_number_unsigned())
        metrics_.output_bytes += o["size"].get<std::uint64_t>();
    }
  }
  auto fresh = Record(redis, *job);
  if (!fresh.ok()) log::Warn("cannot record webhook delivery", {{"jobId", id}, {"error", fresh.status().ToString()}});
}

// True for the one control plane that sees `event` first (a key kept as long
// as ended jobs are): it alone counts it.
bool Webhooks::FirstToCount(state::RedisClient& redis, const std::string& event) {
  constexpr auto kCountedFor = std::chrono::hours(24);  // as long as ended jobs are kept
  auto first = state::ReportLedger(redis, keys_).FirstSight("metrics:" + event, kCountedFor);
  return first.ok() && *first;
}

namespace {

// The delivery records, retried with the configured backoff for webhook_max_age.
state::WebhookOutbox Outbox(state::RedisClient& redis, const state::Keys& keys, const ControlOptions& o) {
  state::WebhookOutboxOptions w;
  w.claim_lease = kClaimLease;
  w.backoff = o.webhook_backoff;
  w.max_age = o.webhook_max_age;
  return state::WebhookOutbox(redis, keys, w);
}

}  // namespace

Result<bool> Webhooks::Record(state::RedisClient& redis, const state::Job& job) {
  if (!state::IsEnded(job.status) || job.spec.webhook_url.empty()) return false;
  nlohmann::json body = {{"type", WebhookEventType(job.status)},
                         {"timestamp", IsoTimestamp(job.completed_at > 0 ? job.completed_at : UnixMillis())},
                         {"data", RenderJob(job, options_.edge_url)}};
  auto fresh = Outbox(redis, keys_, options_).Record({WebhookId(job), job.spec.webhook_url, JsonText(body)});
  if (fresh.ok() && *fresh) {
    log::Info("webhook recorded", {{"jobId", job.id}, {"webhookId", WebhookId(job)}});
    next_round_.store(std::chrono::steady_clock::time_point{});  // due now
  }
  return fresh;
}

Result<int> Webhooks::DeliverDue(state::RedisClient& redis) {
  std::optional<std::chrono::milliseconds> next;
  auto due = Outbox(redis, keys_, options_).ClaimDue(kClaimBatch, &next);
  if (!due.ok()) return due.status();
  // The next round when the next entry is due, or at the latest kIdleRound;
  // at once when the batch was full.
  const auto wait = due->size() == kClaimBatch
                        ? std::chrono::milliseconds(0)
                        : std::clamp<std::chrono::milliseconds>(next.value_or(kIdleRound), kDeliverEvery, kIdleRound);
  next_round_.store(std::chrono::steady_clock::now() + wait);
  int sent = 0;
  for (const state::WebhookDelivery& d : *due) {
    Status s = Send(d.id, d.url, d.body);
    ++sent;
    if (Status f = Finish(redis, d.id, s); !f.ok()) return f;
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
  state::WebhookOutbox outbox = Outbox(redis, keys_, options_);
  if (sent.ok()) {
    metrics_.webhook_delivered++;
    log::Info("webhook delivered", {{"webhookId", id}});
    return outbox.MarkDelivered(id);
  }
  const bool permanent = sent.code() == Code::kPermissionDenied || sent.code() == Code::kInvalidArgument;
  auto retry = outbox.AttemptFailed(id, sent.message(), permanent);
  if (!retry.ok()) return retry.status();
  if (retry->outcome == state::WebhookRetry::Outcome::kGaveUp) {
    metrics_.webhook_gave_up++;
    log::Warn("webhook delivery given up",
              {{"webhookId", id}, {"attempts", retry->attempts}, {"error", sent.message()}});
  } else if (retry->outcome == state::WebhookRetry::Outcome::kRetry) {
    metrics_.webhook_failed_attempts++;
    // Its claim pushed it a lease ahead; the retry is due sooner.
    const auto retry_at = std::chrono::steady_clock::now() + std::max(retry->retry_in, kDeliverEvery);
    if (retry_at < next_round_.load()) next_round_.store(retry_at);
    log::Info("webhook delivery failed; will retry", {{"webhookId", id},
                                                      {"attempts", retry->attempts},
                                                      {"retryInMs", retry->retry_in.count()},
                                                      {"error", sent.message()}});
  }
  return Status::Ok();
}

}  // namespace tcoder::control
