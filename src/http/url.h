// URL helpers for request targets: splitting a target into its path and query,
// percent-decoding, and parsing a query string into decoded parameters. The
// server leaves paths and queries encoded; each handler decodes what it uses.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/percent_decode.h"

namespace tcoder::http {

struct Target {
  std::string_view path;   // before the first '?', still percent-encoded
  std::string_view query;  // after it, raw ("" when there is none)
};

// Splits a request-target ("/a%20b?x=y") at its first '?'. The views point into `target`.
Target SplitTarget(std::string_view target);

// Percent-decoding, strict and lenient (common/percent_decode.h).
using tcoder::PercentDecode;
using tcoder::PercentDecodeLenient;

using QueryParams = std::vector<std::pair<std::string, std::string>>;
// Query parameters "a=1&b" -> {{"a","1"},{"b",""}}, decoded, in order, empty
// parts skipped; nullopt on a bad escape.
std::optional<QueryParams> ParseQuery(std::string_view query);

}  // namespace tcoder::http
