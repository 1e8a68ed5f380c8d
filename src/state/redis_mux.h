// RedisMux: Redis for coroutines. Callers on any executor co_await Run(call);
// the calls of concurrent callers are queued and sent together, pipelined, on
// one connection by the mux's own thread, and each caller resumes on its own
// executor with its own reply. No caller's thread ever waits on Redis.
//
// The connection is a RedisClient (made on first use and after a refused
// connect), so TLS, ACL users, Sentinel, reconnects and the mapping of errors
// are as there; refused credentials are kUnavailable here, the deployment's
// fault. Not for blocking commands (BLPOP, WAIT, SUBSCRIBE): one would hold
// up every caller behind it.
// Lifetime: a caller's executor must run until its call is answered (at most
// the command timeout); destroying the mux answers queued calls kUnavailable.
// Thread-safety: Run from any thread.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp needs it first with GCC 12

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/status.h"
#include "state/redis_client.h"

namespace tcoder::state {

template <typename T>
using Task = boost::asio::awaitable<T>;

class RedisMux {
 public:
  explicit RedisMux(std::string url, RedisOptions options = {});
  ~RedisMux();
  RedisMux(const RedisMux&) = delete;
  RedisMux& operator=(const RedisMux&) = delete;

  Task<Result<RedisValue>> Run(RedisCall call);
  Task<Result<RedisValue>> Command(Argv argv) { return Run(RedisCall::Command(std::move(argv))); }
  // OK when the server answers PING.
  Task<Status> Ping();

 private:
  struct Waiter {
    virtual ~Waiter() = default;
    virtual void Complete(Result<RedisValue> result) = 0;
  };
  template <typename Handler>
  struct HandlerWaiter;

  void Enqueue(RedisCall call, std::unique_ptr<Waiter> waiter);
  void Loop();
  std::vector<Result<RedisValue>> Send(const std::vector<RedisCall>& calls);

  std::string url_;
  RedisOptions options_;
  std::unique_ptr<RedisClient> client_;  // the loop thread's
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<RedisCall> calls_;  // queued, with their waiters at the same index
  std::vector<std::unique_ptr<Waiter>> waiters_;
  std::thread thread_;
};

// Resumes the caller on its own executor, which counts as busy meanwhile.
template <typename Handler>
struct RedisMux::HandlerWaiter final : RedisMux::Waiter {
  explicit HandlerWaiter(Handler h)
      : handler(std::move(h)),
        executor(boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                     boost::asio::execution::outstanding_work.tracked)) {}
  void Complete(Result<RedisValue> result) override {
    boost::asio::post(executor,
                      [h = std::move(handler), r = std::move(result)]() mutable { std::move(h)(std::move(r)); });
  }
  Handler handler;
  boost::asio::any_io_executor executor;
};

inline Task<Result<RedisValue>> RedisMux::Run(RedisCall call) {
  auto initiation = [this, &call](auto handler) {
    Enqueue(std::move(call), std::make_unique<HandlerWaiter<decltype(handler)>>(std::move(handler)));
  };
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(Result<RedisValue>)>(
      initiation, boost::asio::use_awaitable);
}

}  // namespace tcoder::state
