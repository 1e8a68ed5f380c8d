#include "common/status.h"
#include "common/json_text.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

namespace tcoder {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kNotFound:
      return "not_found";
    case Code::kConflict:
      return "conflict";
    case Code::kTooLarge:
      return "too_large";
    case Code::kResourceExhausted:
      return "resource_exhausted";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kDeadlineExceeded:
      return "deadline_exceeded";
    case Code::kCancelled:
      return "cancelled";
    case Code::kIOError:
      return "io_error";
    case Code::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return {code_, std::string(context) + ": " + message_};
}

Status ErrnoStatus(std::string_view what, int err) {
  char buf[256];
  const char* text = strerror_r(err, buf, sizeof buf);  // GNU variant
  Code code = Code::kIOError;
  if (err == ENOENT) code = Code::kNotFound;
  if (err == EACCES || err == EPERM) code = Code::kPermissionDenied;
  if (err == EEXIST) code = Code::kConflict;
  if (err == ENOSPC || err == EMFILE || err == ENFILE) code = Code::kResourceExhausted;
  return {code, std::string(what) + ": " + text};
}

void DieWithMessage(const std::string& why) {
  const nlohmann::json line = {{"level", "critical"}, {"msg", "fatal"}, {"why", why}};
  std::fprintf(stderr, "%s\n", JsonText(line).c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace tcoder
