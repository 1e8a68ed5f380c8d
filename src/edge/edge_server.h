// EdgeServer: the edge as a running HTTP server (`tcoder edge`): the
// EdgeHandler on http::Server's io threads, its ObjectCache, and the thread
// pool that runs storage calls. See docs/edge.md for what it serves.
// Thread-safety: Start/Stop from one thread; port() and cache_stats() from any.
#pragma once

#include <memory>

#include "common/status.h"
#include "edge/edge_handler.h"
#include "edge/object_cache.h"
#include "edge/object_source.h"

namespace tcoder::edge {

class EdgeServer {
 public:
  // Binds and starts serving. Errors: a bad option, or the port is taken.
  [[nodiscard]] static Result<std::unique_ptr<EdgeServer>> Start(EdgeOptions options,
                                                                 std::unique_ptr<ObjectSource> source);
  ~EdgeServer();  // Stop()
  EdgeServer(const EdgeServer&) = delete;
  EdgeServer& operator=(const EdgeServer&) = delete;

  int port() const;
  CacheStats cache_stats() const { return cache_.stats(); }
  // Stops accepting, lets requests in flight finish (http::Server's grace),
  // then waits for storage calls in flight.
  void Stop();

 private:
  EdgeServer(const EdgeOptions& options, std::unique_ptr<ObjectSource> source);

  ObjectCache cache_;
  AsyncSource source_;
  EdgeHandler handler_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace tcoder::edge
