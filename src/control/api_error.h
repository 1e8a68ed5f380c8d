// ApiError: an HTTP error answer of the control plane's API, rendered as
// {"error": "<message>", "details": ...}, and the mapping from a Status.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace tcoder::control {

struct ApiError {
  int status = 400;
  std::string message;
  nlohmann::json details = nullptr;
  int retry_after = 0;  // seconds; sent as Retry-After when > 0
  std::string allow;    // the methods a 405's path takes; sent as Allow when not empty

  std::string Body() const;
};

inline ApiError BadRequest(std::string message, nlohmann::json details = nullptr) {
  return {400, std::move(message), std::move(details)};
}

inline ApiError NoSuchEndpoint() { return {404, "no such endpoint", nullptr}; }
inline ApiError MethodNotAllowed(std::string allow) {
  return {405, "method not allowed", nullptr, 0, std::move(allow)};
}

// 400 invalid argument, 401, 403, 404, 409 conflict, 413 too large, 429,
// 503 unavailable, else 500.
ApiError FromStatus(const Status& status);
int HttpStatusOf(Code code);

}  // namespace tcoder::control
