#include "state/redis_pool.h"

namespace tcoder::state {

RedisPool::Lease::~Lease() {
  if (pool_ != nullptr && client_ != nullptr) pool_->Return(std::move(client_));
}

Result<RedisPool::Lease> RedisPool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(client));
    }
  }
  auto client = RedisClient::Connect(url_);
  if (!client.ok()) return client.status();
  return Lease(this, std::move(*client));
}

Status RedisPool::Ping() {
  auto redis = Acquire();
  if (!redis.ok()) return redis.status();
  return (*redis)->Command({"PING"}).status();
}

void RedisPool::Return(std::unique_ptr<RedisClient> client) {
  std::lock_guard lock(mu_);
  if (idle_.size() < 64) idle_.push_back(std::move(client));
}

}  // namespace tcoder::state
