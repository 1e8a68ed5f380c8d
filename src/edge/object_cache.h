// ObjectCache: a bounded in-memory LRU of small, hot objects (playlists and
// segments), so that the common case never waits on storage. Each entry keeps
// its body with its ETag and Last-Modified; an entry may carry an expiry
// (playlists: a couple of seconds) or live until evicted (immutable segments).
// Thread-safety: all methods are safe from any thread (one mutex); entries
// are immutable and shared, so a reader keeps its copy while it is evicted.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "edge/object_source.h"

namespace tcoder::edge {

struct CachedObject {
  ObjectMeta meta;
  std::string body;
  std::string head_lines;  // its public response headers, rendered once (http::FormatHeaders)
  std::chrono::steady_clock::time_point expires = std::chrono::steady_clock::time_point::max();
};

struct CacheStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;  // charged bytes: bodies, keys and a fixed overhead per entry
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
};

class ObjectCache {
 public:
  // capacity_bytes: the total charge allowed (0 disables the cache);
  // max_object_bytes: bodies larger than this are never kept.
  ObjectCache(std::uint64_t capacity_bytes, std::uint64_t max_object_bytes);

  // Whether an object of `size` bytes would be kept.
  bool Admits(std::uint64_t size) const;

  // The live entry for `key`, or null (expired entries are dropped here).
  std::shared_ptr<const CachedObject> Get(const std::string& key, std::chrono::steady_clock::time_point now);

  // Inserts or replaces `key`, then evicts least recently used entries until
  // the total fits. Objects that Admits() refuses are ignored.
  void Put(const std::string& key, std::shared_ptr<const CachedObject> object);

  CacheStats stats() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedObject> object;
    std::uint64_t charge = 0;
  };
  using List = std::list<Entry>;

  void EraseLocked(List::iterator it);

  const std::uint64_t capacity_;
  const std::uint64_t max_object_;
  mutable std::mutex mu_;
  List lru_;                                                    // front: most recently used
  std::unordered_map<std::string_view, List::iterator> index_;  // views into Entry::key
  CacheStats stats_;
};

}  // namespace tcoder::edge
