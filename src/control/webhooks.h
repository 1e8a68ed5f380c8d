// Webhooks: client webhooks (docs/api.md, "Client webhooks") for job endings. Each ending (job,
// status, attempts, end time) becomes one delivery record (state::WebhookOutbox) with a
// stable id ("msg_…" derived from the ending, so every observer of the same
// ending records it once); a due-set drives delivery and retries with
// exponential backoff for webhook_max_age. A delivery is claimed atomically
// before it is sent, so several control planes never send it twice at once.
// Targets are resolved and checked (no internal addresses unless allowed),
// redirects are not followed. A delivery round runs when an entry is due (the
// due set says when the next one is) or a new one was recorded, and at least
// every minute for what other planes left. The same thread counts claims and
// completions in Metrics, each once across control planes. Thread-safety:
// OnJobMessage from any thread; one delivery thread.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "common/background_loop.h"
#include "common/webhook_signature.h"
#include "control/metrics.h"
#include "control/options.h"
#include "http/curl_transport.h"
#include "state/job.h"
#include "state/keys.h"
#include "state/redis_pool.h"

namespace tcoder::control {

// The delivery id of one job ending: "msg_" + 32 hex characters.
std::string WebhookId(const state::Job& job);
// "job.completed" | "job.failed" | "job.cancelled".
std::string WebhookEventType(state::JobStatus status);

class Webhooks {
 public:
  Webhooks(state::RedisPool& redis, state::Keys keys, const ControlOptions& options, Metrics& metrics,
           WebhookSigner signer);
  ~Webhooks();  // Stop()
  void Start();
  void Stop();

  // A job status message from the feed (or a report): the job is read from
  // Redis on the delivery thread; an ending records a delivery.
  void OnJobMessage(const nlohmann::json& message);

  // Records the delivery for an ended job with a webhookUrl. True when new;
  // false when it was recorded before or the job needs none.
  Result<bool> Record(state::RedisClient& redis, const state::Job& job);
  // Claims and sends due deliveries; returns how many were attempted.
  Result<int> DeliverDue(state::RedisClient& redis);

  // For tests: replaces the HTTP transport (libcurl); before Start().
  void SetTransportForTesting(std::unique_ptr<http::HttpTransport> transport) { transport_ = std::move(transport); }

 private:
  void Step();
  // Counts a claim (pickup latency) or a completion (transcode time, output
  // bytes) in the metrics, and records the webhook of an ending.
  void Observe(state::RedisClient& redis, const nlohmann::json& message);
  bool FirstToCount(state::RedisClient& redis, const std::string& event);
  // Sends one delivery; OK on a 2xx answer.
  Status Send(const std::string& id, const std::string& url, const std::string& body);
  Status Finish(state::RedisClient& redis, const std::string& id, const Status& sent);

  state::RedisPool& redis_;
  state::Keys keys_;
  ControlOptions options_;
  Metrics& metrics_;
  WebhookSigner signer_;
  std::unique_ptr<http::HttpTransport> transport_ = std::make_unique<http::CurlTransport>();
  std::mutex mu_;  // guards the two below
  std::deque<nlohmann::json> inbox_;
  // The next delivery round: when the next entry is due, now after a new record.
  std::atomic<std::chrono::steady_clock::time_point> next_round_{};
  BackgroundLoop loop_;
};

}  // namespace tcoder::control
