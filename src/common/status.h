// Status and Result<T>: the error values that cross module boundaries.
//
// A Status is either OK or a Code with a human-readable message. Result<T> holds
// a value or a non-OK Status. Both are cheap to move and [[nodiscard]]; errors
// from the OS and from libraries are turned into a Status in one place per
// library. Thread-safety: plain values, no shared state.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tcoder {

enum class Code {
  kOk = 0,
  kInvalidArgument,    // the caller's input is wrong (HTTP 400)
  kUnauthenticated,    // missing or bad credentials (401)
  kPermissionDenied,   // credentials fine, action refused (403)
  kNotFound,           // (404)
  kConflict,           // state does not allow it, e.g. stale fencing token (409)
  kTooLarge,           // over a configured limit (413)
  kResourceExhausted,  // back off and retry later (429)
  kUnavailable,        // a dependency is down; retryable (503)
  kDeadlineExceeded,   // a deadline passed
  kCancelled,          // stopped on request
  kIOError,            // disk or network failed
  kInternal,           // a bug or an impossible state
};

// The stable lower-case name of a code, e.g. "not_found".
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: no such job" or "ok".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status IOError(std::string m) { return {Code::kIOError, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

// The one place errno becomes a Status: "what: strerror(err)".
Status ErrnoStatus(std::string_view what, int err);

// A value or an error. Access to value() on an error is a bug and aborts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) Die("Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    Check();
    return std::get<T>(v_);
  }
  const T& value() const& {
    Check();
    return std::get<T>(v_);
  }
  T&& value() && {
    Check();
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void Check() const {
    if (!ok()) Die("Result::value() on error: " + std::get<Status>(v_).ToString());
  }
  [[noreturn]] static void Die(const std::string& why);
  std::variant<T, Status> v_;
};

[[noreturn]] void DieWithMessage(const std::string& why);

template <typename T>
void Result<T>::Die(const std::string& why) {
  DieWithMessage(why);
}

// Crashes with a message when an invariant is broken; stays on in release builds.
#define TCODER_CHECK(cond, msg)                                                              \
  do {                                                                                       \
    if (!(cond)) ::tcoder::DieWithMessage(std::string("check failed: " #cond ": ") + (msg)); \
  } while (0)

}  // namespace tcoder
