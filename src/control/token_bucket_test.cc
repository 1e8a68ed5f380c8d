#include "control/token_bucket.h"

#include <gtest/gtest.h>

namespace tcoder::control {
namespace {

TEST(TokenBucket, AllowsABurstThenTheRate) {
  TokenBucket bucket(2.0, 3);
  auto t = TokenBucket::Clock::now();
  EXPECT_TRUE(bucket.TryTakeAt(t));
  EXPECT_TRUE(bucket.TryTakeAt(t));
  EXPECT_TRUE(bucket.TryTakeAt(t));
  std::chrono::milliseconds wait{0};
  EXPECT_FALSE(bucket.TryTakeAt(t, &wait));
  EXPECT_GT(wait.count(), 0);
  EXPECT_LE(wait.count(), 500);
  EXPECT_TRUE(bucket.TryTakeAt(t + std::chrono::milliseconds(500)));
  EXPECT_FALSE(bucket.TryTakeAt(t + std::chrono::milliseconds(500)));
}

}  // namespace
}  // namespace tcoder::control
