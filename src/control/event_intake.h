// EventIntake: consumes the built-in store's object-created stream
// (state::EventLog, consumer group "control", at least once), takes over
// entries a dead consumer left pending, and runs every event through the
// same idempotent transition as POST /api/events/s3 (IngestEvent). One
// blocking read waits up to 30 s, so an idle intake costs two commands a
// minute; the group is created at start and again after an error.
// Thread-safety: IngestEvent is thread-safe; one consumer thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/background_loop.h"
#include "control/metrics.h"
#include "state/event_log.h"
#include "state/job_store.h"
#include "state/redis_pool.h"

namespace tcoder::control {

// uploading -> queued -> pending for the job awaiting the object; `admit` is
// called when a job became pending. Duplicates change nothing.
[[nodiscard]] Result<state::IngestResult> IngestEvent(state::RedisClient& redis, const state::Keys& keys,
                                                      const state::ObjectEvent& event, Metrics& metrics,
                                                      const std::function<void()>& admit);

class EventIntake {
 public:
  EventIntake(state::RedisPool& redis, state::Keys keys, std::string consumer, Metrics& metrics,
              std::function<void()> admit);
  ~EventIntake();  // Stop()
  void Start();
  void Stop();

 private:
  void Step();  // connect if needed, then one read of the stream
  Status Handle(state::RedisClient& redis, state::EventLog& log, const std::vector<state::StreamEvent>& events);

  state::RedisPool& redis_;
  state::Keys keys_;
  std::string consumer_;
  Metrics& metrics_;
  std::function<void()> admit_;
  std::mutex conn_mu_;                        // conn_ set on the loop thread, interrupted by Stop()
  std::unique_ptr<state::RedisClient> conn_;  // the loop thread's own
  bool grouped_ = false;                      // the consumer group is known to exist
  std::chrono::steady_clock::time_point last_claim_{};
  BackgroundLoop loop_;
};

}  // namespace tcoder::control
