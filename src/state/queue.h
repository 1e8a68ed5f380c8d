// Queue: the worker side of docs/state.md — claim with a lease and a fencing token,
// heartbeat, progress, complete, fail, acknowledge a cancel — and the reaper.
//
// Ready jobs are ordered by priority (lower first), then FIFO; retries wait out
// a backoff in a delayed set. Claim() blocks on the server (BLPOP on a wake-up
// list) while nothing is ready, so an idle worker costs one blocking call.
// Every call by a holder is fenced: a stale token gets kConflict.
// Thread-safety: none. A blocking Claim occupies its RedisClient, so a worker
// heartbeats through another Queue on another client.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"
#include "state/script_reply.h"

namespace tcoder::state {

struct QueueOptions {
  std::chrono::milliseconds lease{std::chrono::seconds(30)};
  std::chrono::milliseconds backoff_base{std::chrono::seconds(2)};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(5)};
  std::chrono::milliseconds ended_ttl{std::chrono::hours(24)};
  std::chrono::milliseconds max_block{std::chrono::seconds(30)};  // one BLPOP at most this long
};

// A claimed job: only the holder of the current token may change it.
struct Lease {
  std::string job_id;
  std::string token;  // the fencing token, grows with every claim
  std::int64_t lease_until_ms = 0;
  int attempts = 0;  // this claim included
};

struct Completion {
  nlohmann::json outputs = nlohmann::json::array();
  std::string playlist_url;
  std::string poster_url;
};

struct ReapResult {
  int requeued = 0;
  int failed = 0;
  int cancelled = 0;
  int promoted = 0;  // delayed jobs that became ready
  // Until the next lease expires or delayed job is due; none when neither exists.
  std::optional<std::chrono::milliseconds> next_due;
};

class Queue {
 public:
  Queue(RedisClient& redis, Keys keys, QueueOptions options = {});

  // Claims the first ready job now, or returns nullopt. `machine_id` ("" for
  // none) is recorded on the job; a known machine becomes running (or idle
  // when nothing was ready). kCancelled when an operator drains the machine:
  // it takes no more jobs.
  Result<std::optional<Lease>> TryClaim(const std::string& machine_id);
  // Like TryClaim, but waits up to `wait` for a job to become ready (or for
  // the machine to be drained: kCancelled).
  Result<std::optional<Lease>> Claim(const std::string& machine_id, std::chrono::milliseconds wait);

  // Extends the lease, and records `percent` as the job's progress when given
  // (one script); true when a cancel was requested (stop, then AckCancel).
  Result<bool> Heartbeat(Lease& lease, std::optional<int> percent = std::nullopt);
  Status Complete(const Lease& lease, const Completion& completion);
  // Complete, then TryClaim for `machine_id`, in one step (one round trip):
  // the next job's lease, or nullopt when none was ready. Refused like
  // Complete (nothing is claimed then).
  Result<std::optional<Lease>> CompleteAndClaim(const Lease& lease, const Completion& completion,
                                                const std::string& machine_id);
  // retryable: back to pending after a backoff while attempts remain, else
  // failed; not retryable (bad input): failed now. Returns true when retried.
  Result<bool> Fail(const Lease& lease, const std::string& reason, bool retryable);
  // running -> cancelled after the holder stopped on a cancel request.
  Status AckCancel(const Lease& lease);
  // The holder is shutting down and gives the job back unfinished: pending and
  // ready at once, the attempt not counted (cancelled instead when a cancel was
  // requested). Returns "released" or "cancelled".
  Result<std::string> Release(const Lease& lease, const std::string& reason);

  // Expired leases back to the queue (or failed / cancelled); due delayed jobs
  // made ready; wake-up tokens restored for ready jobs that lack them. Runs up
  // to `limit` expired leases per call.
  Result<ReapResult> Reap(int limit = 1000);

 private:
  Result<ScriptReply> Run(const LuaScript& script, const std::string& key, const Argv& args);
  Result<ScriptReply> Fenced(const LuaScript& script, const Lease& lease, Argv args);
  // With Sentinel, waits for a replica to have the last write (claims, endings).
  void Replicate();
  // Sleeps on the wake-up list up to `block`; wakes when a job is enqueued.
  Status WaitForWake(const std::string& machine_id, std::chrono::milliseconds block);

  RedisClient& redis_;
  Keys keys_;
  QueueOptions options_;
};

}  // namespace tcoder::state
