#include "http/url_parts.h"

#include <curl/curl.h>

#include <cstdlib>
#include <memory>

namespace tcoder::http {
namespace {

using Url = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;

// One part of the URL, "" when it has none.
std::string Part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, flags) != CURLUE_OK) return "";
  std::string out(text);
  curl_free(text);
  return out;
}

}  // namespace

Result<UrlParts> ParseUrl(std::string_view url) {
  Url h(curl_url(), curl_url_cleanup);
  TCODER_CHECK(h != nullptr, "curl_url: out of memory");
  const std::string copy(url);
  if (curl_url_set(h.get(), CURLUPART_URL, copy.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
    return InvalidArgument("not an absolute URL");
  UrlParts out;
  out.scheme = Part(h.get(), CURLUPART_SCHEME);
  out.host = Part(h.get(), CURLUPART_HOST);
  if (out.host.size() >= 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  out.port = std::atoi(Part(h.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT).c_str());
  for (CURLUPart secret : {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_QUERY, CURLUPART_FRAGMENT})
    curl_url_set(h.get(), secret, nullptr, 0);
  out.redacted = Part(h.get(), CURLUPART_URL);
  if (out.redacted.empty()) return InvalidArgument("not an absolute URL");
  return out;
}

}  // namespace tcoder::http
