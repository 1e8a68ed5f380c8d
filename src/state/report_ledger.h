// ReportLedger: ids already seen. Completion reports by their webhook-id, so
// that a replayed report is refused, each kept (Keys::ReportSeen(id), a string
// with a TTL) for the replay window, the span in which its signature's
// timestamp is accepted at all; and the job events a control plane counts in
// its metrics ("metrics:…"), so that with several planes one counts each. Thread-safety: none; one RedisClient per
// thread.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::state {

class ReportLedger {
 public:
  ReportLedger(RedisClient& redis, Keys keys);

  // True the first time `id` is seen within `window` (SET NX PX), false for a
  // replay. kInvalidArgument for an empty id or a window under 1 ms.
  Result<bool> FirstSight(const std::string& id, std::chrono::milliseconds window);

 private:
  RedisClient& redis_;
  Keys keys_;
};

}  // namespace tcoder::state
