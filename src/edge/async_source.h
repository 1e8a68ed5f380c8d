// AsyncSource: an ObjectSource's blocking calls run on a private thread pool
// and awaited from the edge's coroutines, so a slow store never stalls the
// io threads that serve cached objects. The pool's size bounds the calls in
// flight. Thread-safety: safe from any thread; Stop() once, from one thread.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp needs it first with GCC 12

#include <memory>
#include <optional>
#include <string>

#include "edge/object_source.h"
#include "http/server.h"

namespace tcoder::edge {

class AsyncSource {
 public:
  AsyncSource(std::unique_ptr<ObjectSource> source, int threads);
  ~AsyncSource();  // Stop()
  AsyncSource(const AsyncSource&) = delete;
  AsyncSource& operator=(const AsyncSource&) = delete;

  http::Task<Result<ObjectMeta>> Head(std::string key);
  http::Task<Result<std::string>> Read(std::string key, std::optional<ByteSpan> span, std::size_t max_bytes);

  // Waits for calls in flight; later calls are not run.
  void Stop();

 private:
  struct Pool;
  std::unique_ptr<ObjectSource> source_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace tcoder::edge
