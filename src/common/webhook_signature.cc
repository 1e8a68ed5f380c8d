#include "common/webhook_signature.h"

#include <charconv>
#include <utility>

#include "common/crypto.h"

namespace tcoder {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::size_t kMinKeyBytes = 16;
constexpr std::size_t kMaxIdLength = 256;
constexpr std::size_t kMaxTimestampDigits = 12;    // far beyond any real date
constexpr std::size_t kMaxSignatureHeader = 4096;  // a generous list of rotated keys

Status Refused(std::string why) { return {Code::kUnauthenticated, "webhook refused: " + std::move(why)}; }

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~' || c == '.') return false;
  }
  return true;
}

// Decimal digits only: no sign, no spaces, no leading '+'.
Result<std::int64_t> ParseTimestamp(std::string_view text) {
  std::int64_t value = 0;
  if (text.empty() || text.size() > kMaxTimestampDigits) return Refused("malformed webhook-timestamp");
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text[0] == '-')
    return Refused("malformed webhook-timestamp");
  return value;
}

Status CheckTolerance(std::int64_t timestamp, std::time_t now) {
  if (now - timestamp > kWebhookToleranceSeconds) return Refused("webhook-timestamp too old");
  if (timestamp - now > kWebhookToleranceSeconds) return Refused("webhook-timestamp too far in the future");
  return Status::Ok();
}

// True when one of the space-separated "v1,<base64>" entries equals
// `expected`. Entries of other versions (e.g. "v1a,") are skipped.
bool AnyV1Matches(std::string_view list, std::string_view expected) {
  bool match = false;
  while (!list.empty()) {
    const std::size_t space = list.find(' ');
    const std::string_view entry = list.substr(0, space);
    list = space == std::string_view::npos ? std::string_view() : list.substr(space + 1);
    if (!entry.starts_with("v1,")) continue;
    // No early exit: every candidate is compared, in constant time.
    match |= crypto::ConstantTimeEquals(entry.substr(3), expected);
  }
  return match;
}

}  // namespace

std::string NewWebhookSecret() { return std::string(kSecretPrefix) + crypto::Base64(crypto::RandomBytes(24)); }

Result<WebhookSigner> WebhookSigner::FromSecret(std::string_view secret) {
  if (secret.starts_with(kSecretPrefix)) secret.remove_prefix(kSecretPrefix.size());
  std::optional<std::string> key = crypto::Base64Decode(secret);
  if (!key) return InvalidArgument("webhook secret must be whsec_ followed by base64");
  if (key->size() < kMinKeyBytes) return InvalidArgument("webhook secret too short: its key must be at least 16 bytes");
  return WebhookSigner(std::move(*key));
}

std::string WebhookSigner::Mac(std::string_view id, std::string_view timestamp, std::string_view body) const {
  std::string text;
  text.reserve(id.size() + timestamp.size() + body.size() + 2);
  text.append(id).append(".").append(timestamp).append(".").append(body);
  return crypto::Base64(crypto::HmacSha256(key_, text));
}

Result<WebhookHeaders> WebhookSigner::Sign(std::string_view id, std::int64_t timestamp, std::string_view body) const {
  if (!ValidId(id)) return InvalidArgument("webhook id must be 1-256 printable characters without spaces or '.'");
  if (timestamp < 0) return InvalidArgument("webhook timestamp must not be negative");
  WebhookHeaders h{.id = std::string(id), .timestamp = std::to_string(timestamp), .signature = ""};
  h.signature = "v1," + Mac(h.id, h.timestamp, body);
  return h;
}

Result<VerifiedWebhook> WebhookSigner::Verify(const WebhookHeaders& headers, std::string_view body,
                                              std::time_t now) const {
  if (headers.id.empty() || headers.timestamp.empty() || headers.signature.empty())
    return Refused("missing webhook-id, webhook-timestamp or webhook-signature header");
  if (!ValidId(headers.id)) return Refused("malformed webhook-id");
  if (headers.signature.size() > kMaxSignatureHeader) return Refused("webhook-signature header too long");
  Result<std::int64_t> timestamp = ParseTimestamp(headers.timestamp);
  if (!timestamp.ok()) return timestamp.status();
  if (Status s = CheckTolerance(*timestamp, now); !s.ok()) return s;
  if (!AnyV1Matches(headers.signature, Mac(headers.id, headers.timestamp, body)))
    return Refused("no matching v1 signature");
  return VerifiedWebhook{.id = headers.id, .timestamp = *timestamp};
}

}  // namespace tcoder
