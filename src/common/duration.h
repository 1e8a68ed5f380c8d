// Parsing and printing of durations and byte sizes as users write them.
//
// Durations: a bare number is seconds ("300"); otherwise a number followed by
// ms, s, m, h or d ("250ms", "5m", "1h"), possibly chained ("1h30m").
// Sizes: a bare number is bytes; suffixes K, M, G, T (powers of 1000) and KiB,
// MiB, GiB, TiB (powers of 1024). Also the wall clock in Unix milliseconds and
// its ISO-8601 form.
// Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder {

Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
// "1h30m", "250ms", "0s".
std::string FormatDuration(std::chrono::milliseconds d);

Result<std::uint64_t> ParseSize(std::string_view text);

// Milliseconds since the Unix epoch, from the system clock.
std::int64_t UnixMillis();
// ISO-8601 UTC with milliseconds: "2026-11-21T08:51:28.123Z" (times before
// the epoch print as the epoch).
std::string IsoTimestamp(std::int64_t unix_ms);
// Milliseconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.fff]Z" (what S3
// writes in LastModified); nullopt for anything else.
std::optional<std::int64_t> ParseIsoTimestamp(std::string_view text);

// A duration as a flag value: CLI11 reads it through operator>>.
struct Duration {
  std::chrono::milliseconds value{0};
  std::chrono::seconds seconds() const { return std::chrono::duration_cast<std::chrono::seconds>(value); }
};
std::istream& operator>>(std::istream& in, Duration& d);
std::ostream& operator<<(std::ostream& out, const Duration& d);

}  // namespace tcoder
