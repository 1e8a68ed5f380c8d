// The Redis calls behind JobStore's create and read, and what their replies
// mean: built and read here once, sent by JobStore on a thread's own
// connection and by AsyncJobStore through a RedisMux.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "state/job.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::state {

// create.lua for job `id`; kInvalidArgument for a bad id or spec. With
// `max_pending`, the script refuses while that many jobs are pending.
Result<RedisCall> CreateJobCall(const Keys& keys, const std::string& id, const JobSpec& spec, JobStatus initial,
                                std::optional<std::int64_t> max_pending = std::nullopt);
// OK; kConflict when the id exists or another job awaits the same key;
// kResourceExhausted when max_pending jobs or more were pending.
Status CreateJobOutcome(const RedisValue& reply, const std::string& id);

// HGETALL of the job's record; kInvalidArgument for a bad id.
Result<RedisCall> GetJobCall(const Keys& keys, const std::string& id);
// The job, or kNotFound.
Result<Job> GetJobOutcome(RedisValue reply, const std::string& id);

// ZCARD of a status index.
RedisCall CountInStatusCall(const Keys& keys, JobStatus status);

}  // namespace tcoder::state
