// UrlParts: an absolute URL split by libcurl's own URL parser — the one the
// transport (http/curl_transport.h) uses — so a check made on the parts (the
// scheme, the host) holds for the request that is sent; and the URL without
// its secrets, for logs and error messages.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder::http {

struct UrlParts {
  std::string scheme;    // lower case: "https"
  std::string host;      // as in the URL, IPv6 without brackets
  int port = 0;          // the URL's, else the scheme's default; 0 when neither
  std::string redacted;  // scheme, host, port and path: no user-info, query or fragment
};

// Parses `url` (any scheme; the caller checks it). kInvalidArgument when it
// is not an absolute URL.
[[nodiscard]] Result<UrlParts> ParseUrl(std::string_view url);

}  // namespace tcoder::http
