#include "state/stats.h"

#include <algorithm>

#include "state/lua_scripts.h"
#include "state/script_reply.h"

namespace tcoder::state {

Result<nlohmann::json> GetStats(RedisClient& redis, const Keys& keys, int max_machines) {
  auto value = redis.Eval(lua::kStats, {keys.Machines()}, {keys.prefix()});
  if (!value.ok()) return value.status();
  auto reply = ParseScriptReply(*value);
  if (!reply.ok()) return reply.status();
  if (reply->args.size() < 5) return Internal("stats: malformed reply");
  const int starting = std::stoi(reply->arg(0)), running = std::stoi(reply->arg(1)), idle = std::stoi(reply->arg(2)),
            stopped = std::stoi(reply->arg(3));
  const std::vector<std::string> active(reply->args.begin() + 5, reply->args.end());
  return nlohmann::json{
      {"machines",
       {{"running", running},
        {"idle", idle},
        {"starting", starting},
        {"stopped", stopped},
        {"max", max_machines},
        {"capacityAvailable", std::max(0, max_machines - running - idle - starting)}}},
      {"pendingJobs", std::stoll(reply->arg(4))},
      {"activeJobs", active.size()},
      {"activeJobIds", active},
  };
}

}  // namespace tcoder::state
