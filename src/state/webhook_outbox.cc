#include "state/webhook_outbox.h"

#include "state/lua_scripts.h"

namespace tcoder::state {

WebhookOutbox::WebhookOutbox(RedisClient& redis, Keys keys, WebhookOutboxOptions options)
    : redis_(redis), keys_(std::move(keys)), options_(options) {}

Result<ScriptReply> WebhookOutbox::Run(const LuaScript& script, const std::string& key, const Argv& args) {
  return RunScript(redis_, script, key, keys_.prefix(), args);
}

Result<bool> WebhookOutbox::Record(const WebhookDelivery& d) {
  if (d.id.empty() || d.url.empty()) return InvalidArgument("a webhook delivery needs an id and a url");
  auto reply = Run(lua::kWebhookRecord, keys_.Webhook(d.id),
                   {d.id, d.url, d.body, MsArg(options_.max_age + options_.kept_after)});
  if (!reply.ok()) return reply.status();
  return reply->outcome == "ok";
}

Result<std::vector<WebhookDelivery>> WebhookOutbox::ClaimDue(int limit,
                                                             std::optional<std::chrono::milliseconds>* next_due) {
  if (limit < 1) return InvalidArgument("limit must be at least 1");
  auto reply = Run(lua::kWebhookClaim, keys_.WebhooksDue(), {MsArg(options_.claim_lease), std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  if (reply->args.empty() || reply->args.size() % 3 != 1) return Internal("webhook claim: malformed reply");
  auto next = reply->int_arg(0);
  if (!next.ok()) return next.status();
  if (next_due != nullptr) *next_due = *next < 0 ? std::nullopt : std::optional(std::chrono::milliseconds(*next));
  std::vector<WebhookDelivery> due;
  for (size_t i = 1; i < reply->args.size(); i += 3)
    due.push_back({reply->arg(i), reply->arg(i + 1), reply->arg(i + 2)});
  return due;
}

Status WebhookOutbox::MarkDelivered(const std::string& id) {
  auto reply = Run(lua::kWebhookDelivered, keys_.Webhook(id), {id});
  return reply.ok() ? Status::Ok() : reply.status();
}

Result<WebhookRetry> WebhookOutbox::AttemptFailed(const std::string& id, const std::string& error, bool permanent) {
  auto reply = Run(
      lua::kWebhookFailed, keys_.Webhook(id),
      {id, error, permanent ? "1" : "0", MsArg(options_.backoff), MsArg(options_.max_delay), MsArg(options_.max_age)});
  if (!reply.ok()) return reply.status();
  if (reply->outcome == "gone") return WebhookRetry{};
  auto attempts = reply->int_arg(0);
  if (!attempts.ok()) return attempts.status();
  if (reply->outcome == "gave_up") {
    return WebhookRetry{WebhookRetry::Outcome::kGaveUp, static_cast<int>(*attempts), std::chrono::milliseconds(0)};
  }
  auto delay = reply->int_arg(1);
  if (!delay.ok()) return delay.status();
  return WebhookRetry{WebhookRetry::Outcome::kRetry, static_cast<int>(*attempts), std::chrono::milliseconds(*delay)};
}

}  // namespace tcoder::state
