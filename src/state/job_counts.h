// CountJobs / CountInStatus: how many jobs are in each status, ready in the
// queue and waiting out a retry backoff (for /metrics and backpressure). The
// counts of CountJobs come in one round trip but are not one snapshot.
// Thread-safety: uses the caller's RedisClient.
#pragma once

#include <array>
#include <cstdint>

#include "common/status.h"
#include "state/job.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::state {

inline constexpr std::array kAllStatuses = {JobStatus::kUploading, JobStatus::kQueued,    JobStatus::kPending,
                                            JobStatus::kRunning,   JobStatus::kCompleted, JobStatus::kFailed,
                                            JobStatus::kCancelled};

struct JobCounts {
  std::array<std::int64_t, kAllStatuses.size()> by_status{};  // in kAllStatuses order
  std::int64_t ready = 0;                                     // in the queue
  std::int64_t delayed = 0;                                   // pending, waiting out a backoff

  std::int64_t of(JobStatus status) const { return by_status[static_cast<size_t>(status)]; }
};

[[nodiscard]] Result<JobCounts> CountJobs(RedisClient& redis, const Keys& keys);
[[nodiscard]] Result<std::int64_t> CountInStatus(RedisClient& redis, const Keys& keys, JobStatus status);

}  // namespace tcoder::state
