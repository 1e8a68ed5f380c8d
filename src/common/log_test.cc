#include "common/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tcoder {
namespace {

TEST(Log, LevelsParse) {
  EXPECT_EQ(*log::ParseLevel("debug"), log::Level::kDebug);
  EXPECT_EQ(*log::ParseLevel("warning"), log::Level::kWarn);
  EXPECT_FALSE(log::ParseLevel("loud").ok());
}

TEST(Log, LinesAreJsonWithFields) {
  ASSERT_TRUE(log::Init("unit", "info").ok());
  ::testing::internal::CaptureStderr();
  log::Info("hello \"world\"", {{"jobId", "j1"}, {"n", 3}});
  log::Debug("hidden");
  const std::string out = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(out.empty());
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  const auto line = nlohmann::json::parse(out);
  EXPECT_EQ(line["msg"], "hello \"world\"");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["component"], "unit");
  EXPECT_EQ(line["jobId"], "j1");
  EXPECT_EQ(line["n"], 3);
  EXPECT_TRUE(line["ts"].get<std::string>().ends_with("Z"));
}

TEST(Log, FieldsCannotOverrideCoreKeys) {
  ASSERT_TRUE(log::Init("unit", "debug").ok());
  ::testing::internal::CaptureStderr();
  log::Warn("real", {{"msg", "forged"}, {"level", "debug"}});
  const auto line = nlohmann::json::parse(::testing::internal::GetCapturedStderr());
  EXPECT_EQ(line["msg"], "real");
  EXPECT_EQ(line["level"], "warn");
}

TEST(Log, InvalidUtf8IsReplacedNotThrown) {
  ASSERT_TRUE(log::Init("unit", "info").ok());
  ::testing::internal::CaptureStderr();
  log::Error("bad bytes", {{"key", std::string("\xff\xfe")}});
  const auto line = nlohmann::json::parse(::testing::internal::GetCapturedStderr());
  EXPECT_EQ(line["msg"], "bad bytes");
}

}  // namespace
}  // namespace tcoder
