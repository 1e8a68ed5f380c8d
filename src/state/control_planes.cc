#include "state/control_planes.h"

namespace tcoder::state {

ControlPlanes::ControlPlanes(RedisClient& redis, Keys keys) : redis_(redis), keys_(std::move(keys)) {}

Status ControlPlanes::Heartbeat(const std::string& instance, std::chrono::milliseconds ttl) {
  if (instance.empty() || ttl.count() <= 0) return InvalidArgument("a heartbeat needs an instance and a positive ttl");
  auto r = redis_.Command({"SET", keys_.ControlPlane(instance), "1", "PX", std::to_string(ttl.count())});
  return r.ok() ? Status::Ok() : r.status();
}

Result<bool> ControlPlanes::IsAlive(const std::string& instance) {
  auto r = redis_.Command({"EXISTS", keys_.ControlPlane(instance)});
  if (!r.ok()) return r.status();
  return r->integer == 1;
}

}  // namespace tcoder::state
