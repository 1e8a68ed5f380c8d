// TickLease: "run this periodic task once per tick" across several control
// planes. TryAcquireTick(name, ttl) is a SET NX PX: exactly one caller gets
// true until the ttl passes. Thread-safety: none; one RedisClient per thread.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::state {

class TickLease {
 public:
  TickLease(RedisClient& redis, Keys keys);
  // True when this caller owns tick `name` for the next `ttl`.
  Result<bool> TryAcquireTick(const std::string& name, std::chrono::milliseconds ttl);

 private:
  RedisClient& redis_;
  Keys keys_;
  std::string owner_;  // random, identifies this process's holds
};

}  // namespace tcoder::state
