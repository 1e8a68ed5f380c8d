#include "storage/event_spool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "common/file_util.h"
#include "common/temp_dir.h"

namespace tcoder::storage::server {
namespace {

// Records events; fails while `down` is set.
struct FakeRedis {
  std::mutex mu;
  std::vector<std::string> keys;
  std::atomic<bool> down{false};
};

class FakeSink : public EventSink {
 public:
  explicit FakeSink(FakeRedis& r) : r_(r) {}
  Status Append(const ObjectEvent& e) override {
    if (r_.down) return Unavailable("down");
    std::lock_guard lock(r_.mu);
    r_.keys.push_back(e.key);
    return Status::Ok();
  }

 private:
  FakeRedis& r_;
};

SinkFactory Factory(FakeRedis& r) {
  return [&r]() -> Result<std::unique_ptr<EventSink>> {
    if (r.down) return Unavailable("down");
    return std::unique_ptr<EventSink>(new FakeSink(r));
  };
}

bool WaitFor(FakeRedis& r, std::size_t n) {
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(r.mu);
      if (r.keys.size() >= n) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

ObjectEvent Event(std::string key) {
  ObjectEvent e;
  e.bucket = "b";
  e.key = std::move(key);
  return e;
}

TEST(EventSpool, EventsAreDeliveredInOrder) {
  auto dir = TempDir::Create("spool");
  FakeRedis redis;
  auto spool = EventSpool::Open(dir->path(), Factory(redis), std::chrono::milliseconds(20));
  ASSERT_TRUE(spool.ok());
  for (const char* k : {"one", "two", "three"}) ASSERT_TRUE((*spool)->Add(Event(k)).ok());
  ASSERT_TRUE(WaitFor(redis, 3));
  EXPECT_EQ(redis.keys, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(EventSpool, EventsWaitForRedisAndSurviveARestart) {
  auto dir = TempDir::Create("spool");
  FakeRedis redis;
  redis.down = true;
  {
    auto spool = EventSpool::Open(dir->path(), Factory(redis), std::chrono::milliseconds(20));
    ASSERT_TRUE(spool.ok());
    ASSERT_TRUE((*spool)->Add(Event("kept")).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }  // the process goes away with Redis still down
  // A torn line (a crash mid-append) is dropped at open.
  { std::ofstream(dir->path() / "events.spool", std::ios::app) << "{\"bucket\":\"b\",\"ke"; }
  redis.down = false;
  auto spool = EventSpool::Open(dir->path(), Factory(redis), std::chrono::milliseconds(20));
  ASSERT_TRUE(spool.ok());
  ASSERT_TRUE((*spool)->Add(Event("after")).ok());
  ASSERT_TRUE(WaitFor(redis, 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(redis.keys, (std::vector<std::string>{"kept", "after"}));
}

}  // namespace
}  // namespace tcoder::storage::server
