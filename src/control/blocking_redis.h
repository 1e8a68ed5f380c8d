// BlockingRedis: runs a synchronous state operation — one that needs a
// connection of its own (several dependent steps, a WAIT for a replica, a
// long read) — on a small thread pool with a pooled connection, awaited by
// the handler so that its io thread goes on serving other requests. Single
// commands and scripts go through the RedisMux instead (pipelined).
//
// Run(f) calls f(RedisClient&) on a pool thread and resumes the caller on its
// own executor with f's Status or Result (R: constructible from a Status);
// when no connection can be had, with kUnavailable. Thread-safety: Run from any coroutine.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp needs it first with GCC 12

#include <optional>
#include <type_traits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "state/redis_pool.h"

namespace tcoder::control {

class BlockingRedis {
 public:
  BlockingRedis(state::RedisPool& pool, int threads) : pool_(pool), threads_(static_cast<std::size_t>(threads)) {}
  ~BlockingRedis() { threads_.join(); }
  BlockingRedis(const BlockingRedis&) = delete;
  BlockingRedis& operator=(const BlockingRedis&) = delete;

  template <typename F, typename R = std::invoke_result_t<F&, state::RedisClient&>>
  boost::asio::awaitable<R> Run(F f) {
    std::optional<R> out;  // co_spawn's own result would need R to be default-constructible
    auto task = [this, &f, &out]() -> boost::asio::awaitable<void> {
      auto redis = pool_.Acquire();
      if (!redis.ok())
        out.emplace(Unavailable(redis.status().message()));  // the deployment's fault
      else
        out.emplace(f(**redis));
      co_return;
    };
    co_await boost::asio::co_spawn(threads_.get_executor(), task, boost::asio::use_awaitable);
    co_return std::move(*out);
  }

 private:
  state::RedisPool& pool_;
  boost::asio::thread_pool threads_;
};

}  // namespace tcoder::control
