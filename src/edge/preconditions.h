// Conditional GET/HEAD (RFC 7232): If-None-Match (weak comparison, "*", lists)
// takes precedence over If-Modified-Since; If-Range (strong ETag or exact
// date) decides whether a Range header still applies.
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tcoder::edge {

// True when the client's copy is current and a 304 is the answer. `etag` is
// the object's quoted ETag ("" when unknown); `last_modified` its Unix time.
bool NotModified(std::string_view if_none_match, std::string_view if_modified_since, std::string_view etag,
                 std::optional<std::int64_t> last_modified);

// True when a Range header applies: no If-Range, or If-Range names this
// object's ETag (strongly) or its exact Last-Modified date.
bool IfRangeHolds(std::string_view if_range, std::string_view etag, std::optional<std::int64_t> last_modified);

}  // namespace tcoder::edge
