// JobStore: the job side of docs/state.md — create, ingest the input's
// object-created event, enqueue, read, list, cancel, retry, purge ended jobs.
//
// Every transition is one Lua script (src/state/lua/), atomic on the server.
// Status changes and progress steps are published on the per-job channel
// Keys::JobChannel(id) (see docs/state.md). Thread-safety: none; it uses the
// caller's RedisClient, one per thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "state/event_log.h"
#include "state/job.h"
#include "state/keys.h"
#include "state/redis_client.h"
#include "state/script_reply.h"

namespace tcoder::state {

struct JobStoreOptions {
  std::chrono::milliseconds ended_ttl{std::chrono::hours(24)};  // records kept after they end
};

// What an object-created event did.
struct IngestResult {
  enum class Outcome {
    kQueued,     // uploading -> queued now
    kDuplicate,  // the same upload (bucket, key, etag) was seen before: nothing changed
    kIgnored,    // the job is past uploading and this is another upload: nothing changed
    kUnknown,    // no job awaits this key
  };
  Outcome outcome = Outcome::kUnknown;
  std::string job_id;
  std::string status;  // the job's status after the event
};

struct JobPage {
  std::vector<Job> jobs;
  std::string next_cursor;  // empty: no more
};

class JobStore {
 public:
  JobStore(RedisClient& redis, Keys keys, JobStoreOptions options = {});

  // Creates job `id` as uploading (waiting for its input) or pending (input
  // already stored). kConflict when the id exists or another job awaits an
  // upload to the same key; kInvalidArgument for a bad id or spec.
  Status Create(const std::string& id, const JobSpec& spec, JobStatus initial);
  // uploading -> queued for the job awaiting (bucket, key). Idempotent.
  Result<IngestResult> OnObjectCreated(const ObjectEvent& event);
  // queued -> pending (into the queue). Returns false when the job was not
  // queued (already enqueued or past it): nothing changed. kNotFound.
  Result<bool> Enqueue(const std::string& id);
  // OnObjectCreated then Enqueue when the job is queued (a redelivered event
  // finishes what a crash interrupted).
  Result<IngestResult> Ingest(const ObjectEvent& event);

  Result<Job> Get(const std::string& id);
  Result<nlohmann::json> GetJson(const std::string& id);
  // Newest first; `status` nullopt lists all. `cursor` is "" or a previous
  // page's next_cursor; limit 1-1000.
  Result<JobPage> List(std::optional<JobStatus> status, int limit, const std::string& cursor);

  enum class CancelOutcome { kCancelled, kRequested };
  // Not yet running: cancelled now. Running: flagged; the holder learns it on
  // its next heartbeat. kConflict when the job already ended; kNotFound.
  Result<CancelOutcome> Cancel(const std::string& id);
  // failed | cancelled -> pending with fresh attempts. kConflict otherwise.
  Status Retry(const std::string& id);
  // An operator's requeue: running -> pending and ready now (the holder is
  // fenced out; `reason` becomes the job's error), a delayed pending job ->
  // ready now. Returns false when it was ready already (nothing changed).
  // kConflict for any other status; kNotFound.
  Result<bool> Requeue(const std::string& id, const std::string& reason);
  // An operator's fail: any status but an ended one -> failed with `reason`,
  // the holder fenced out. kConflict when it already ended; kNotFound.
  Status FailNow(const std::string& id, const std::string& reason);
  // Removes up to `limit` jobs that ended longer than the TTL ago; returns how many.
  Result<int> PurgeExpired(int limit = 1000);
  // uploading -> failed with `reason` for an upload that never completed (the
  // key it awaited is released). False when the job is no longer uploading
  // (or gone): nothing changed.
  Result<bool> FailUpload(const std::string& id, const std::string& reason);

  // Up to `limit` jobs in `status`, oldest first, with when they entered it
  // (ms since the epoch): one command.
  struct Entered {
    std::string id;
    std::int64_t at_ms = 0;
  };
  Result<std::vector<Entered>> Oldest(JobStatus status, int limit);
  // Up to `limit` jobs that entered `status` after `after_ms` and at or
  // before `until_ms`, oldest first: one command.
  Result<std::vector<Entered>> EnteredBetween(JobStatus status, std::int64_t after_ms, std::int64_t until_ms,
                                              int limit);
  // A named position (ms since the epoch) a periodic pass keeps between
  // runs, e.g. how far the attempt sweep got; 0 before the first Set.
  Result<std::int64_t> GetCursor(const std::string& name);
  Status SetCursor(const std::string& name, std::int64_t at_ms);
  // True while job `id` runs on machine `machine_id` (its lease not reaped);
  // false for any other status, machine, or a job that does not exist.
  Result<bool> IsRunningOn(const std::string& id, const std::string& machine_id);

 private:
  Result<ScriptReply> Run(const LuaScript& script, const std::string& key, const Argv& args);

  RedisClient& redis_;
  Keys keys_;
  JobStoreOptions options_;
};

}  // namespace tcoder::state
