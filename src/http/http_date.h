// HTTP dates (RFC 7231 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") to and
// from Unix seconds, for Last-Modified, If-Modified-Since and their kin.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcoder::http {

// The HTTP date of a Unix time in seconds, in UTC.
std::string HttpDate(std::int64_t unix_seconds);

// Parses an HTTP date in the fixed format above; nullopt when malformed or
// followed by anything.
std::optional<std::int64_t> ParseHttpDate(std::string_view text);

}  // namespace tcoder::http
