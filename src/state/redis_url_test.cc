#include "state/redis_url.h"

#include <gtest/gtest.h>

namespace tcoder::state {
namespace {

TEST(RedisUrl, ParsesHostPortDbAndPassword) {
  auto ep = ParseRedisUrl("redis://:s3cret@10.0.0.2:6380/3");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->host, "10.0.0.2");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->db, 3);
  EXPECT_EQ(ep->password, "s3cret");
  EXPECT_EQ(ep->Describe(), "10.0.0.2:6380");
}

TEST(RedisUrl, DefaultsPortAndDb) {
  auto ep = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, 6379);
  EXPECT_EQ(ep->db, 0);
  EXPECT_TRUE(ep->password.empty());
}

TEST(RedisUrl, ParsesUserPasswordAndIpv6) {
  auto ep = ParseRedisUrl("redis://default:p%40ss@[::1]:7000");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 7000);
  EXPECT_EQ(ep->user, "default");
  EXPECT_EQ(ep->password, "p@ss") << "user info is percent-decoded";
  EXPECT_FALSE(ep->tls);
}

TEST(RedisUrl, RedissIsTls) {
  auto ep = ParseRedisUrl("rediss://tcoder:s%3Acret%2F@cache.example.com:6380/1");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_TRUE(ep->tls);
  EXPECT_EQ(ep->host, "cache.example.com");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->db, 1);
  EXPECT_EQ(ep->user, "tcoder");
  EXPECT_EQ(ep->password, "s:cret/");
  EXPECT_EQ(ep->Describe().find("cret"), std::string::npos) << "never the password";
}

TEST(RedisUrl, APasswordAloneIsForTheDefaultUser) {
  auto ep = ParseRedisUrl("redis://s3cret@h");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->user, "");
  EXPECT_EQ(ep->password, "s3cret");
}

TEST(RedisUrl, ParsesSentinels) {
  auto ep = ParseRedisUrl("rediss+sentinel://app:pw@10.0.0.1,10.0.0.2:26380,[::1]:26381/mymaster/2");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_TRUE(ep->tls);
  ASSERT_EQ(ep->sentinels.size(), 3u);
  EXPECT_EQ(ep->sentinels[0].host, "10.0.0.1");
  EXPECT_EQ(ep->sentinels[0].port, 26379);
  EXPECT_EQ(ep->sentinels[1].port, 26380);
  EXPECT_EQ(ep->sentinels[2].host, "::1");
  EXPECT_EQ(ep->master_name, "mymaster");
  EXPECT_EQ(ep->db, 2);
  EXPECT_EQ(ep->user, "app");
  EXPECT_EQ(ep->Describe(), "master mymaster via 10.0.0.1:26379,10.0.0.2:26380,::1:26381");
  for (const char* bad :
       {"redis+sentinel://h1,h2", "redis+sentinel:///m", "redis+sentinel://h1:x/m", "redis+sentinel://h1//"}) {
    EXPECT_FALSE(ParseRedisUrl(bad).ok()) << bad;
  }
}

TEST(RedisUrl, ParsesUnixSocket) {
  auto ep = ParseRedisUrl("unix:///run/redis.sock?db=2");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->unix_path, "/run/redis.sock");
  EXPECT_EQ(ep->db, 2);
  EXPECT_EQ(ep->Describe(), "/run/redis.sock");
}

TEST(RedisUrl, RejectsBadUrls) {
  for (const char* bad : {"", "http://x", "redis://", "redis://h:0", "redis://h:70000", "redis://h:12ab", "redis://h/x",
                          "unix://relative.sock", "rediss://", "redis://[::1", "redis://u%zz:p@h", "redis://user:@h"}) {
    auto ep = ParseRedisUrl(bad);
    EXPECT_FALSE(ep.ok()) << bad;
    if (!ep.ok()) {
      EXPECT_EQ(ep.status().code(), Code::kInvalidArgument) << bad;
    }
  }
}

}  // namespace
}  // namespace tcoder::state
