// Webhook targets: an http(s) URL resolved to addresses, each one checked
// (tcoder::IsInternalAddress) so client webhooks cannot reach private,
// loopback, link-local or otherwise internal networks (unless allowed). The
// request then checks again every address it connects to
// (http::HttpRequest::check_address), so DNS rebinding cannot swap it.
// Thread-safety: pure functions (getaddrinfo is thread-safe).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder::control {

struct WebhookTarget {
  std::string host;     // as in the URL (no brackets)
  int port = 0;         // the URL's port or the scheme's default
  std::string address;  // the checked address to connect to
};

// Parses and resolves `url`. kPermissionDenied when any address is internal
// and !allow_private; kInvalidArgument for a bad URL; kUnavailable when the
// name does not resolve.
[[nodiscard]] Result<WebhookTarget> ResolveWebhookTarget(std::string_view url, bool allow_private);

}  // namespace tcoder::control
