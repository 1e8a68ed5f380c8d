// EventSink: where the built-in S3 server's object-created events go once
// they are spooled (EventSpool). The state store's event stream in
// production — the sink is made by whoever starts the server (`tcoder
// storage`), so storage knows nothing of Redis — and a fake in unit tests.
// Thread-safety: a sink is used by one thread, the spool's forwarder.
#pragma once

#include <functional>
#include <memory>

#include "common/object_event.h"
#include "common/status.h"

namespace tcoder::storage::server {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // OK once the event is delivered; any error makes the spool keep it, drop
  // this sink and make another one after a pause.
  [[nodiscard]] virtual Status Append(const ObjectEvent& event) = 0;
};

// Connects a sink; called again after a sink fails.
using SinkFactory = std::function<Result<std::unique_ptr<EventSink>>()>;

}  // namespace tcoder::storage::server
