// ControlPlanes: which control plane instances are alive. Each plane refreshes
// its liveness key (Keys::ControlPlane(instance), a string with a TTL) every
// tick; a plane whose key expired is gone, and so are the local workers it ran.
// Thread-safety: none; it uses the caller's RedisClient, one per thread.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::state {

class ControlPlanes {
 public:
  ControlPlanes(RedisClient& redis, Keys keys);

  // `instance` is alive for the next `ttl` (SET PX); kInvalidArgument for an
  // empty instance or a ttl under 1 ms.
  Status Heartbeat(const std::string& instance, std::chrono::milliseconds ttl);
  // True while `instance`'s last heartbeat has not expired.
  Result<bool> IsAlive(const std::string& instance);

 private:
  RedisClient& redis_;
  Keys keys_;
};

}  // namespace tcoder::state
