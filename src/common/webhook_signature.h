// Standard Webhooks signatures: headers webhook-id, webhook-timestamp and
// webhook-signature ("v1,<base64 HMAC-SHA256 of id.timestamp.body>"), keyed by
// a secret written whsec_<base64 of the key>. Used for client webhooks and the
// workers' completion reports. Replay protection (remembering ids) is the
// caller's: Verify returns the id and timestamp it checked.
// Thread-safety: a WebhookSigner is immutable once made; share it freely.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder {

inline constexpr std::string_view kWebhookIdHeader = "webhook-id";
inline constexpr std::string_view kWebhookTimestampHeader = "webhook-timestamp";
inline constexpr std::string_view kWebhookSignatureHeader = "webhook-signature";
// How far a timestamp may be from "now", either way.
inline constexpr std::int64_t kWebhookToleranceSeconds = 300;  // 5 minutes

// A new secret: "whsec_" + base64 of 24 CSPRNG bytes.
std::string NewWebhookSecret();

// The three header values of one delivery.
struct WebhookHeaders {
  std::string id;
  std::string timestamp;  // decimal seconds since the epoch
  std::string signature;  // "v1,<base64>"; when verifying, a space-separated list
};

// What Verify vouches for: the delivery's id and timestamp (for replay checks).
struct VerifiedWebhook {
  std::string id;
  std::int64_t timestamp = 0;
};

class WebhookSigner {
 public:
  // `secret` is "whsec_<base64>" (the prefix may be left out); the key must
  // be at least 16 bytes. InvalidArgument otherwise.
  static Result<WebhookSigner> FromSecret(std::string_view secret);

  // Headers for a delivery of `body` with message id `id` at `timestamp`.
  // InvalidArgument when the id is empty, too long, or has characters other
  // than printable ASCII (no spaces, no '.': the id is a field of the signed
  // text, so a '.' would let id and timestamp trade places).
  Result<WebhookHeaders> Sign(std::string_view id, std::int64_t timestamp, std::string_view body) const;

  // Checks a delivery received at `now`: well-formed headers, a timestamp
  // within the tolerance, and at least one "v1," signature that matches
  // (compared in constant time). Unauthenticated with the reason otherwise.
  Result<VerifiedWebhook> Verify(const WebhookHeaders& headers, std::string_view body, std::time_t now) const;

 private:
  explicit WebhookSigner(std::string key) : key_(std::move(key)) {}
  std::string Mac(std::string_view id, std::string_view timestamp, std::string_view body) const;

  std::string key_;  // the raw HMAC key
};

}  // namespace tcoder
