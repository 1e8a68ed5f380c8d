#include "control/job_feed.h"

#include "common/log.h"
#include "state/job_events.h"

namespace tcoder::control {
namespace {

constexpr auto kPingEvery = std::chrono::seconds(10);
constexpr auto kReceiveTimeout = std::chrono::seconds(35);
constexpr std::string_view kPingId = "~ping";

}  // namespace

JobFeed::JobFeed(state::RedisPool& redis, state::Keys keys, Observer observer)
    : redis_(redis), keys_(std::move(keys)), observer_(std::move(observer)) {}

JobFeed::~JobFeed() { Stop(); }

void JobFeed::Start() {
  subscriber_ = std::thread([this] { Run(); });
  pinger_ = std::thread([this] { Ping(); });
}

void JobFeed::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (pinger_.joinable()) pinger_.join();
  if (subscriber_.joinable()) subscriber_.join();
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

// Publishes a no-op message every kPingEvery (and once on Stop) so the
// subscriber's blocking read returns well before its timeout.
void JobFeed::Ping() {
  std::unique_lock lock(mu_);
  bool stopping = false;
  while (!stopping) {
    stopping = cv_.wait_for(lock, kPingEvery, [this] { return stop_; });
    lock.unlock();
    if (auto redis = redis_.Acquire(); redis.ok()) (void)state::JobEvents(**redis, keys_).Publish(kPingId, "{}");
    lock.lock();
  }
}

void JobFeed::Run() {
  std::unique_ptr<state::JobEventSubscription> sub;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    if (sub == nullptr) {
      auto opened = state::JobEventSubscription::Open(redis_.url(), keys_);
      if (!opened.ok()) {
        log::Warn("job feed: cannot subscribe; retrying", {{"error", opened.status().ToString()}});
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
        continue;
      }
      sub = std::move(*opened);
      std::lock_guard lock(mu_);
      subscribed_ = true;
      cv_.notify_all();
    }
    auto event = sub->Next(kReceiveTimeout);
    if (!event.ok()) {
      log::Warn("job feed: subscription lost; resubscribing", {{"error", event.status().ToString()}});
      sub.reset();
      continue;
    }
    if (*event) Dispatch((*event)->job_id, (*event)->payload);
  }
}

void JobFeed::Dispatch(const std::string& job_id, const std::string& payload) {
  if (job_id == kPingId) return;
  nlohmann::json message = nlohmann::json::parse(payload, nullptr, false);
  if (!message.is_object()) return;
  {
    std::lock_guard lock(mu_);
    auto [begin, end] = listeners_.equal_range(job_id);
    for (auto it = begin; it != end; ++it) {
      std::lock_guard l(it->second->mu);
      it->second->messages.push_back(message);
    }
  }
  if (observer_) observer_(message);
}

}  // namespace tcoder::control
