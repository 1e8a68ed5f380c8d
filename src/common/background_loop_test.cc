#include "common/background_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace tcoder {
namespace {

using std::chrono::milliseconds;

TEST(BackgroundLoop, RunsEveryPeriodUntilStopped) {
  std::atomic<int> steps{0};
  BackgroundLoop loop(milliseconds(5), [&] { steps++; });
  loop.Start();
  while (steps.load() < 3) std::this_thread::sleep_for(milliseconds(1));
  loop.Stop();
  const int after_stop = steps.load();
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_EQ(steps.load(), after_stop) << "a step ran after Stop() returned";
  EXPECT_TRUE(loop.stopping());
}

TEST(BackgroundLoop, KickRunsAStepLongBeforeThePeriod) {
  std::promise<void> ran;
  std::atomic<bool> once{false};
  BackgroundLoop loop(std::chrono::hours(1), [&] {
    if (!once.exchange(true)) ran.set_value();
  });
  loop.Start();
  loop.Kick();
  EXPECT_EQ(ran.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST(BackgroundLoop, NoStepBeforeThePeriodWithoutAKick) {
  std::atomic<int> steps{0};
  BackgroundLoop loop(std::chrono::hours(1), [&] { steps++; });
  loop.Start();
  std::this_thread::sleep_for(milliseconds(30));
  loop.Stop();
  EXPECT_EQ(steps.load(), 0);
}

TEST(BackgroundLoop, StopWakesASleepingStep) {
  std::promise<bool> slept;
  std::atomic<bool> once{false};
  BackgroundLoop* self = nullptr;
  BackgroundLoop loop(milliseconds(0), [&] {
    if (!once.exchange(true)) slept.set_value(self->SleepFor(std::chrono::hours(1)));
  });
  self = &loop;
  loop.Start();
  std::this_thread::sleep_for(milliseconds(20));
  loop.Stop();  // returns only once the step's sleep has ended
  auto result = slept.get_future();
  ASSERT_EQ(result.wait_for(milliseconds(0)), std::future_status::ready);
  EXPECT_FALSE(result.get()) << "SleepFor must report the stop";
}

TEST(BackgroundLoop, SleepForTimesOutWhileRunning) {
  BackgroundLoop loop(std::chrono::hours(1), [] {});
  EXPECT_TRUE(loop.SleepFor(milliseconds(1)));
  loop.RequestStop();
  EXPECT_FALSE(loop.SleepFor(std::chrono::hours(1)));
}

TEST(BackgroundLoop, StopIsIdempotentAndSafeBeforeStart) {
  BackgroundLoop loop(milliseconds(1), [] {});
  loop.Stop();
  loop.Stop();
  EXPECT_TRUE(loop.stopping());
}

}  // namespace
}  // namespace tcoder
