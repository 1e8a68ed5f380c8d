#include "control/webhook_target.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <memory>

#include <curl/curl.h>

#include "common/net_util.h"

namespace tcoder::control {
namespace {

struct UrlParts {
  std::string scheme, host;
  int port = 0;
};

Result<UrlParts> ParseUrl(std::string_view url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> h(curl_url(), curl_url_cleanup);
  std::string copy(url);
  if (curl_url_set(h.get(), CURLUPART_URL, copy.c_str(), 0) != CURLUE_OK) return InvalidArgument("bad webhook URL");
  char *scheme = nullptr, *host = nullptr, *port = nullptr;
  UrlParts out;
  if (curl_url_get(h.get(), CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) out.scheme = scheme;
  if (curl_url_get(h.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK) out.host = host;
  if (curl_url_get(h.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) out.port = std::atoi(port);
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  if (out.scheme != "http" && out.scheme != "https") return InvalidArgument("webhook URL must be http or https");
  if (out.host.size() >= 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty() || out.port <= 0) return InvalidArgument("webhook URL without a host");
  return out;
}

}  // namespace

Result<WebhookTarget> ResolveWebhookTarget(std::string_view url, bool allow_private) {
  auto parts = ParseUrl(url);
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
