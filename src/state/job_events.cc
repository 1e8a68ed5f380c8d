#include "state/job_events.h"

namespace tcoder::state {

JobEvents::JobEvents(RedisClient& redis, Keys keys) : redis_(redis), keys_(std::move(keys)) {}

Status JobEvents::Publish(std::string_view job_id, std::string_view payload) {
  auto r = redis_.Command({"PUBLISH", keys_.JobChannel(job_id), std::string(payload)});
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::unique_ptr<JobEventSubscription>> JobEventSubscription::Open(std::string_view url, Keys keys) {
  auto client = RedisClient::Connect(url);
  if (!client.ok()) return client.status();
  auto ack = (*client)->Command({"PSUBSCRIBE", keys.JobChannel("*"), keys.MachineChannel("*")});
  if (!ack.ok()) return ack.status();
  auto second = (*client)->Receive(std::chrono::seconds(10));  // the second pattern's confirmation
  if (!second.ok()) return second.status();
  return std::unique_ptr<JobEventSubscription>(new JobEventSubscription(std::move(*client), std::move(keys)));
}

Result<std::optional<JobEvent>> JobEventSubscription::Next(std::chrono::milliseconds timeout) {
  auto msg = client_->Receive(timeout);
  if (!msg.ok()) return msg.status();
  // ["pmessage", pattern, channel, payload]
  if (!msg->is_array() || msg->elements.size() != 4 || msg->elements[0].str != "pmessage") {
    return std::optional<JobEvent>();
  }
  const std::string& channel = msg->elements[2].str;
  for (const auto topic : {JobEvent::Topic::kJob, JobEvent::Topic::kMachine}) {
    const std::string prefix = topic == JobEvent::Topic::kJob ? keys_.JobChannel("") : keys_.MachineChannel("");
    if (channel.size() <= prefix.size() || !channel.starts_with(prefix)) continue;
    return std::optional<JobEvent>(JobEvent{channel.substr(prefix.size()), std::move(msg->elements[3].str), topic});
  }
  return std::optional<JobEvent>();
}

}  // namespace tcoder::state
