// FetchInput: downloads a job's input from the http(s) URL it was created
// with (POST /api/jobs with inputUrl) into a file, in place of the download
// from the input bucket; what follows (sniff, probe, validate) is the same.
//
// Only http and https, redirects included (at most max_redirects); proxies
// from the environment are ignored. Every address the transport is about to
// connect to is checked then (tcoder::IsInternalAddress, as the request's
// http::HttpRequest::check_address), so neither DNS rebinding nor a redirect
// reaches an internal network unless allow_private. The size limit holds while the body streams, whatever
// Content-Length said.
//
// Errors follow failure.h: kInvalidArgument (refused address, 4xx answer, bad
// URL or redirect) and kTooLarge are permanent; kCancelled when `stop` said
// so; kUnavailable (5xx, 408, 429, timeouts, network and disk errors) is
// retryable. Thread-safety: each call has its own transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder::worker {

struct InputFetchOptions {
  std::uint64_t max_bytes = 10ull << 30;
  bool allow_private = false;
  int max_redirects = 5;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds timeout{std::chrono::hours(2)};  // the whole transfer
  std::chrono::seconds stall_timeout{60};                    // under 1 KiB/s this long: give up
  std::function<bool()> stop;                                // polled; true: cancel
};

// Streams `url` into `file` (created or truncated, mode 0600).
[[nodiscard]] Status FetchInput(const std::string& url, const std::filesystem::path& file,
                                const InputFetchOptions& options);

// The URL for logs and error messages: scheme, host, port and path; no
// user-info, query or fragment (they may carry credentials).
std::string RedactUrl(std::string_view url);

}  // namespace tcoder::worker
