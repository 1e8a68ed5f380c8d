#include "state/job_calls.h"

#include <map>

#include "state/lua_scripts.h"
#include "state/script_reply.h"

namespace tcoder::state {

Result<RedisCall> CreateJobCall(const Keys& keys, const std::string& id, const JobSpec& spec, JobStatus initial,
                                std::optional<std::int64_t> max_pending) {
  if (Status s = ValidateJobId(id); !s.ok()) return s;
  if (Status s = ValidateSpec(spec); !s.ok()) return s;
  Argv args{id, std::string(StatusName(initial)), spec.input_bucket, spec.input_key,
            max_pending ? std::to_string(*max_pending) : ""};
  for (std::string& f : SpecFields(spec)) args.push_back(std::move(f));
  return ScriptCall(lua::kCreate, keys.Job(id), keys.prefix(), args);
}

Status CreateJobOutcome(const RedisValue& reply, const std::string& id) {
  auto parsed = ParseScriptReply(reply);
  if (!parsed.ok()) return parsed.status();
  if (parsed->outcome == "busy")
    return Status(Code::kResourceExhausted, "too many pending jobs (" + parsed->arg(0) + "); retry later");
  return RefusalStatus(*parsed, "job " + id);
}

Result<RedisCall> GetJobCall(const Keys& keys, const std::string& id) {
  if (Status s = ValidateJobId(id); !s.ok()) return s;
  return RedisCall::Command({"HGETALL", keys.Job(id)});
}

Result<Job> GetJobOutcome(RedisValue reply, const std::string& id) {
  if (reply.elements.empty()) return NotFound("job " + id + ": not found");
  std::map<std::string, std::string> hash;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2)
    hash.emplace(std::move(reply.elements[i].str), std::move(reply.elements[i + 1].str));
  return JobFromHash(hash);
}

RedisCall CountInStatusCall(const Keys& keys, JobStatus status) {
  return RedisCall::Command({"ZCARD", keys.StatusIndex(StatusName(status))});
}

}  // namespace tcoder::state
