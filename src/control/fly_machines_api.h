// FlyMachinesApi: one Fly.io Machines API request at a time
// (`<api-url>/v1/apps/<app>/machines...`, https://fly.io/docs/machines/api/),
// with the API's rules kept on our side: a token bucket per machine and
// action (1 request a second, bursts of 3; `get` 5 a second) so requests stay
// under the documented limits, and 429 and 5xx answers (and no answer at all)
// retried with exponential backoff and jitter, honouring Retry-After.
//
// Answers map onto Status codes: 400/422 kInvalidArgument, 401
// kUnauthenticated, 403 kPermissionDenied, 404 kNotFound, 408
// kDeadlineExceeded, 409 and 412 kConflict (the API's `error` text kept: 412
// also says "insufficient resources" or "machine is being replaced"), 429
// and 5xx kUnavailable once the attempts are spent. The token is sent as
// `Authorization: Bearer` and never appears in a Status or a log line.
//
// Thread-safety: Call is thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "control/token_bucket.h"
#include "http/transport.h"

namespace tcoder::control {

struct FlyApiOptions {
  std::string api_url = "https://api.machines.dev";
  std::string app;
  std::string token;
  int max_attempts = 6;  // per request, over 429, 5xx and transport failures
  std::chrono::milliseconds backoff{250};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(8)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(75)};  // a wait slice is 60 s
  bool rate_limits = true;                                              // the per-machine, per-action buckets
  // How the client sleeps between attempts (tests replace it).
  std::function<void(std::chrono::milliseconds)> sleep;
};

class FlyMachinesApi {
 public:
  FlyMachinesApi(FlyApiOptions options, std::shared_ptr<http::HttpTransport> transport);

  // `method` on "/v1/apps/<app>/machines" + `path` ("", "/<id>/start",
  // "?metadata.k=v"), with `body` as JSON unless null. `action` and
  // `machine` pick the rate bucket ("create", "" for app-wide calls).
  // Returns the answer's JSON (null for an empty body).
  Result<nlohmann::json> Call(std::string_view method, std::string_view path, const nlohmann::json& body,
                              std::string_view action, std::string_view machine);

  const FlyApiOptions& options() const { return options_; }

 private:
  void TakeToken(std::string_view action, std::string_view machine);
  std::chrono::milliseconds Backoff(int attempt, const http::HttpResponse* response);

  FlyApiOptions options_;
  std::shared_ptr<http::HttpTransport> transport_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<TokenBucket>> buckets_;
};

// The Status of a non-2xx answer: its code from the HTTP status, its message
// "<what>: HTTP <status>: <the body's error text>".
Status FlyError(long http_status, std::string_view body, std::string_view what);

}  // namespace tcoder::control
