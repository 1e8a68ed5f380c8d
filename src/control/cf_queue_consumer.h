// CfQueueConsumer: the pull consumer of a Cloudflare Queue that R2 event
// notifications go to (`tcoder control --events-cf-queue ACCOUNT/QUEUE`),
// over the Queues HTTP API:
//   POST <api>/client/v4/accounts/{account}/queues/{queue}/messages/pull
//        {batch_size, visibility_timeout_ms}
//   POST .../messages/ack {acks: [{lease_id}], retries: [{lease_id, delay_seconds}]}
// Each message's body is decoded by its content type (`json` and `bytes`
// bodies come base64-encoded, `text` as is), parsed like a POST to
// /api/events/s3 (s3_events.h) and handed to the intake; it is acked only
// once its events are recorded, else retried after `retry_delay` (a body that
// is no storage event too, so the queue's retry limit moves it to its
// dead-letter queue instead of losing it). Delivery is at least once and the
// intake is idempotent, so several control planes may pull the same queue,
// and a plane that dies between pull and ack loses nothing: the queue
// delivers the message again when its visibility timeout ends. An empty
// queue is polled less and less often, down to one pull per
// `idle_backoff_max`; Redis sees nothing while the queue is empty.
//
// Thread-safety: PollOnce on one thread at a time; Start/Stop from the owner.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/background_loop.h"
#include "common/status.h"
#include "control/s3_events.h"
#include "http/transport.h"

namespace tcoder::control {

struct CfQueueOptions {
  std::string api_url = "https://api.cloudflare.com";
  std::string account_id;
  std::string queue_id;
  std::string token;  // an API token with Queues read and write; never logged
  int batch_size = 10;
  std::chrono::milliseconds visibility_timeout{std::chrono::seconds(60)};
  std::chrono::seconds retry_delay{10};
  std::chrono::milliseconds idle_backoff_min{std::chrono::seconds(1)};
  std::chrono::milliseconds idle_backoff_max{std::chrono::seconds(30)};
};

// "ACCOUNT_ID/QUEUE_ID" into `options`. Errors: kInvalidArgument.
Status ParseQueueName(std::string_view name, CfQueueOptions& options);

// One message of a pull.
struct QueueMessage {
  std::string id;
  std::string lease_id;
  std::string body;          // as the API gave it
  std::string content_type;  // metadata CF-Content-Type: json | text | bytes | v8 ("" when absent)
  int attempts = 0;
};

// The messages of a pull answer. Errors: kUnavailable for `success: false`
// (with the API's first error), kInternal for an answer out of shape.
Result<std::vector<QueueMessage>> ParsePullAnswer(std::string_view body);

// The message's body as sent: base64-decoded for json, bytes and v8 (v8 is
// not JSON and fails to parse later), as is for text; a json body that came
// as JSON text rather than base64, and a body without a content type that is
// JSON, are taken as they are; anything else is base64-decoded.
// Errors: kInvalidArgument for bad base64.
Result<std::string> DecodeMessageBody(const QueueMessage& message);

class CfQueueConsumer {
 public:
  // Records the events of one message; an error leaves the message to be retried.
  using Ingest = std::function<Status(const ParsedEvents&)>;

  CfQueueConsumer(CfQueueOptions options, std::shared_ptr<http::HttpTransport> transport, Ingest ingest);
  ~CfQueueConsumer();  // Stop()

  // One pull; its messages ingested, then acked or retried in one call.
  // Returns how many messages came.
  Result<int> PollOnce();

  void Start();
  void Stop();

 private:
  void Step();
  Result<std::string> Post(std::string_view path, const std::string& body);

  CfQueueOptions options_;
  std::shared_ptr<http::HttpTransport> transport_;
  Ingest ingest_;
  std::chrono::milliseconds idle_wait_;
  BackgroundLoop loop_;
};

}  // namespace tcoder::control
