// OperatorView: the pool and the queue as operators see them, read from Redis
// as they are and rendered as the API's JSON: GET /api/machines' and GET
// /api/queue's bodies, which the system event stream's snapshot repeats.
// Thread-safety: pure functions over the caller's RedisClient.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/options.h"
#include "state/keys.h"
#include "state/machine_pool.h"
#include "state/queue_view.h"
#include "state/redis_client.h"

namespace tcoder::control {

struct OperatorView {
  std::vector<state::Machine> machines;  // empty unless asked for
  state::QueueSnapshot queue;
};

// The queue (up to `limit` jobs of each part), and the machines when asked.
[[nodiscard]] Result<OperatorView> ReadOperatorView(state::RedisClient& redis, const state::Keys& keys, int limit,
                                                    bool machines);
// {"machines": [...], "max": N}, each machine with its job's progress and lease.
nlohmann::json MachinesJson(const ControlOptions& options, const OperatorView& view);
// {"ready": {"count", "jobs"}, "delayed": {...}, "running": {...}}.
nlohmann::json QueueJson(const state::QueueSnapshot& queue, std::int64_t now_ms);
// {"at", "ready", "delayed", "running", "busy", "machines"}: a running job
// holds a lease on one busy machine.
nlohmann::json DepthJson(const state::QueueDepth& depth);

}  // namespace tcoder::control
