// QueueView: what the queue holds, for operators (GET /api/queue, `tcoder
// queue`): ready jobs in claim order with their priority and when they were
// queued, delayed jobs (waiting out a retry backoff) with when they are due,
// and running jobs with their machine, progress and lease. Read-only, in two
// round trips; a snapshot of each part, not of the whole (a job may move
// between the reads). QueueDepth is the counts alone, in one round trip.
// Thread-safety: none; one RedisClient per thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::state {

struct QueuedJob {
  std::string id;
  int priority = 0;
  int attempts = 0;
  std::int64_t queued_at_ms = 0;    // when it last became pending
  std::int64_t due_at_ms = 0;       // delayed: when its backoff ends
  std::int64_t started_at_ms = 0;   // running
  std::int64_t lease_until_ms = 0;  // running
  std::string machine_id;           // running
  int progress = 0;                 // running
  std::string filename;
};

struct QueueSnapshot {
  std::int64_t ready_count = 0, delayed_count = 0, running_count = 0;
  std::vector<QueuedJob> ready;    // claim order: priority, then first in first out
  std::vector<QueuedJob> delayed;  // soonest due first
  std::vector<QueuedJob> running;  // soonest lease expiry first
};

// The counts of a moment: ready, delayed and running jobs (a running job holds
// a lease, one per busy machine) and the machines in the pool.
struct QueueDepth {
  std::int64_t at_ms = 0;
  std::int64_t ready = 0, delayed = 0, running = 0, machines = 0;
};

// Four ZCARDs in one pipeline; at_ms is the caller's to set.
[[nodiscard]] Result<QueueDepth> ReadQueueDepth(RedisClient& redis, const Keys& keys);

// Up to `limit` (1-1000) jobs of each part, and the full counts.
[[nodiscard]] Result<QueueSnapshot> ReadQueue(RedisClient& redis, const Keys& keys, int limit);

}  // namespace tcoder::state
