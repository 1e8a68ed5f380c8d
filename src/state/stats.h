// GetStats: the GET /api/stats snapshot, read atomically by one script:
// {machines:{running, idle, starting, stopped, max, capacityAvailable},
//  pendingJobs, activeJobs, activeJobIds}.
// capacityAvailable = max - (machines not stopped), at least 0.
// Thread-safety: uses the caller's RedisClient.
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::state {

Result<nlohmann::json> GetStats(RedisClient& redis, const Keys& keys, int max_machines);

}  // namespace tcoder::state
