// FakeTransport: an HttpTransport for unit tests. It records every request
// (with the body it would have sent, read from the file range or the reader)
// and answers with the canned replies queued on it, in order, or from a
// handler. A reply's body reaches the request's sink as a real one would: a
// 2xx body to response_fd, on_body or the response, within max_body_bytes.
// Thread-safety: Send may be called from any thread; set it up before.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "http/transport.h"

namespace tcoder::http {

struct SentRequest {
  HttpRequest request;
  std::string body;  // what was sent, whatever its source

  std::string Header(std::string_view name) const;  // the first such header (case-insensitive), or ""
};

class FakeTransport : public HttpTransport {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;

  // Queues the next answer: a response, or a transport failure (no response).
  void Reply(long status, std::string body = "", HttpHeaders headers = {});
  void Fail(Status error);
  // Answers every request the queue does not (by default: kInternal, a test bug).
  void SetHandler(Handler handler);

  Result<HttpResponse> Send(const HttpRequest& request) override;

  std::vector<SentRequest> requests() const;
  std::size_t count() const;

 private:
  Result<HttpResponse> Next(const HttpRequest& request);

  mutable std::mutex mu_;
  std::deque<Result<HttpResponse>> replies_;
  Handler handler_;
  std::vector<SentRequest> sent_;
};

}  // namespace tcoder::http
