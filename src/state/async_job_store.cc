#include "state/async_job_store.h"

#include "state/job_calls.h"

namespace tcoder::state {

Task<Status> AsyncJobStore::Create(std::string id, JobSpec spec, JobStatus initial,
                                   std::optional<std::int64_t> max_pending) {
  auto call = CreateJobCall(keys_, id, spec, initial, max_pending);
  if (!call.ok()) co_return call.status();
  auto reply = co_await mux_.Run(std::move(*call));
  if (!reply.ok()) co_return reply.status();
  co_return CreateJobOutcome(*reply, id);
}

Task<Result<Job>> AsyncJobStore::Get(std::string id) {
  auto call = GetJobCall(keys_, id);
  if (!call.ok()) co_return call.status();
  auto reply = co_await mux_.Run(std::move(*call));
  if (!reply.ok()) co_return reply.status();
  co_return GetJobOutcome(std::move(*reply), id);
}

Task<Result<std::int64_t>> AsyncJobStore::CountInStatus(JobStatus status) {
  auto reply = co_await mux_.Run(CountInStatusCall(keys_, status));
  if (!reply.ok()) co_return reply.status();
  co_return reply->integer;
}

}  // namespace tcoder::state
