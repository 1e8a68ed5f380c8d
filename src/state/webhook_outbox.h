// WebhookOutbox: the client webhook deliveries waiting to be sent. One record
// per job ending (Keys::Webhook(id), a hash: url, body, createdAt, attempts,
// state pending | delivered | gave_up, lastError, deliveredAt) and the due set
// (Keys::WebhooksDue(), each id scored by when it is next due).
//
// Every step is one Lua script on Redis's clock (docs/state.md). A claim
// leases what is due (its score moves claim_lease ahead), so several control
// planes never send one delivery at once and one a dead sender held is due
// again after the lease. Thread-safety: none; one RedisClient per thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"
#include "state/script_reply.h"

namespace tcoder::state {

struct WebhookOutboxOptions {
  std::chrono::milliseconds claim_lease{std::chrono::seconds(60)};
  // A failed attempt is retried after backoff * 2^(attempts-1), at most
  // max_delay, while that falls within max_age of the record's creation.
  std::chrono::milliseconds backoff{std::chrono::seconds(5)};
  std::chrono::milliseconds max_delay{std::chrono::hours(1)};
  std::chrono::milliseconds max_age{std::chrono::hours(24)};
  std::chrono::milliseconds kept_after{std::chrono::hours(24)};  // a record lives max_age + this
};

struct WebhookDelivery {
  std::string id;  // stable per job ending, e.g. "msg_…"
  std::string url;
  std::string body;
};

// What a failed attempt led to.
struct WebhookRetry {
  enum class Outcome { kRetry, kGaveUp, kGone };  // kGone: the record expired meanwhile
  Outcome outcome = Outcome::kGone;
  int attempts = 0;  // this one included
  std::chrono::milliseconds retry_in{0};
};

class WebhookOutbox {
 public:
  WebhookOutbox(RedisClient& redis, Keys keys, WebhookOutboxOptions options = {});

  // Records `delivery`, due now. False when its id was recorded before:
  // nothing changed. kInvalidArgument without an id or url.
  Result<bool> Record(const WebhookDelivery& delivery);
  // Up to `limit` due pending deliveries, each leased to this caller for
  // claim_lease. Entries whose record expired or ended leave the due set.
  // `next_due`, when given, gets how long until the next entry left is due.
  Result<std::vector<WebhookDelivery>> ClaimDue(int limit,
                                                std::optional<std::chrono::milliseconds>* next_due = nullptr);
  // The target accepted it: delivered, no longer due.
  Status MarkDelivered(const std::string& id);
  // An attempt failed with `error`: due again after the backoff, or given up
  // (no longer due) when `permanent` or past max_age.
  Result<WebhookRetry> AttemptFailed(const std::string& id, const std::string& error, bool permanent);

 private:
  Result<ScriptReply> Run(const LuaScript& script, const std::string& key, const Argv& args);

  RedisClient& redis_;
  Keys keys_;
  WebhookOutboxOptions options_;
};

}  // namespace tcoder::state
