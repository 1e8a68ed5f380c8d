#include "control/cf_queue_consumer.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/log.h"

namespace tcoder::control {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

bool PlainId(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

// The envelope's first error, "code N: message".
std::string FirstError(const json& answer) {
  if (!answer.contains("errors") || !answer["errors"].is_array() || answer["errors"].empty()) return "unknown error";
  const json& e = answer["errors"][0];
  if (!e.is_object()) return "unknown error";
  return "code " + std::to_string(e.value("code", 0)) + ": " + e.value("message", "");
}

}  // namespace

Status ParseQueueName(std::string_view name, CfQueueOptions& options) {
  const std::size_t slash = name.find('/');
  const Status bad = InvalidArgument("--events-cf-queue must be ACCOUNT_ID/QUEUE_ID");
  if (slash == std::string_view::npos) return bad;
  const std::string_view account = name.substr(0, slash), queue = name.substr(slash + 1);
  if (!PlainId(account) || !PlainId(queue)) return bad;
  options.account_id = std::string(account);
  options.queue_id = std::string(queue);
  return Status::Ok();
}

Result<std::vector<QueueMessage>> ParsePullAnswer(std::string_view body) {
  const json answer = json::parse(body, nullptr, false);
  if (!answer.is_object()) return Internal("queue pull: the answer is not a JSON object");
  if (!answer.value("success", false)) return Unavailable("queue pull: " + FirstError(answer));
  const json result = answer.value("result", json::object());
  if (!result.is_object() || !result.contains("messages") || !result["messages"].is_array())
    return Internal("queue pull: the answer has no result.messages");
  std::vector<QueueMessage> out;
  for (const json& m : result["messages"]) {
    if (!m.is_object() || !m.contains("lease_id") || !m["lease_id"].is_string()) continue;
    QueueMessage q;
    q.id = m.value("id", "");
    q.lease_id = m["lease_id"].get<std::string>();
    q.body =
        m.contains("body") && m["body"].is_string() ? m["body"].get<std::string>() : m.value("body", json()).dump();
    q.attempts = m.value("attempts", 0);
    const json meta = m.value("metadata", json::object());
    if (meta.is_object()) q.content_type = meta.value("CF-Content-Type", "");
    out.push_back(std::move(q));
  }
  return out;
}

Result<std::string> DecodeMessageBody(const QueueMessage& message) {
  const std::string& type = message.content_type;
  if (type == "text") return message.body;
  const bool is_json = !json::parse(message.body, nullptr, false).is_discarded();
  if (type.empty() && is_json) return message.body;
  auto decoded = crypto::Base64Decode(message.body);
  // A json body should come base64-encoded; one sent as JSON text is taken too.
  if (type == "json" && is_json && (!decoded || json::parse(*decoded, nullptr, false).is_discarded()))
    return message.body;
  if (!decoded) return InvalidArgument("message " + message.id + ": the body is not base64");
  return *decoded;
}

CfQueueConsumer::CfQueueConsumer(CfQueueOptions options, std::shared_ptr<http::HttpTransport> transport, Ingest ingest)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      ingest_(std::move(ingest)),
      idle_wait_(options_.idle_backoff_min),
      loop_(milliseconds(0), [this] { Step(); }) {
  while (!options_.api_url.empty() && options_.api_url.back() == '/') options_.api_url.pop_back();
}

CfQueueConsumer::~CfQueueConsumer() { Stop(); }

void CfQueueConsumer::Start() {
  loop_.Start();
  loop_.Kick();
}

void CfQueueConsumer::Stop() { loop_.Stop(); }

Result<std::string> CfQueueConsumer::Post(std::string_view path, const std::string& body) {
  http::HttpRequest request;
  request.method = "POST";
  request.url = options_.api_url + "/client/v4/accounts/" + options_.account_id + "/queues/" + options_.queue_id +
                std::string(path);
  request.headers = {{"Authorization", "Bearer " + options_.token}, {"Content-Type", "application/json"}};
  request.body = body;
  request.timeouts.total = std::chrono::seconds(30);
  auto response = transport_->Send(request);
  if (!response.ok()) return response.status().WithContext("queue " + std::string(path));
  if (response->status == 401 || response->status == 403) {
    return Status(Code::kUnauthenticated, "queue " + std::string(path) + ": HTTP " + std::to_string(response->status));
  }
  if (response->status >= 500 || response->status == 429) {
    return Unavailable("queue " + std::string(path) + ": HTTP " + std::to_string(response->status));
  }
  return response->body;  // 2xx and other 4xx: the envelope says
}

Result<int> CfQueueConsumer::PollOnce() {
  const json pull = {{"batch_size", options_.batch_size},
                     {"visibility_timeout_ms", options_.visibility_timeout.count()}};
  auto answer = Post("/messages/pull", pull.dump());
  if (!answer.ok()) return answer.status();
  auto messages = ParsePullAnswer(*answer);
  if (!messages.ok()) return messages.status();
  if (messages->empty()) return 0;
  json acks = json::array(), retries = json::array();
  for (const QueueMessage& m : *messages) {
    auto body = DecodeMessageBody(m);
    auto events = body.ok() ? ParseStorageEvents(*body) : Result<ParsedEvents>(body.status());
    Status s = events.ok() ? ingest_(*events) : events.status();
    if (s.ok()) {
      acks.push_back({{"lease_id", m.lease_id}});
      continue;
    }
    log::Warn("queue message not recorded; retried",
              {{"messageId", m.id}, {"attempts", m.attempts}, {"error", s.ToString()}});
    retries.push_back({{"lease_id", m.lease_id}, {"delay_seconds", options_.retry_delay.count()}});
  }
  const json ack = {{"acks", acks}, {"retries", retries}};
  auto acked = Post("/messages/ack", ack.dump());
  const json reply = acked.ok() ? json::parse(*acked, nullptr, false) : json();
  if (!acked.ok() || !reply.is_object() || !reply.value("success", false)) {
    // Unacked messages come back after the visibility timeout; the intake is idempotent.
    log::Warn("queue ack failed; the messages will be delivered again",
              {{"error", acked.ok() ? FirstError(reply) : acked.status().ToString()}, {"count", messages->size()}});
  }
  return static_cast<int>(messages->size());
}

void CfQueueConsumer::Step() {
  auto polled = PollOnce();
  if (polled.ok() && *polled > 0) {
    idle_wait_ = options_.idle_backoff_min;  // busy: pull again at once
    return;
  }
  if (!polled.ok()) log::Warn("queue pull failed", {{"error", polled.status().ToString()}});
  (void)loop_.SleepFor(idle_wait_);
  idle_wait_ = std::min(options_.idle_backoff_max, idle_wait_ * 2);
}

}  // namespace tcoder::control
