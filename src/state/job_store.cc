#include "state/job_store.h"

#include <charconv>
#include <cstdlib>

#include "state/job_calls.h"
#include "state/lua_scripts.h"
#include "state/script_reply.h"

namespace tcoder::state {
namespace {

IngestResult::Outcome ParseOutcome(const std::string& word) {
  if (word == "queued") return IngestResult::Outcome::kQueued;
  if (word == "duplicate") return IngestResult::Outcome::kDuplicate;
  if (word == "ignored") return IngestResult::Outcome::kIgnored;
  return IngestResult::Outcome::kUnknown;
}

std::map<std::string, std::string> ToMap(const RedisValue& flat) {
  std::map<std::string, std::string> m;
  for (size_t i = 0; i + 1 < flat.elements.size(); i += 2) m[flat.elements[i].str] = flat.elements[i + 1].str;
  return m;
}

}  // namespace

JobStore::JobStore(RedisClient& redis, Keys keys, JobStoreOptions options)
    : redis_(redis), keys_(std::move(keys)), options_(options) {}

Result<ScriptReply> JobStore::Run(const LuaScript& script, const std::string& key, const Argv& args) {
  return RunScript(redis_, script, key, keys_.prefix(), args);
}

Status JobStore::Create(const std::string& id, const JobSpec& spec, JobStatus initial) {
  auto call = CreateJobCall(keys_, id, spec, initial);
  if (!call.ok()) return call.status();
  auto reply = redis_.Batch({*call});
  if (!reply[0].ok()) return reply[0].status();
  return CreateJobOutcome(*reply[0], id);
}

Result<IngestResult> JobStore::OnObjectCreated(const ObjectEvent& event) {
  if (event.bucket.empty() || event.key.empty()) return InvalidArgument("object event without bucket or key");
  auto reply = Run(lua::kObjectCreated, keys_.Input(event.bucket, event.key),
                   {event.bucket, event.key, std::to_string(event.size), event.etag});
  if (!reply.ok()) return reply.status();
  return IngestResult{ParseOutcome(reply->outcome), reply->arg(0), reply->arg(1)};
}

Result<bool> JobStore::Enqueue(const std::string& id) {
  auto reply = Run(lua::kEnqueue, keys_.Job(id), {id});
  if (!reply.ok()) return reply.status();
  if (Status s = RefusalStatus(*reply, "job " + id); !s.ok()) return s;
  return reply->outcome == "ok";
}

Result<IngestResult> JobStore::Ingest(const ObjectEvent& event) {
  auto result = OnObjectCreated(event);
  if (!result.ok() || result->status != "queued") return result;
  auto moved = Enqueue(result->job_id);
  if (!moved.ok()) return moved.status();
  result->status = "pending";
  // The event is acknowledged after this returns: with Sentinel, only once a
  // replica has the job queued (else a failover would lose both).
  (void)redis_.Replicate();
  return result;
}

Result<Job> JobStore::Get(const std::string& id) {
  auto call = GetJobCall(keys_, id);
  if (!call.ok()) return call.status();
  auto hash = redis_.Command(call->argv);
  if (!hash.ok()) return hash.status();
  return GetJobOutcome(std::move(*hash), id);
}

Result<nlohmann::json> JobStore::GetJson(const std::string& id) {
  auto job = Get(id);
  if (!job.ok()) return job.status();
  return JobToJson(*job);
}

Result<JobPage> JobStore::List(std::optional<JobStatus> status, int limit, const std::string& cursor) {
  if (limit < 1 || limit > 1000) return InvalidArgument("limit must be 1-1000");
  long offset = 0;
  if (!cursor.empty()) {
    auto [p, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), offset);
    if (ec != std::errc() || p != cursor.data() + cursor.size() || offset < 0) return InvalidArgument("bad cursor");
  }
  const std::string index = status ? keys_.StatusIndex(StatusName(*status)) : keys_.AllJobs();
  auto ids = redis_.Command({"ZREVRANGE", index, std::to_string(offset), std::to_string(offset + limit - 1)});
  if (!ids.ok()) return ids.status();
  std::vector<Argv> reads;
  for (const RedisValue& id : ids->elements) reads.push_back({"HGETALL", keys_.Job(id.str)});
  JobPage page;
  if (static_cast<int>(ids->elements.size()) == limit) page.next_cursor = std::to_string(offset + limit);
  if (reads.empty()) return page;
  auto hashes = redis_.Pipeline(reads);
  if (!hashes.ok()) return hashes.status();
  for (const RedisValue& hash : *hashes) {
    if (hash.elements.empty()) continue;  // expired between the two reads
    auto job = JobFromHash(ToMap(hash));
    if (job.ok()) page.jobs.push_back(std::move(*job));
  }
  return page;
}

Result<JobStore::CancelOutcome> JobStore::Cancel(const std::string& id) {
  if (Status s = ValidateJobId(id); !s.ok()) return s;
  auto reply = Run(lua::kCancel, keys_.Job(id), {id, MsArg(options_.ended_ttl)});
  if (!reply.ok()) return reply.status();
  if (Status s = RefusalStatus(*reply, "job " + id); !s.ok()) return s;
  return reply->outcome == "requested" ? CancelOutcome::kRequested : CancelOutcome::kCancelled;
}

Status JobStore::Retry(const std::string& id) {
  if (Status s = ValidateJobId(id); !s.ok()) return s;
  auto reply = Run(lua::kRetry, keys_.Job(id), {id});
  if (!reply.ok()) return reply.status();
  return RefusalStatus(*reply, "job " + id);
}

Result<bool> JobStore::Requeue(const std::string& id, const std::string& reason) {
  if (Status s = ValidateJobId(id); !s.ok()) return s;
  auto reply = Run(lua::kRequeue, keys_.Job(id), {id, reason});
  if (!reply.ok()) return reply.status();
  if (Status s = RefusalStatus(*reply, "job " + id); !s.ok()) return s;
  return reply->arg(0) == "requeued";
}

Status JobStore::FailNow(const std::string& id, const std::string& reason) {
  if (Status s = ValidateJobId(id); !s.ok()) return s;
  auto reply = Run(lua::kFailNow, keys_.Job(id), {id, reason, MsArg(options_.ended_ttl)});
  if (!reply.ok()) return reply.status();
  return RefusalStatus(*reply, "job " + id);
}

Result<int> JobStore::PurgeExpired(int limit) {
  auto reply = Run(lua::kPurge, keys_.AllJobs(), {MsArg(options_.ended_ttl), std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  auto n = reply->int_arg(0);
  if (!n.ok()) return n.status();
  return static_cast<int>(*n);
}

Result<bool> JobStore::FailUpload(const std::string& id, const std::string& reason) {
  if (Status s = ValidateJobId(id); !s.ok()) return s;
  auto reply = Run(lua::kFailUpload, keys_.Job(id), {id, reason, MsArg(options_.ended_ttl)});
  if (!reply.ok()) return reply.status();
  return reply->outcome == "ok";
}

namespace {

// ZRANGE … WITHSCORES pairs: id, then when it entered (ms).
std::vector<JobStore::Entered> EntriesOf(const RedisValue& r) {
  std::vector<JobStore::Entered> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    out.push_back({r.elements[i].str, static_cast<std::int64_t>(std::strtod(r.elements[i + 1].str.c_str(), nullptr))});
  }
  return out;
}

}  // namespace

Result<std::vector<JobStore::Entered>> JobStore::Oldest(JobStatus status, int limit) {
  if (limit < 1) return InvalidArgument("limit must be at least 1");
  auto r =
      redis_.Command({"ZRANGE", keys_.StatusIndex(StatusName(status)), "0", std::to_string(limit - 1), "WITHSCORES"});
  if (!r.ok()) return r.status();
  return EntriesOf(*r);
}

Result<std::vector<JobStore::Entered>> JobStore::EnteredBetween(JobStatus status, std::int64_t after_ms,
                                                                std::int64_t until_ms, int limit) {
  if (limit < 1) return InvalidArgument("limit must be at least 1");
  auto r = redis_.Command({"ZRANGEBYSCORE", keys_.StatusIndex(StatusName(status)), "(" + std::to_string(after_ms),
                           std::to_string(until_ms), "WITHSCORES", "LIMIT", "0", std::to_string(limit)});
  if (!r.ok()) return r.status();
  return EntriesOf(*r);
}

Result<std::int64_t> JobStore::GetCursor(const std::string& name) {
  auto r = redis_.Command({"GET", keys_.Cursor(name)});
  if (!r.ok()) return r.status();
  return r->str.empty() ? 0 : std::strtoll(r->str.c_str(), nullptr, 10);
}

Status JobStore::SetCursor(const std::string& name, std::int64_t at_ms) {
  return redis_.Command({"SET", keys_.Cursor(name), std::to_string(at_ms)}).status();
}

Result<bool> JobStore::IsRunningOn(const std::string& id, const std::string& machine_id) {
  auto f = redis_.Command({"HMGET", keys_.Job(id), "status", "machineId"});
  if (!f.ok()) return f.status();
  if (f->elements.size() != 2) return Internal("HMGET: malformed reply");
  return f->elements[0].str == "running" && f->elements[1].str == machine_id;
}

}  // namespace tcoder::state
