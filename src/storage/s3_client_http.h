// The HTTP exchange under the S3 client: one request, one response, bodies
// streamed from a file range and to a file descriptor. CurlTransport is the
// real one (libcurl, the one place its errors become a Status); unit tests
// put a fake in its place.
// Thread-safety: a CurlTransport serializes its calls with a mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tcoder::storage {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;
  std::string url;      // already encoded, sent as is
  HttpHeaders headers;  // sent as is (Host and Authorization included)
  // The body: body_file's [body_offset, body_offset + body_length) when
  // body_file is set, else body.
  std::string body;
  std::filesystem::path body_file;
  std::uint64_t body_offset = 0;
  std::uint64_t body_length = 0;
  // A 2xx response body goes to this descriptor when >= 0 (else into
  // HttpResponse::body, up to max_body_bytes). Error bodies always go to memory.
  int response_fd = -1;
  std::size_t max_body_bytes = 16 << 20;
  bool streaming = false;  // a large transfer: stall timeout instead of a total one
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // names in lower case
  std::string body;
  std::uint64_t bytes_to_fd = 0;
  std::string Header(std::string_view lower_name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // An HTTP status of any value is OK; a Status error means no response:
  // kUnavailable for connection failures and timeouts (worth a retry),
  // kIOError for local file errors, kInvalidArgument for a bad URL.
  [[nodiscard]] virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct CurlTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds request{60000};  // total, for requests that are not streaming
  std::chrono::seconds stall{30};            // streaming: abort below 1 KiB/s for this long
};

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(CurlTimeouts timeouts);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  struct Handle;  // the RAII owner of the CURL* (kept between calls for keep-alive)
  CurlTimeouts timeouts_;
  std::mutex mu_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace tcoder::storage
