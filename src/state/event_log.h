// EventLog: object-created events in a Redis stream ({<prefix>}:events) with
// one consumer group, delivered at least once.
//
// The storage server appends; the control plane reads new entries, acks them
// when handled, and takes over entries a dead consumer left pending
// (XAUTOCLAIM, Redis 6.2+). Entries that cannot be parsed are acked and logged,
// never redelivered forever. Thread-safety: none; one RedisClient per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/object_event.h"
#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::state {

using ObjectEvent = tcoder::ObjectEvent;

struct StreamEvent {
  std::string id;  // the stream entry id, for Ack
  ObjectEvent event;
};

class EventLog {
 public:
  EventLog(RedisClient& redis, Keys keys, std::string group = "control");

  // Producer: appends one event (the stream is capped near 1,000,000 entries).
  Status Append(const ObjectEvent& event);

  // Consumer side. EnsureGroup creates the group (and the stream) once;
  // calling it again is fine.
  Status EnsureGroup();
  // Entries never delivered to this group, waiting up to `block` for one.
  Result<std::vector<StreamEvent>> ReadNew(const std::string& consumer, int count, std::chrono::milliseconds block);
  // Marks an entry handled and deletes it from the stream.
  Status Ack(const std::string& entry_id);
  // Takes over entries pending longer than `min_idle` in any consumer.
  Result<std::vector<StreamEvent>> ClaimStale(const std::string& consumer, std::chrono::milliseconds min_idle,
                                              int count);

 private:
  Result<std::vector<StreamEvent>> ParseEntries(const RedisValue& entries);

  RedisClient& redis_;
  Keys keys_;
  std::string group_;
};

}  // namespace tcoder::state
