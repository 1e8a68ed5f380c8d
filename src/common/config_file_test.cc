#include "common/config_file.h"

#include <gtest/gtest.h>

namespace tcoder {
namespace {

TEST(ConfigFile, ParsesNamesValuesCommentsAndQuotes) {
  auto v = ParseConfigText(
      "# comment\n"
      "redis-url = redis://127.0.0.1:6379  # trailing\n"
      "api_key = \"secret # not a comment\"\n"
      "empty = ''\n",
      "control");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->at("redis-url").value, "redis://127.0.0.1:6379");
  EXPECT_EQ(v->at("api-key").value, "secret # not a comment");
  EXPECT_EQ(v->at("empty").value, "");
}

TEST(ConfigFile, CommandSectionOverridesGlobal) {
  auto v = ParseConfigText("port = 1\n[edge]\nport = 2\n[control]\nport = 3\n", "control");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->at("port").value, "3");
  EXPECT_TRUE(v->at("port").scoped);
  auto e = ParseConfigText("port = 1\n[edge]\nport = 2\n", "worker");
  EXPECT_EQ(e->at("port").value, "1");
  EXPECT_FALSE(e->at("port").scoped);
}

TEST(ConfigFile, ErrorsNameTheLine) {
  auto v = ParseConfigText("ok = 1\nthis line is wrong\n", "control");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(ParseConfigText("x = \"open\n", "control").ok());
  EXPECT_FALSE(ParseConfigText("[bad\n", "control").ok());
  EXPECT_FALSE(ParseConfigText("bad name = 1\n", "control").ok());
}

TEST(ConfigFile, EnvName) {
  EXPECT_EQ(EnvNameFor("redis-url"), "TCODER_REDIS_URL");
  EXPECT_EQ(EnvNameFor("s3-access-key"), "TCODER_S3_ACCESS_KEY");
}

TEST(ConfigFile, MissingFileIsNotFound) {
  EXPECT_EQ(LoadConfigFile("/nonexistent/tcoder.conf", "x").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace tcoder
