// RedisPool: synchronous Redis connections shared by many threads. Acquire()
// lends one connection (made on demand) for the length of a scope.
//
// Thread-safety: Acquire and Ping are thread-safe; a lent client is used by one thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "state/redis_client.h"

namespace tcoder::state {

class RedisPool {
 public:
  class Lease {
   public:
    Lease(RedisPool* pool, std::unique_ptr<RedisClient> client) : pool_(pool), client_(std::move(client)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    RedisClient& operator*() { return *client_; }
    RedisClient* operator->() { return client_.get(); }

   private:
    RedisPool* pool_;
    std::unique_ptr<RedisClient> client_;
  };

  explicit RedisPool(std::string url) : url_(std::move(url)) {}
  // A pooled connection, or a new one; kUnavailable when Redis is down.
  [[nodiscard]] Result<Lease> Acquire();
  // OK when Redis answers a PING on a pooled connection; kUnavailable otherwise.
  [[nodiscard]] Status Ping();
  const std::string& url() const { return url_; }

 private:
  void Return(std::unique_ptr<RedisClient> client);

  std::string url_;
  std::mutex mu_;
  std::vector<std::unique_ptr<RedisClient>> idle_;
};

}  // namespace tcoder::state
