// Liveness and replay keys on a real redis-server: control plane heartbeats,
// the completion-report ledger, and the connection pool's ping.
#include <thread>

#include "state/control_planes.h"
#include "state/redis_pool.h"
#include "state/report_ledger.h"
#include "state_fixture.h"

namespace tcoder::state {
namespace {

using std::chrono::milliseconds;
using StateLiveness = StateTest;

TEST_F(StateLiveness, AControlPlaneIsAliveUntilItsHeartbeatExpires) {
  auto other = NewClient();
  ControlPlanes planes(*redis_, keys_), seen_by_other(*other, keys_);
  EXPECT_FALSE(*seen_by_other.IsAlive("cp_1"));
  ASSERT_TRUE(planes.Heartbeat("cp_1", milliseconds(150)).ok());
  EXPECT_TRUE(*seen_by_other.IsAlive("cp_1"));
  EXPECT_FALSE(*seen_by_other.IsAlive("cp_2"));
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_TRUE(planes.Heartbeat("cp_1", milliseconds(150)).ok());  // refreshed in time
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_TRUE(*seen_by_other.IsAlive("cp_1"));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(*seen_by_other.IsAlive("cp_1"));
  EXPECT_EQ(planes.Heartbeat("", milliseconds(100)).code(), Code::kInvalidArgument);
  EXPECT_EQ(planes.Heartbeat("cp_1", milliseconds(0)).code(), Code::kInvalidArgument);
}

TEST_F(StateLiveness, AReportIdIsFreshOnceWithinItsWindow) {
  auto other = NewClient();
  ReportLedger ledger(*redis_, keys_), replica(*other, keys_);
  EXPECT_TRUE(*ledger.FirstSight("msg_1", milliseconds(150)));
  EXPECT_FALSE(*replica.FirstSight("msg_1", milliseconds(150)));  // a replay, from any plane
  EXPECT_TRUE(*replica.FirstSight("msg_2", milliseconds(150)));
  auto ttl = redis_->Command({"PTTL", keys_.ReportSeen("msg_1")});
  EXPECT_GT(ttl->integer, 0);
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_TRUE(*ledger.FirstSight("msg_1", milliseconds(150)));  // the window is over
  EXPECT_EQ(ledger.FirstSight("", milliseconds(150)).status().code(), Code::kInvalidArgument);
}

TEST_F(StateLiveness, PoolPingsAndReusesConnections) {
  RedisPool pool(server_->url());
  EXPECT_TRUE(pool.Ping().ok());
  RedisClient* first = nullptr;
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    first = &**lease;
  }
  auto again = pool.Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(&**again, first);  // the idle connection was lent again
  RedisPool nowhere("redis://127.0.0.1:1");
  EXPECT_EQ(nowhere.Ping().code(), Code::kUnavailable);
  EXPECT_EQ(nowhere.Acquire().status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace tcoder::state
