// Storage event bodies POSTed to /api/events/s3 (and pulled from a
// Cloudflare Queue): AWS S3 and MinIO notification JSON (Records[], keys
// URL-encoded with '+' for spaces; MinIO escapes '/' as %2F), Amazon
// EventBridge "Object Created" events (detail.bucket, detail.object; keys as
// is), Cloudflare R2 queue messages ({account, bucket, object:{key,size,eTag},
// action, eventTime}; keys as is; PutObject, CompleteMultipartUpload and
// CopyObject), one message or an array of them, and S3's s3:TestEvent.
// Deletes and other events are counted as ignored.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "state/event_log.h"

namespace tcoder::control {

struct ParsedEvents {
  std::vector<state::ObjectEvent> created;  // object-created events, in order
  int ignored = 0;                          // other events (deletes, test events)
};

// kInvalidArgument naming what is wrong when the body is neither format.
[[nodiscard]] Result<ParsedEvents> ParseStorageEvents(std::string_view body);

// "a+b%20c" -> "a b c" (S3 notification key encoding); nullopt on a bad escape.
std::optional<std::string> DecodeNotificationKey(std::string_view key);

}  // namespace tcoder::control
