#include "edge/async_source.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tcoder::edge {

namespace net = boost::asio;

struct AsyncSource::Pool {
  explicit Pool(int threads) : pool(static_cast<std::size_t>(threads < 1 ? 1 : threads)) {}
  net::thread_pool pool;
};

namespace {

// Runs `work` on `pool` and resumes the caller on its own executor.
template <typename T, typename F>
http::Task<T> OnPool(net::thread_pool& pool, F work) {
  std::optional<T> out;
  auto run = [&]() -> net::awaitable<void> {
    out.emplace(work());
    co_return;
  };
  co_await net::co_spawn(pool, run, net::use_awaitable);
  co_return std::move(*out);
}

}  // namespace

AsyncSource::AsyncSource(std::unique_ptr<ObjectSource> source, int threads)
    : source_(std::move(source)), pool_(std::make_unique<Pool>(threads)) {}

AsyncSource::~AsyncSource() { Stop(); }

void AsyncSource::Stop() { pool_->pool.join(); }

http::Task<Result<ObjectMeta>> AsyncSource::Head(std::string key) {
  auto head = [&] { return source_->Head(key); };
  co_return co_await OnPool<Result<ObjectMeta>>(pool_->pool, head);
}

http::Task<Result<std::string>> AsyncSource::Read(std::string key, std::optional<ByteSpan> span,
                                                  std::size_t max_bytes) {
  auto read = [&] { return source_->Read(key, span, max_bytes); };
  co_return co_await OnPool<Result<std::string>>(pool_->pool, read);
}

}  // namespace tcoder::edge
