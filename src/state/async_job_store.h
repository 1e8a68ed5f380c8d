// AsyncJobStore: the job operations of the control plane's request handlers,
// awaited through a RedisMux so that no io thread waits on Redis: the same
// calls, replies and errors as JobStore's (state/job_calls.h).
// Thread-safety: a value over a shared RedisMux; use from any coroutine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "state/job.h"
#include "state/keys.h"
#include "state/redis_mux.h"

namespace tcoder::state {

class AsyncJobStore {
 public:
  AsyncJobStore(RedisMux& mux, Keys keys) : mux_(mux), keys_(std::move(keys)) {}

  // As JobStore::Create; with `max_pending`, kResourceExhausted while that
  // many jobs or more are pending (checked in the same script).
  Task<Status> Create(std::string id, JobSpec spec, JobStatus initial,
                      std::optional<std::int64_t> max_pending = std::nullopt);
  // As JobStore::Get.
  Task<Result<Job>> Get(std::string id);
  // As state::CountInStatus.
  Task<Result<std::int64_t>> CountInStatus(JobStatus status);

 private:
  RedisMux& mux_;
  Keys keys_;
};

}  // namespace tcoder::state
