#include "edge/object_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace tcoder::edge {
namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<const CachedObject> Object(std::size_t size, Clock::time_point expires = Clock::time_point::max()) {
  auto o = std::make_shared<CachedObject>();
  o->body.assign(size, 'x');
  o->meta.size = size;
  o->meta.etag = "\"e\"";
  o->expires = expires;
  return o;
}

TEST(ObjectCache, HitsAndMisses) {
  ObjectCache cache(1 << 20, 1 << 16);
  const auto now = Clock::now();
  EXPECT_EQ(cache.Get("a", now), nullptr);
  cache.Put("a", Object(100));
  auto hit = cache.Get("a", now);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->body.size(), 100u);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
}

TEST(ObjectCache, RefusesLargeObjectsAndAZeroCapacity) {
  ObjectCache cache(1 << 20, 1000);
  EXPECT_TRUE(cache.Admits(1000));
  EXPECT_FALSE(cache.Admits(1001));
  cache.Put("big", Object(1001));
  EXPECT_EQ(cache.Get("big", Clock::now()), nullptr);
  ObjectCache off(0, 1000);
  EXPECT_FALSE(off.Admits(1));
  off.Put("a", Object(1));
  EXPECT_EQ(off.Get("a", Clock::now()), nullptr);
}

TEST(ObjectCache, EvictsLeastRecentlyUsedWithinCapacity) {
  ObjectCache cache(3 * (1000 + 256 + 1), 1000);  // room for three 1000-byte objects with 1-byte keys
  const auto now = Clock::now();
  cache.Put("a", Object(1000));
  cache.Put("b", Object(1000));
  cache.Put("c", Object(1000));
  ASSERT_NE(cache.Get("a", now), nullptr);  // a is now the most recent
  cache.Put("d", Object(1000));             // evicts b
  EXPECT_EQ(cache.Get("b", now), nullptr);
  EXPECT_NE(cache.Get("a", now), nullptr);
  EXPECT_NE(cache.Get("c", now), nullptr);
  EXPECT_NE(cache.Get("d", now), nullptr);
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_LE(cache.stats().bytes, 3u * 1257u);
}

TEST(ObjectCache, ExpiredEntriesAreDropped) {
  ObjectCache cache(1 << 20, 1 << 16);
  const auto now = Clock::now();
  cache.Put("p", Object(10, now + std::chrono::seconds(2)));
  EXPECT_NE(cache.Get("p", now + std::chrono::seconds(1)), nullptr);
  EXPECT_EQ(cache.Get("p", now + std::chrono::seconds(2)), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(ObjectCache, ReplacingAKeyKeepsOneEntry) {
  ObjectCache cache(1 << 20, 1 << 16);
  cache.Put("a", Object(10));
  cache.Put("a", Object(20));
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.Get("a", Clock::now())->body.size(), 20u);
}

TEST(ObjectCache, ConcurrentUseStaysWithinCapacity) {
  constexpr std::uint64_t kCapacity = 64 * 1024;
  ObjectCache cache(kCapacity, 4096);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = "k" + std::to_string((i * 7 + t) % 97);
        if (auto hit = cache.Get(key, Clock::now())) {
          EXPECT_EQ(hit->body.size(), hit->meta.size);
        } else {
          cache.Put(key, Object(static_cast<std::size_t>(100 + (i % 40) * 100)));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(cache.stats().bytes, kCapacity);
  EXPECT_GT(cache.stats().hits, 0u);
}

}  // namespace
}  // namespace tcoder::edge
