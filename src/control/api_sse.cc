// GET /api/jobs/{id}/events: Server-Sent Events. The first event carries the
// job as it is now; then every status change and progress step from the job
// feed; a heartbeat comment every 15 s; the stream ends when the job ends.
// The feed is Redis pub/sub (JobFeed); the coroutine never blocks its io
// thread: StreamEvents (shared with the system stream) polls its listener's
// in-memory queue between 100 ms timer waits.
#include <utility>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/json_text.h"
#include "control/api.h"
#include "control/job_view.h"
#include "state/async_job_store.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;

constexpr auto kPoll = std::chrono::milliseconds(100);
constexpr auto kHeartbeat = std::chrono::seconds(15);

bool Ended(const nlohmann::json& msg) {
  auto status = state::ParseStatus(msg.value("status", ""));
  return status && state::IsEnded(*status);
}

// Drops what the subscription queued before the snapshot the stream began
// with (older than its updatedAt, or behind its progress in the same status),
// so that a client never sees the job go back in time.
class Sequencer {
 public:
  Sequencer(const nlohmann::json& first, std::int64_t updated_at)
      : status_(first.value("status", "")), progress_(first.value("progress", 0)), updated_at_(updated_at) {}
  // The event name for `msg` ("status" or "progress"), or "" to skip it.
  std::string Next(const nlohmann::json& msg) {
    const std::string status = msg.value("status", "");
    const int progress = msg.value("progress", 0);
    if (msg.value("at", std::int64_t{0}) < updated_at_) return "";
    if (status == status_ && progress < progress_) return "";
    const bool changed = status != status_;
    status_ = status;
    progress_ = progress;
    return changed ? "status" : "progress";
  }

 private:
  std::string status_;
  int progress_ = 0;
  std::int64_t updated_at_ = 0;
};

// Unsubscribes when the stream ends, however it ends.
struct Subscription {
  JobFeed& feed;
  std::string id;
  std::shared_ptr<JobFeed::Listener> listener;
  ~Subscription() { feed.Unsubscribe(id, listener); }
};

std::deque<nlohmann::json> Take(JobFeed::Listener& l) {
  std::lock_guard lock(l.mu);
  return std::exchange(l.messages, {});
}

}  // namespace

std::string SseEvent(std::string_view name, const nlohmann::json& data) {
  return "event: " + std::string(name) + "\ndata: " + JsonText(data) + "\n\n";
}

Task<void> StreamEvents(Exchange& ex, std::string first, bool done, const std::function<std::string(bool&)>& next) {
  http::Response head{
      200,
      {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-store"}, {"X-Accel-Buffering", "no"}},
      std::nullopt};
  if (!(co_await ex.WriteHead(std::move(head))).ok()) co_return;
  if (!(co_await ex.WriteBody(first)).ok()) co_return;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  auto last_write = std::chrono::steady_clock::now();
  while (!done && !ex.stopping()) {
    std::string out = next(done);
    if (out.empty() && std::chrono::steady_clock::now() - last_write >= kHeartbeat) out = ": heartbeat\n\n";
    if (!out.empty()) {
      if (!(co_await ex.WriteBody(out)).ok()) co_return;
      last_write = std::chrono::steady_clock::now();
      continue;
    }
    timer.expires_after(kPoll);
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  Status s = co_await ex.Finish();
  (void)s;
}

Task<void> JobEvents(ApiContext& ctx, Exchange& ex, const std::string& id) {
  if (!state::ValidateJobId(id).ok()) {
    ApiError error{404, "no such job", {{"jobId", id}}};
    co_return co_await SendError(ex, error);
  }
  // Subscribe first, then read the job: no change falls between the two.
  Subscription sub{*ctx.feed, id, ctx.feed->Subscribe(id)};
  nlohmann::json current;
  std::int64_t updated_at = 0;
  {
    state::AsyncJobStore store(*ctx.mux, ctx.keys);
    auto job = co_await store.Get(id);
    if (!job.ok()) co_return co_await SendError(ex, FromStatus(job.status()));
    current = RenderJob(*job, ctx.options.edge_url);
    updated_at = job->updated_at;
  }
  Sequencer sequencer(current, updated_at);
  bool ended = Ended(current);
  std::function<std::string(bool&)> next = [&](bool& done) {
    std::string out;
    for (const nlohmann::json& msg : Take(*sub.listener)) {
      const std::string name = sequencer.Next(msg);
      if (name.empty()) continue;
      out += SseEvent(name, msg);
      if (Ended(msg)) {
        ended = true;
        break;
      }
    }
    done = ended;
    return out;
  };
  co_await StreamEvents(ex, SseEvent("job", current), ended, next);
}

}  // namespace tcoder::control
