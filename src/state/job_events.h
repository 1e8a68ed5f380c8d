// JobEvents: the per-job pub/sub channels (Keys::JobChannel(id)) on which the
// state scripts announce every status change and progress step, and the
// per-machine channels (Keys::MachineChannel(id)) on which they announce
// every machine transition (the message shapes are in docs/state.md).
// JobEvents publishes on a job's; a JobEventSubscription is a dedicated
// connection subscribed to all of both.
// Pub/sub keeps nothing: a message sent while no one listens is gone.
// Thread-safety: none; each object is used by one thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::state {

struct JobEvent {
  enum class Topic { kJob, kMachine };
  std::string job_id;   // the job's id, or the machine's for kMachine
  std::string payload;  // JSON text, as published
  Topic topic = Topic::kJob;
};

class JobEvents {
 public:
  JobEvents(RedisClient& redis, Keys keys);
  // Sends `payload` to whoever listens on job `job_id`'s channel now.
  Status Publish(std::string_view job_id, std::string_view payload);

 private:
  RedisClient& redis_;
  Keys keys_;
};

class JobEventSubscription {
 public:
  // Connects to the Redis at `url` and subscribes to every job's and every
  // machine's channel.
  // kInvalidArgument for a bad URL, kUnavailable when it cannot be reached.
  static Result<std::unique_ptr<JobEventSubscription>> Open(std::string_view url, Keys keys);

  // The next message, waiting up to `timeout`; nullopt for a push that is not
  // a job's or a machine's message. kDeadlineExceeded when none came in time, kUnavailable
  // when the connection was lost: either way the subscription is over (Open
  // another one).
  Result<std::optional<JobEvent>> Next(std::chrono::milliseconds timeout);

 private:
  JobEventSubscription(std::unique_ptr<RedisClient> client, Keys keys)
      : client_(std::move(client)), keys_(std::move(keys)) {}

  std::unique_ptr<RedisClient> client_;
  Keys keys_;
};

}  // namespace tcoder::state
