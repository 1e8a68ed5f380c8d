// The object key a request path names: the path after its leading '/',
// percent-decoded exactly once. ".." and empty segments are plain key bytes
// (S3 keys are opaque); what cannot be a key cleanly is refused.
// Thread-safety: pure function, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder::edge {

inline constexpr std::size_t kMaxKeyBytes = 1024;  // S3's limit

// `raw_path` is the request path before '?', still percent-encoded.
// InvalidArgument: not origin-form ("/..."), a bad %-escape, NUL or another
// control character, invalid UTF-8, or a key over kMaxKeyBytes.
// NotFound: the root "/" (no key).
Result<std::string> KeyFromPath(std::string_view raw_path);

}  // namespace tcoder::edge
