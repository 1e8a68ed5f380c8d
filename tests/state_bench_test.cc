// The queue benchmark's code path works end to end (figures are not asserted:
// timing lives in bench/README.md) and leaves nothing behind in the Redis it used.
#include <sstream>

#include "state/queue_bench.h"
#include "state_fixture.h"

namespace tcoder::state {
namespace {

using StateBench = StateTest;

TEST_F(StateBench, RunsAgainstAGivenRedisAndCleansUp) {
  auto before = redis_->Command({"DBSIZE"});
  ASSERT_TRUE(before.ok());
  std::ostringstream out;
  auto result = RunQueueBench({.redis_url = server_->url(), .jobs = 300, .concurrency = 3, .latency_samples = 20}, out);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_GT(result->jobs_per_s, 0);
  EXPECT_GT(result->pickup_p50_ms, 0);
  EXPECT_LE(result->pickup_p50_ms, result->pickup_p99_ms);
  EXPECT_NE(out.str().find("method:"), std::string::npos);
  EXPECT_EQ(redis_->Command({"DBSIZE"})->integer, before->integer);
}

TEST_F(StateBench, StartsItsOwnRedisWithoutAUrl) {
  std::ostringstream out;
  auto result = RunQueueBench({.jobs = 50, .concurrency = 2, .latency_samples = 5}, out);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_NE(out.str().find("private redis-server"), std::string::npos);
}

TEST_F(StateBench, RefusesNonsenseSizes) {
  std::ostringstream out;
  EXPECT_EQ(RunQueueBench({.redis_url = server_->url(), .jobs = 0}, out).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tcoder::state
