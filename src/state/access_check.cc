#include "state/access_check.h"

#include "state/lua_scripts.h"
#include "state/script_reply.h"

namespace tcoder::state {

Status CheckAccess(RedisClient& redis, const Keys& keys) {
  const std::string where = " (redis " + redis.endpoint().Describe() + "; the ACL tcoder needs: docs/operations.md)";
  if (Status s = redis.Command({"PING"}).status(); !s.ok()) return s.WithContext("checking access" + where);
  auto probe = RunScript(redis, lua::kAccessProbe, keys.AccessProbe(), keys.prefix(), {});
  if (!probe.ok()) {
    Status s = probe.status().WithContext("checking access" + where);
    if (s.message().find("NOPERM") != std::string::npos) return Status(Code::kPermissionDenied, s.message());
    return s;
  }
  return Status::Ok();
}

}  // namespace tcoder::state
