// SystemHistory: the queue's depth over the last hour (ready, delayed and
// running jobs, machines in the pool), sampled from Redis once a minute, and
// every few seconds while an operator watches the system stream (Watch), so
// that the web page's chart has an hour behind it and live points. One
// pipeline of four ZCARDs per sample. Samples are this plane's, in memory.
// Thread-safety: every method is thread-safe; one loop thread samples.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "common/background_loop.h"
#include "state/keys.h"
#include "state/queue_view.h"
#include "state/redis_pool.h"

namespace tcoder::control {

struct SystemHistoryOptions {
  std::chrono::milliseconds idle_every{std::chrono::minutes(1)};
  std::chrono::milliseconds watched_every{std::chrono::seconds(5)};
  std::chrono::milliseconds keep{std::chrono::hours(1)};
};

class SystemHistory {
 public:
  SystemHistory(state::RedisPool& redis, state::Keys keys, SystemHistoryOptions options = {});
  ~SystemHistory();  // Stop()
  void Start();
  void Stop();

  // While at least one watcher is on, a sample comes every watched_every;
  // Watch takes one now.
  void Watch();
  void Unwatch();

  // The samples of the last `keep`, oldest first.
  std::vector<state::QueueDepth> Samples() const;
  // The newest sample after the one numbered `seen` (0: any), and its number.
  std::optional<std::pair<std::uint64_t, state::QueueDepth>> NewerThan(std::uint64_t seen) const;

 private:
  using Clock = std::chrono::steady_clock;
  void Step();

  state::RedisPool& redis_;
  state::Keys keys_;
  SystemHistoryOptions options_;
  std::atomic<int> watchers_{0};
  Clock::time_point next_{};  // the loop thread's
  mutable std::mutex mu_;     // guards the two below
  std::deque<state::QueueDepth> samples_;
  std::uint64_t taken_ = 0;
  BackgroundLoop loop_;
};

}  // namespace tcoder::control
