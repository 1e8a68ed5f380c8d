#include "control/api_error.h"
#include "common/json_text.h"

namespace tcoder::control {

std::string ApiError::Body() const {
  nlohmann::json body = {{"error", message}, {"details", details}};
  return JsonText(body) + "\n";
}

int HttpStatusOf(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

ApiError FromStatus(const Status& status) {
  ApiError e{HttpStatusOf(status.code()), status.message(), nullptr};
  if (e.status == 500) e.message = "internal error";  // details are in the log, not in the answer
  if (e.status == 503) e.retry_after = 1;
  return e;
}

}  // namespace tcoder::control
