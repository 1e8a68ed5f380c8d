#include "worker/input_fetch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/file_util.h"
#include "common/net_util.h"
#include "http/curl_transport.h"
#include "http/url_parts.h"

namespace tcoder::worker {
namespace {

http::HttpRequest FetchRequest(const std::string& url, int fd, const InputFetchOptions& o) {
  http::HttpRequest req{.method = "GET", .url = url, .headers = {{"User-Agent", "tcoder-worker/1"}}};
  req.response_fd = fd;
  req.max_body_bytes = o.max_bytes;
  req.max_redirects = o.max_redirects;
  req.timeouts = {.connect = o.connect_timeout, .total = o.timeout, .low_speed_time = o.stall_timeout};
  if (o.stop) req.on_progress = [&o](const http::TransferProgress&) { return !o.stop(); };
  return req;
}

Status FromHttpCode(long code, const std::string& shown) {
  const std::string what = "the input URL " + shown + " answered HTTP " + std::to_string(code);
  if (code >= 200 && code < 300) return Status::Ok();
  if (code == 408 || code == 429 || code >= 500) return Unavailable(what);
  return InvalidArgument(what);  // 4xx, or a 3xx without a usable Location
}

// The transport's failure in the terms of failure.h.
Status FromTransport(const Status& s, const std::string& shown, const InputFetchOptions& o) {
  switch (s.code()) {
    case Code::kPermissionDenied:  // check_address refused the peer
      return InvalidArgument(s.message());
    case Code::kTooLarge:
      return Status(Code::kTooLarge,
                    "the input at " + shown + " is over the limit of " + std::to_string(o.max_bytes) + " bytes");
    case Code::kCancelled:
      return Status(Code::kCancelled, "stopped");
    case Code::kInvalidArgument:
      return InvalidArgument("input URL " + shown + ": " + s.message() + " (only http and https, at most " +
                             std::to_string(o.max_redirects) + " redirects)");
    default:
      return Unavailable("fetching the input URL " + shown + ": " + s.message());
  }
}

}  // namespace

Status FetchInput(const std::string& url, const std::filesystem::path& file, const InputFetchOptions& options) {
  const std::string shown = RedactUrl(url);
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return Unavailable(ErrnoStatus("creating " + file.string(), errno).ToString());
  http::HttpRequest req = FetchRequest(url, fd.get(), options);
  // Set even when private targets are allowed: it also keeps proxies out.
  req.check_address = [&](const sockaddr* address) {
    if (options.allow_private || !IsInternalAddress(address)) return Status::Ok();
    return Status(Code::kPermissionDenied, "input URL refused: " + shown + " connects to " + AddressText(address) +
                                               ", an internal address (private targets are not allowed)");
  };
  http::CurlTransport transport;
  auto response = transport.Send(req);
  if (!response.ok()) return FromTransport(response.status(), shown, options);
  if (Status s = FromHttpCode(response->status, shown); !s.ok()) return s;
  if (::fsync(fd.get()) != 0) return Unavailable(ErrnoStatus("writing the input file", errno).ToString());
  return Status::Ok();
}

std::string RedactUrl(std::string_view url) {
  auto parts = http::ParseUrl(url);
  return parts.ok() ? parts->redacted : "(bad URL)";
}

}  // namespace tcoder::worker
