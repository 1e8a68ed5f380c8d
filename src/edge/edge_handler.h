// EdgeHandler: one HTTP request to the edge, start to end. GET/HEAD /<key>
// serves the output bucket's object <key> (from the cache when it is there,
// else from storage, streamed in bounded chunks when large) with Range,
// conditional requests, content types, cache headers and CORS; /premium/
// paths need a premium JWT (jwt.h). Every response carries X-Via: tcoder-edge.
// GET /metrics is the edge's own (EdgeMetrics; tcoder never writes an output
// named "metrics" at the bucket's root). Thread-safety: Serve() may run on
// many io threads at once.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp needs it first with GCC 12

#include <chrono>
#include <cstdint>
#include <string>

#include "edge/async_source.h"
#include "edge/edge_metrics.h"
#include "edge/object_cache.h"
#include "http/server.h"

namespace tcoder::edge {

struct EdgeOptions {
  std::string bind = "127.0.0.1";
  int port = 8788;
  int threads = 4;          // io threads
  int storage_threads = 8;  // storage calls in flight at once
  std::string jwt_secret;   // HS256 key for /premium/ (empty: premium paths are always denied)
  std::uint64_t cache_bytes = 256ull << 20;
  std::uint64_t cache_object_bytes = 4ull << 20;  // larger objects stream from storage
  std::chrono::seconds short_ttl{2};              // playlists: in the cache and in max-age
  std::chrono::seconds default_ttl{60};           // objects of other types in the cache
  std::size_t chunk_bytes = 1 << 20;              // one storage read while streaming
};

class EdgeHandler {
 public:
  EdgeHandler(EdgeOptions options, AsyncSource& source, ObjectCache& cache)
      : options_(std::move(options)), source_(source), cache_(cache) {}
  const EdgeMetrics& metrics() const { return metrics_; }

  http::Task<void> Serve(http::Exchange& ex);

 private:
  struct Found;
  http::Task<int> Dispatch(http::Exchange& ex);
  http::Task<Result<Found>> Find(const std::string& key, bool want_body);
  http::Task<Result<Found>> Fill(const std::string& key, const ObjectMeta& meta);
  http::Task<int> SendObject(http::Exchange& ex, const std::string& key, bool premium, const Found& found);
  http::Task<Status> WriteSpan(http::Exchange& ex, const std::string& key, const Found& found, ByteSpan span);

  EdgeOptions options_;
  AsyncSource& source_;
  ObjectCache& cache_;
  EdgeMetrics metrics_;
};

}  // namespace tcoder::edge
