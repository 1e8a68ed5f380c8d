#include "control/redis_pool.h"

namespace tcoder::control {

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
  auto client = state::RedisClient::Connect(url_);
  if (!client.ok()) return client.status();
  return Lease(this, std::move(*client));
}

void RedisPool::Return(std::unique_ptr<state::RedisClient> client) {
  std::lock_guard lock(mu_);
  if (idle_.size() < 64) idle_.push_back(std::move(client));
}

}  // namespace tcoder::control
