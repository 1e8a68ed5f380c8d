#include "edge/object_cache.h"

namespace tcoder::edge {
namespace {

constexpr std::uint64_t kEntryOverhead = 256;  // list node, index slot, metadata

}  // namespace

ObjectCache::ObjectCache(std::uint64_t capacity_bytes, std::uint64_t max_object_bytes)
    : capacity_(capacity_bytes), max_object_(max_object_bytes) {}

bool ObjectCache::Admits(std::uint64_t size) const {
  return capacity_ > 0 && size <= max_object_ && size + kEntryOverhead <= capacity_;
}

std::shared_ptr<const CachedObject> ObjectCache::Get(const std::string& key,
                                                     std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  auto found = index_.find(key);
  if (found == index_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  List::iterator it = found->second;
  if (it->object->expires <= now) {
    EraseLocked(it);
    ++stats_.misses;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it);
  ++stats_.hits;
  return it->object;
}

void ObjectCache::Put(const std::string& key, std::shared_ptr<const CachedObject> object) {
  if (!object || !Admits(object->body.size())) return;
  const std::uint64_t charge = object->body.size() + key.size() + kEntryOverhead;
  std::lock_guard lock(mu_);
  if (auto found = index_.find(key); found != index_.end()) EraseLocked(found->second);
  lru_.push_front(Entry{key, std::move(object), charge});
  index_.emplace(lru_.front().key, lru_.begin());
  stats_.bytes += charge;
  ++stats_.entries;
  while (stats_.bytes > capacity_ && !lru_.empty()) {
    EraseLocked(std::prev(lru_.end()));
    ++stats_.evictions;
  }
}

CacheStats ObjectCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void ObjectCache::EraseLocked(List::iterator it) {
  stats_.bytes -= it->charge;
  --stats_.entries;
  index_.erase(it->key);
  lru_.erase(it);
}

}  // namespace tcoder::edge
