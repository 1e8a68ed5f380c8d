#include "control/webhook_target.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <memory>

#include "common/net_util.h"
#include "http/url_parts.h"

namespace tcoder::control {
namespace {

Result<http::UrlParts> ParseWebhookUrl(std::string_view url) {
  auto parts = http::ParseUrl(url);
  if (!parts.ok()) return InvalidArgument("bad webhook URL");
  if (parts->scheme != "http" && parts->scheme != "https") return InvalidArgument("webhook URL must be http or https");
  if (parts->host.empty() || parts->port <= 0) return InvalidArgument("webhook URL without a host");
  return parts;
}

}  // namespace

Result<WebhookTarget> ResolveWebhookTarget(std::string_view url, bool allow_private) {
  auto parts = ParseWebhookUrl(url);
  if (!parts.ok()) return parts.status();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(parts->host.c_str(), nullptr, &hints, &res); rc != 0)
    return Unavailable("cannot resolve " + parts->host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(res, freeaddrinfo);
  WebhookTarget target{parts->host, parts->port, ""};
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    if (!allow_private && IsInternalAddress(ai->ai_addr))
      return Status(Code::kPermissionDenied,
                    "webhook target " + parts->host + " resolves to an internal address " + AddressText(ai->ai_addr));
    if (target.address.empty()) target.address = AddressText(ai->ai_addr);
  }
  if (target.address.empty()) return Unavailable("no address for " + parts->host);
  return target;
}

}  // namespace tcoder::control
