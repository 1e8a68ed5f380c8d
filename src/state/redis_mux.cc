#include "state/redis_mux.h"

namespace tcoder::state {

RedisMux::RedisMux(std::string url, RedisOptions options)
    : url_(std::move(url)), options_(std::move(options)), thread_([this] { Loop(); }) {}

RedisMux::~RedisMux() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  for (auto& w : waiters_) w->Complete(Unavailable("redis: the control plane is stopping"));
}

Task<Status> RedisMux::Ping() {
  const Argv ping{"PING"};
  auto pong = co_await Command(ping);
  co_return pong.ok() ? Status::Ok() : pong.status();
}

void RedisMux::Enqueue(RedisCall call, std::unique_ptr<Waiter> waiter) {
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    waiter->Complete(Unavailable("redis: the control plane is stopping"));
    return;
  }
  calls_.push_back(std::move(call));
  waiters_.push_back(std::move(waiter));
  const bool first = calls_.size() == 1;
  lock.unlock();
  if (first) wake_.notify_one();
}

std::vector<Result<RedisValue>> RedisMux::Send(const std::vector<RedisCall>& calls) {
  if (client_ == nullptr) {
    auto client = RedisClient::Connect(url_, options_);
    if (!client.ok()) {
      Status s = client.status();
      if (s.code() != Code::kUnavailable) s = Unavailable(s.message());  // refused credentials: the deployment's fault
      return std::vector<Result<RedisValue>>(calls.size(), Result<RedisValue>(s));
    }
    client_ = std::move(*client);
  }
  return client_->Batch(calls);
}

void RedisMux::Loop() {
  std::vector<RedisCall> calls;
  std::vector<std::unique_ptr<Waiter>> waiters;
  while (true) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !calls_.empty(); });
      if (stopping_) return;  // the destructor answers what is queued
      calls.swap(calls_);
      waiters.swap(waiters_);
    }
    auto results = Send(calls);
    for (size_t i = 0; i < waiters.size(); ++i) waiters[i]->Complete(std::move(results[i]));
    calls.clear();
    waiters.clear();
  }
}

}  // namespace tcoder::state
