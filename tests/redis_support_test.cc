// The test harness's private redis-server starts, survives a restart with its
// AOF data, and goes away with its owner.
#include <gtest/gtest.h>

#include "common/process.h"
#include "support/redis_server.h"
#include "support/test_env.h"

namespace tcoder {
namespace {

std::string Cli(int port, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {"redis-cli", "-p", std::to_string(port)};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::seconds(10)});
  return r.ok() ? r->out : "";
}

TEST(RedisSupport, StartsRestartsWithDataAndStops) {
  auto server = testing::RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const int port = (*server)->port();
  EXPECT_EQ(Cli(port, {"SET", "k", "v"}), "OK\n");
  ASSERT_TRUE((*server)->Restart().ok());
  EXPECT_EQ(Cli(port, {"GET", "k"}), "v\n");
  server->reset();
  EXPECT_FALSE(testing::WaitForPort(port, std::chrono::milliseconds(100)));
}

}  // namespace
}  // namespace tcoder
