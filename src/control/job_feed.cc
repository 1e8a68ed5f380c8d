#include "control/job_feed.h"

#include "common/log.h"

namespace tcoder::control {
namespace {

constexpr auto kPingEvery = std::chrono::seconds(60);
constexpr auto kReceiveTimeout = std::chrono::seconds(75);
constexpr std::string_view kPingId = "~ping";

}  // namespace

JobFeed::JobFeed(state::RedisPool& redis, state::Keys keys, Observer observer)
    : redis_(redis),
      keys_(std::move(keys)),
      observer_(std::move(observer)),
      subscriber_(std::chrono::milliseconds(0), [this] { Receive(); }),
      pinger_(kPingEvery, [this] { Ping(); }) {}

JobFeed::~JobFeed() { Stop(); }

void JobFeed::Start() {
  subscriber_.Start();
  pinger_.Start();
}

// The last ping wakes the subscriber's blocking read, so it sees the stop.
void JobFeed::Stop() {
  if (stopped_.exchange(true)) return;
  subscriber_.RequestStop();
  pinger_.Stop();
  Ping();
  subscriber_.Stop();
}

bool JobFeed::WaitUntilSubscribed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return subscribed_; });
}

std::shared_ptr<JobFeed::Listener> JobFeed::Subscribe(const std::string& job_id) {
  auto listener = std::make_shared<Listener>();
  std::lock_guard lock(mu_);
  listeners_.emplace(job_id, listener);
  return listener;
}

void JobFeed::Unsubscribe(const std::string& job_id, const std::shared_ptr<Listener>& listener) {
  std::lock_guard lock(mu_);
  auto [begin, end] = listeners_.equal_range(job_id);
  for (auto it = begin; it != end; ++it) {
    if (it->second == listener) {
      listeners_.erase(it);
      return;
    }
  }
}

std::shared_ptr<JobFeed::Listener> JobFeed::SubscribeAll() {
  auto listener = std::make_shared<Listener>();
  std::lock_guard lock(mu_);
  system_listeners_.push_back(listener);
  return listener;
}

void JobFeed::UnsubscribeAll(const std::shared_ptr<Listener>& listener) {
  std::lock_guard lock(mu_);
  std::erase(system_listeners_, listener);
}

// A no-op message, every kPingEvery, so the subscriber's blocking read
// returns well before its timeout.
void JobFeed::Ping() {
  if (auto redis = redis_.Acquire(); redis.ok()) (void)state::JobEvents(**redis, keys_).Publish(kPingId, "{}");
}

void JobFeed::Receive() {
  if (sub_ == nullptr) {
    auto opened = state::JobEventSubscription::Open(redis_.url(), keys_);
    if (!opened.ok()) {
      log::Warn("job feed: cannot subscribe; retrying", {{"error", opened.status().ToString()}});
      subscriber_.SleepFor(std::chrono::seconds(1));
      return;
    }
    sub_ = std::move(*opened);
    {
      std::lock_guard lock(mu_);
      subscribed_ = true;
    }
    cv_.notify_all();
  }
  auto event = sub_->Next(kReceiveTimeout);
  if (!event.ok()) {
    log::Warn("job feed: subscription lost; resubscribing", {{"error", event.status().ToString()}});
    sub_.reset();
    return;
  }
  if (*event) Dispatch(**event);
}

void JobFeed::Dispatch(const state::JobEvent& event) {
  const bool job = event.topic == state::JobEvent::Topic::kJob;
  if (job && event.job_id == kPingId) return;
  nlohmann::json message = nlohmann::json::parse(event.payload, nullptr, false);
  if (!message.is_object()) return;
  {
    std::lock_guard lock(mu_);
    auto [begin, end] = job ? listeners_.equal_range(event.job_id) : std::pair{listeners_.end(), listeners_.end()};
    for (auto it = begin; it != end; ++it) {
      std::lock_guard l(it->second->mu);
      it->second->messages.push_back(message);
    }
    for (const auto& listener : system_listeners_) {
      std::lock_guard l(listener->mu);
      if (listener->messages.size() >= kSystemBacklog) {
        listener->messages.pop_front();
        ++listener->dropped;
      }
      listener->messages.push_back(message);
    }
  }
  if (job && observer_) observer_(message);
}

}  // namespace tcoder::control
