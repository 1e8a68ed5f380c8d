// GET /api/system/events: Server-Sent Events of the whole system, for
// operators. The first event, `snapshot`, carries the pool and the queue as
// GET /api/machines and GET /api/queue render them and the last hour's
// queue-depth samples; then every job transition and progress step (`job`),
// every machine transition (`machine`), a fresh sample (`sample`) every few
// seconds while someone watches, `dropped` when a slow reader lost messages
// (it should reconnect for a new snapshot), and a heartbeat comment every
// 15 s. It ends when the client goes or the server stops. Like the job
// stream (StreamEvents), it polls its listener's in-memory queue every 100 ms
// and never blocks its io thread.
#include <utility>

#include "common/duration.h"
#include "control/api.h"
#include "control/operator_view.h"

namespace tcoder::control {
namespace {

using http::Exchange;
using http::Task;

constexpr int kSystemSnapshotJobs = 200;

// Unsubscribes and stops watching when the stream ends, however it ends.
struct Watching {
  JobFeed& feed;
  SystemHistory* history;
  std::shared_ptr<JobFeed::Listener> listener;
  Watching(JobFeed& f, SystemHistory* h) : feed(f), history(h), listener(f.SubscribeAll()) {
    if (history) history->Watch();
  }
  ~Watching() {
    feed.UnsubscribeAll(listener);
    if (history) history->Unwatch();
  }
};

// The messages queued since the last call, and how many were dropped.
std::pair<std::deque<nlohmann::json>, std::size_t> TakeAll(JobFeed::Listener& l) {
  std::lock_guard lock(l.mu);
  return {std::exchange(l.messages, {}), std::exchange(l.dropped, 0)};
}

nlohmann::json Snapshot(const ApiContext& ctx, const OperatorView& view) {
  nlohmann::json history = nlohmann::json::array();
  if (ctx.history) {
    for (const state::QueueDepth& d : ctx.history->Samples()) history.push_back(DepthJson(d));
  }
  return {{"machines", MachinesJson(ctx.options, view)},
          {"queue", QueueJson(view.queue, UnixMillis())},
          {"history", std::move(history)}};
}

// What the stream sends next: its listener's messages, then a new sample.
std::string NextEvents(ApiContext& ctx, JobFeed::Listener& listener, std::uint64_t& sample_seen) {
  std::string out;
  auto [messages, dropped] = TakeAll(listener);
  if (dropped > 0) out += SseEvent("dropped", {{"count", dropped}});
  // A job message has its status; a machine message its state (and a jobId too).
  for (const nlohmann::json& msg : messages) out += SseEvent(msg.contains("status") ? "job" : "machine", msg);
  if (ctx.history) {
    if (auto sample = ctx.history->NewerThan(sample_seen)) {
      sample_seen = sample->first;
      out += SseEvent("sample", DepthJson(sample->second));
    }
  }
  return out;
}

}  // namespace

Task<void> SystemEvents(ApiContext& ctx, Exchange& ex) {
  // Subscribe first, then read: no transition falls between the two.
  Watching watching(*ctx.feed, ctx.history);
  auto read = [&](state::RedisClient& redis) { return ReadOperatorView(redis, ctx.keys, kSystemSnapshotJobs, true); };
  auto view = co_await ctx.blocking->Run(read);
  if (!view.ok()) co_return co_await SendError(ex, FromStatus(view.status()));
  std::uint64_t sample_seen = 0;
  if (ctx.history) {
    if (auto newest = ctx.history->NewerThan(0)) sample_seen = newest->first;  // in the snapshot already
  }
  std::string first = SseEvent("snapshot", Snapshot(ctx, *view));
  std::function<std::string(bool&)> next = [&](bool& /*done: never*/) {
    return NextEvents(ctx, *watching.listener, sample_seen);
  };
  co_await StreamEvents(ex, std::move(first), false, next);
}

}  // namespace tcoder::control
