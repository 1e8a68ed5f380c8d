// CurlTransport: the HttpTransport over libcurl, and the one place in tcoder
// where libcurl transfers are set up and their errors (CURLcode, callback
// failures) become a Status. One easy handle, reset for every request and
// kept between requests so connections stay alive (a request with a
// check_address gets a new handle, so it reuses no connection);
// curl_global_init runs once per process, when the first CurlTransport is made.
// Thread-safety: Send may be called from any thread; calls are serialized
// (give each thread its own transport to send in parallel).
#pragma once

#include <memory>
#include <mutex>

#include "http/transport.h"

namespace tcoder::http {

class CurlTransport : public HttpTransport {
 public:
  CurlTransport();
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  struct Handle;  // the RAII owner of the CURL*
  std::mutex mu_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace tcoder::http
