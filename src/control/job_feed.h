// JobFeed: one dedicated Redis subscriber connection (PSUBSCRIBE on every
// job's and every machine's channel) fanning each status or progress message
// out to the listeners of that job (SSE streams), each job and machine message
// to the system listeners (the operator's stream, which keep at most
// kSystemBacklog messages each, dropping the oldest), and job messages to one
// observer (job endings for webhooks and metrics). A pinger keeps the subscription's socket from idling
// out and wakes the subscriber on Stop.
// Thread-safety: Subscribe/Unsubscribe from any thread; listeners' queues
// are guarded by their own mutex; the observer runs on the feed's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/background_loop.h"
#include "state/job_events.h"
#include "state/keys.h"
#include "state/redis_pool.h"

namespace tcoder::control {

class JobFeed {
 public:
  struct Listener {
    std::mutex mu;
    std::deque<nlohmann::json> messages;
    std::size_t dropped = 0;  // a system listener's messages lost to the backlog cap
  };
  static constexpr std::size_t kSystemBacklog = 10000;
  using Observer = std::function<void(const nlohmann::json& message)>;

  JobFeed(state::RedisPool& redis, state::Keys keys, Observer observer);
  ~JobFeed();  // Stop()
  void Start();
  void Stop();
  // True once the subscription is in place (messages from then on arrive).
  bool WaitUntilSubscribed(std::chrono::milliseconds timeout);

  std::shared_ptr<Listener> Subscribe(const std::string& job_id);
  void Unsubscribe(const std::string& job_id, const std::shared_ptr<Listener>& listener);
  // Every job's and machine's messages; a machine's carry "machineId" and no
  // "jobId".
  std::shared_ptr<Listener> SubscribeAll();
  void UnsubscribeAll(const std::shared_ptr<Listener>& listener);

 private:
  void Receive();  // subscribe if needed, then wait for one message
  void Ping();
  void Dispatch(const state::JobEvent& event);

  state::RedisPool& redis_;
  state::Keys keys_;
  Observer observer_;
  std::mutex mu_;  // guards the two below
  std::condition_variable cv_;
  bool subscribed_ = false;
  std::multimap<std::string, std::shared_ptr<Listener>> listeners_;
  std::vector<std::shared_ptr<Listener>> system_listeners_;
  std::unique_ptr<state::JobEventSubscription> sub_;  // the subscriber thread's own
  std::atomic<bool> stopped_{false};
  BackgroundLoop subscriber_;
  BackgroundLoop pinger_;
};

}  // namespace tcoder::control
