#include "state/job_counts.h"

#include "state/job_calls.h"

namespace tcoder::state {

Result<JobCounts> CountJobs(RedisClient& redis, const Keys& keys) {
  std::vector<Argv> cmds;
  for (JobStatus s : kAllStatuses) cmds.push_back({"ZCARD", keys.StatusIndex(StatusName(s))});
  cmds.push_back({"ZCARD", keys.Queue()});
  cmds.push_back({"ZCARD", keys.Delayed()});
  auto replies = redis.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  if (replies->size() != cmds.size()) return Internal("job counts: malformed reply");
  JobCounts counts;
  for (size_t i = 0; i < kAllStatuses.size(); ++i) counts.by_status[i] = (*replies)[i].integer;
  counts.ready = (*replies)[kAllStatuses.size()].integer;
  counts.delayed = (*replies)[kAllStatuses.size() + 1].integer;
  return counts;
}

Result<std::int64_t> CountInStatus(RedisClient& redis, const Keys& keys, JobStatus status) {
  auto n = redis.Command(CountInStatusCall(keys, status).argv);
  if (!n.ok()) return n.status();
  return n->integer;
}

}  // namespace tcoder::state
