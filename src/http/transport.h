// HttpTransport: one outbound HTTP exchange — a request out, a response back —
// behind a small interface, so every client of another service (S3, client
// webhooks, the worker's reports and input URLs, the CLI) sends through one
// place and its unit tests put a fake (http/fake_transport.h) in its place.
// CurlTransport (http/curl_transport.h) is the real one.
//
// Bodies can be larger than memory: a request body streams from a file range
// or a reader, a 2xx response body to a descriptor or a callback.
// Thread-safety: plain values; see each transport for its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

struct sockaddr;

namespace tcoder::http {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::uint64_t kNoBodyLimit = std::numeric_limits<std::uint64_t>::max();

struct HttpTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds total{0};  // the whole exchange; 0: none
  // Below low_speed_bytes per second for low_speed_time: given up. 0 s: off.
  std::chrono::seconds low_speed_time{0};
  long low_speed_bytes = 1024;
};

struct TransferProgress {
  std::uint64_t uploaded = 0;
  std::uint64_t upload_total = 0;  // 0 while unknown
  std::uint64_t downloaded = 0;
  std::uint64_t download_total = 0;
};

// Fills `buffer` with up to `capacity` bytes of the request body; 0 at its end.
using BodyReader = std::function<Result<std::size_t>(char* buffer, std::size_t capacity)>;

struct HttpRequest {
  std::string method;   // "GET", "HEAD", "PUT", "POST", "DELETE", ...
  std::string url;      // absolute, already encoded, sent as is
  HttpHeaders headers;  // sent as is; no "Expect: 100-continue" is ever added

  // The body, from the first of these that is set: body_file's
  // [body_offset, body_offset + body_length); body_reader (body_length bytes);
  // else `body`. GET and HEAD send none.
  std::string body;
  std::filesystem::path body_file;
  BodyReader body_reader;
  std::uint64_t body_offset = 0;
  std::uint64_t body_length = 0;

  // Where a 2xx response body goes: written to response_fd from offset 0 when
  // >= 0; else handed to on_body piece by piece (false stops the transfer:
  // kCancelled); else HttpResponse::body. Over max_body_bytes, wherever it
  // goes: kTooLarge, before any of it is read when the response announces a
  // larger Content-Length. Other responses' bodies go to HttpResponse::body,
  // cut at 64 KiB.
  int response_fd = -1;
  std::function<bool(std::string_view piece)> on_body;
  std::uint64_t max_body_bytes = 16 << 20;

  HttpTimeouts timeouts;
  // Called now and then while the exchange runs; false cancels it (kCancelled).
  std::function<bool(const TransferProgress&)> on_progress;
  int max_redirects = 0;  // 0: a 3xx is the response; else followed (http and https only)

  std::string ca_file;     // TLS: the CA bundle to trust; empty: the system's
  bool verify_tls = true;  // false: any certificate and host name (tests only)

  // Called with every address about to be connected to — after each name
  // resolution, for each redirect — so no DNS answer or Location header gets
  // around it. A non-OK Status refuses that connection; Send returns it.
  // When set, proxies are not used (the check must see the real peer) and no
  // connection is reused from an earlier exchange.
  std::function<Status(const sockaddr* address)> check_address;
};

struct HttpResponse {
  long status = 0;               // of the last response, after redirects
  HttpHeaders headers;           // of the last response, names in lower case
  std::string body;              // unless it went to response_fd or on_body
  std::uint64_t body_bytes = 0;  // the 2xx body's length, wherever it went

  // The first header named `lower_name`, or "".
  std::string Header(std::string_view lower_name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // An HTTP status of any value is a response. A Status error means there
  // was none: kUnavailable for connection failures and timeouts (worth a
  // retry); kInvalidArgument for a bad URL, a scheme other than http(s) or
  // too many redirects; kTooLarge past max_body_bytes; kCancelled when
  // on_body or on_progress stopped it; kIOError when body_file or
  // response_fd failed; body_reader's or check_address's own Status when
  // one of them failed or refused.
  [[nodiscard]] virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace tcoder::http
