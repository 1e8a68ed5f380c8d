#include "worker/worker_loop.h"

#include <gtest/gtest.h>

#include <thread>

namespace tcoder::worker {
namespace {

TEST(MachineId, AcceptsPoolIdsOnly) {
  EXPECT_TRUE(ValidateMachineId("m_AbC-1.x").ok());
  EXPECT_FALSE(ValidateMachineId("").ok());
  EXPECT_FALSE(ValidateMachineId("m 1").ok());
  EXPECT_FALSE(ValidateMachineId("m/../1").ok());
  EXPECT_FALSE(ValidateMachineId(std::string(65, 'm')).ok());
}

TEST(StopSignal, CountsGraceFromTheFirstRequest) {
  StopSignal stop;
  EXPECT_FALSE(stop.requested());
  EXPECT_FALSE(stop.GraceOver(std::chrono::milliseconds(0)));
  stop.Request();
  EXPECT_TRUE(stop.requested());
  EXPECT_FALSE(stop.GraceOver(std::chrono::hours(1)));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop.Request();  // a second signal does not restart the grace
  EXPECT_TRUE(stop.GraceOver(std::chrono::milliseconds(10)));
}

TEST(HeartbeatInterval, IsAThirdOfTheLeaseAtMostTwoSeconds) {
  EXPECT_EQ(HeartbeatInterval(std::chrono::seconds(30)), std::chrono::milliseconds(2000));
  EXPECT_EQ(HeartbeatInterval(std::chrono::seconds(3)), std::chrono::milliseconds(1000));
  EXPECT_EQ(HeartbeatInterval(std::chrono::milliseconds(900)), std::chrono::milliseconds(300));
}

TEST(WorkerLoop, RefusesABadMachineId) {
  StopSignal stop;
  WorkerOptions o;
  o.machine_id = "../x";
  auto w = WorkerLoop::Create(o, stop);
  EXPECT_EQ(w.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tcoder::worker
