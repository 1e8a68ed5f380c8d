#include "control/system_history.h"

#include "common/duration.h"
#include "common/log.h"

namespace tcoder::control {

SystemHistory::SystemHistory(state::RedisPool& redis, state::Keys keys, SystemHistoryOptions options)
    : redis_(redis),
      keys_(std::move(keys)),
      options_(options),
      loop_(std::min(options.watched_every, options.idle_every), [this] { Step(); }) {}

SystemHistory::~SystemHistory() { Stop(); }

void SystemHistory::Start() { loop_.Start(); }
void SystemHistory::Stop() { loop_.Stop(); }

void SystemHistory::Watch() {
  watchers_.fetch_add(1);
  loop_.Kick();
}

void SystemHistory::Unwatch() { watchers_.fetch_sub(1); }

void SystemHistory::Step() {
  const auto now = Clock::now();
  const bool watched = watchers_.load() > 0;
  // A kick (a new watcher) samples now; else at the cadence of the moment.
  if (!watched && now < next_) return;
  if (watched && now < next_ - options_.idle_every + options_.watched_every) return;
  next_ = now + options_.idle_every;
  auto redis = redis_.Acquire();
  if (!redis.ok()) return;
  auto depth = state::ReadQueueDepth(**redis, keys_);
  if (!depth.ok()) {
    log::Warn("system history: cannot sample the queue", {{"error", depth.status().ToString()}});
    return;
  }
  depth->at_ms = UnixMillis();
  std::lock_guard lock(mu_);
  samples_.push_back(*depth);
  ++taken_;
  while (!samples_.empty() && samples_.front().at_ms < depth->at_ms - options_.keep.count()) samples_.pop_front();
}

std::vector<state::QueueDepth> SystemHistory::Samples() const {
  std::lock_guard lock(mu_);
  return {samples_.begin(), samples_.end()};
}

std::optional<std::pair<std::uint64_t, state::QueueDepth>> SystemHistory::NewerThan(std::uint64_t seen) const {
  std::lock_guard lock(mu_);
  if (samples_.empty() || taken_ <= seen) return std::nullopt;
  return std::pair{taken_, samples_.back()};
}

}  // namespace tcoder::control
