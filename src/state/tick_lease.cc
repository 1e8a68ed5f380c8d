#include "state/tick_lease.h"

#include "common/crypto.h"

namespace tcoder::state {

TickLease::TickLease(RedisClient& redis, Keys keys)
    : redis_(redis), keys_(std::move(keys)), owner_(crypto::RandomToken(12)) {}

Result<bool> TickLease::TryAcquireTick(const std::string& name, std::chrono::milliseconds ttl) {
  if (name.empty() || ttl.count() <= 0) return InvalidArgument("tick needs a name and a positive ttl");
  auto r = redis_.Command({"SET", keys_.Tick(name), owner_, "NX", "PX", std::to_string(ttl.count())});
  if (!r.ok()) return r.status();
  return !r->is_nil();
}

}  // namespace tcoder::state
