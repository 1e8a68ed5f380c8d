#include "state/stats.h"

#include <algorithm>

#include "state/lua_scripts.h"
#include "state/script_reply.h"

namespace tcoder::state {

Result<nlohmann::json> GetStats(RedisClient& redis, const Keys& keys, int max_machines) {
  auto reply = RunScript(redis, lua::kStats, keys.Machines(), keys.prefix(), {});
  if (!reply.ok()) return reply.status();
  if (reply->args.size() < 5) return Internal("stats: malformed reply");
  std::int64_t n[5] = {};  // starting, running, idle, stopped, pending
  for (size_t i = 0; i < 5; ++i) {
    auto v = reply->int_arg(i);
    if (!v.ok()) return v.status();
    n[i] = *v;
  }
  const std::int64_t starting = n[0], running = n[1], idle = n[2], stopped = n[3];
  const std::vector<std::string> active(reply->args.begin() + 5, reply->args.end());
  return nlohmann::json{
      {"machines",
       {{"running", running},
        {"idle", idle},
        {"starting", starting},
        {"stopped", stopped},
        {"max", max_machines},
        {"capacityAvailable", std::max<std::int64_t>(0, max_machines - running - idle - starting)}}},
      {"pendingJobs", n[4]},
      {"activeJobs", active.size()},
      {"activeJobIds", active},
  };
}

}  // namespace tcoder::state
