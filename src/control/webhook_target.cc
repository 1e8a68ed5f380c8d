#include "control/webhook_target.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

#include <curl/curl.h>

namespace tcoder::control {
namespace {

bool InternalV4(const unsigned char* b) {
  if (b[0] == 0 || b[0] == 10 || b[0] == 127) return true;
  if (b[0] == 100 && (b[1] & 0xC0) == 64) return true;     // 100.64/10
  if (b[0] == 169 && b[1] == 254) return true;             // link-local
  if (b[0] == 172 && (b[1] & 0xF0) == 16) return true;     // 172.16/12
  if (b[0] == 192 && b[1] == 168) return true;             // 192.168/16
  if (b[0] == 192 && b[1] == 0 && b[2] == 0) return true;  // 192.0.0/24
  if (b[0] == 198 && (b[1] & 0xFE) == 18) return true;     // 198.18/15
  return b[0] >= 224;                                      // multicast, reserved, broadcast
}

bool InternalV6(const unsigned char* b) {
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) return InternalV4(b + 12);
  bool zero_prefix = true;
  for (int i = 0; i < 15; ++i) zero_prefix = zero_prefix && b[i] == 0;
  if (zero_prefix && (b[15] == 0 || b[15] == 1)) return true;                     // :: and ::1
  if (b[0] == 0xfe && (b[1] & 0xC0) == 0x80) return true;                         // fe80::/10
  if ((b[0] & 0xFE) == 0xfc) return true;                                         // fc00::/7
  if (b[0] == 0xff) return true;                                                  // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // documentation
  return false;
}

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

bool IsInternalAddress(std::string_view ip) {
  std::string s(ip);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return InternalV4(buf);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return InternalV6(buf);
  return true;  // not an address: refuse
}

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
    char text[INET6_ADDRSTRLEN] = {};
    const void* addr = ai->ai_family == AF_INET
                           ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                           : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    inet_ntop(ai->ai_family, addr, text, sizeof(text));
    if (!allow_private && IsInternalAddress(text))
      return Status(Code::kPermissionDenied, "webhook target " + parts->host + " resolves to an internal address");
    if (target.address.empty()) target.address = text;
  }
  if (target.address.empty()) return Unavailable("no address for " + parts->host);
  return target;
}

}  // namespace tcoder::control
