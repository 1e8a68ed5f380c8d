#include "state/access_check.h"

#include <chrono>
#include <thread>

#include "common/log.h"
#include "state/lua_scripts.h"
#include "state/script_reply.h"

namespace tcoder::state {

namespace {

bool IsLoading(const Status& s) { return s.message().find("LOADING") != std::string::npos; }

// PING, waiting while the server loads its dataset (a restart with a large
// AOF answers LOADING to nearly everything for as long as that takes).
Status PingWhenLoaded(RedisClient& redis, std::chrono::milliseconds patience) {
  const auto until = std::chrono::steady_clock::now() + patience;
  Status s = redis.Command({"PING"}).status();
  for (bool said = false; !s.ok() && IsLoading(s) && std::chrono::steady_clock::now() < until;) {
    if (!said) log::Info("redis is loading its dataset; waiting for it: " + redis.endpoint().Describe());
    said = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    s = redis.Command({"PING"}).status();
  }
  return s;
}

}  // namespace

Status CheckAccess(RedisClient& redis, const Keys& keys, std::chrono::milliseconds loading_patience) {
  const std::string where = " (redis " + redis.endpoint().Describe() + "; the ACL tcoder needs: docs/operations.md)";
  if (Status s = PingWhenLoaded(redis, loading_patience); !s.ok()) return s.WithContext("checking access" + where);
  auto probe = RunScript(redis, lua::kAccessProbe, keys.AccessProbe(), keys.prefix(), {});
  if (!probe.ok()) {
    Status s = probe.status().WithContext("checking access" + where);
    if (s.message().find("NOPERM") != std::string::npos) return Status(Code::kPermissionDenied, s.message());
    return s;
  }
  return Status::Ok();
}

}  // namespace tcoder::state
