// ObjectEvent: an object-created event, as the object store emits it and the
// state store's event stream carries it (docs/state.md, "Event stream
// entries"). Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <string>

namespace tcoder {

struct ObjectEvent {
  std::string bucket;
  std::string key;  // the raw object key
  std::uint64_t size = 0;
  std::string etag;
  std::string event_name = "ObjectCreated:Put";  // also CompleteMultipartUpload, Copy
  std::string event_time;                        // ISO-8601 UTC; EventLog::Append fills it in when empty
};

}  // namespace tcoder
