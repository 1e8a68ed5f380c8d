#include "cli/flags.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/temp_dir.h"

namespace tcoder::cli {
namespace {

// Runs FlagSet::Parse over a vector of arguments.
std::optional<int> ParseArgs(FlagSet& flags, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return flags.Parse(static_cast<int>(argv.size()), argv.data());
}

class Flags : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("flags-test-");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<TempDir>(std::move(*dir));
    ::unsetenv("TCODER_REDIS_URL");
    ::unsetenv("TCODER_CONFIG");
  }
  void TearDown() override { ::unsetenv("TCODER_REDIS_URL"); }
  std::string WriteConfig(const std::string& text) {
    const auto path = dir_->path() / "tcoder.conf";
    std::ofstream(path) << text;
    return path.string();
  }
  std::unique_ptr<TempDir> dir_;
};

TEST_F(Flags, DefaultWhenNothingSet) {
  FlagSet flags("control", "test");
  std::string url = "redis://default";
  flags.Add("redis-url", url, "url");
  ASSERT_FALSE(ParseArgs(flags, {"control", "--data-dir", dir_->path().string()}));
  EXPECT_EQ(url, "redis://default");
}

TEST_F(Flags, PrecedenceFlagThenEnvThenFileThenDefault) {
  const std::string config = WriteConfig("redis-url = \"redis://file\"\n");
  {
    FlagSet flags("control", "test");
    std::string url = "redis://default";
    flags.Add("redis-url", url, "url");
    ASSERT_FALSE(ParseArgs(flags, {"control", "--config", config}));
    EXPECT_EQ(url, "redis://file");
  }
  ::setenv("TCODER_REDIS_URL", "redis://env", 1);
  {
    FlagSet flags("control", "test");
    std::string url;
    flags.Add("redis-url", url, "url");
    ASSERT_FALSE(ParseArgs(flags, {"control", "--config", config}));
    EXPECT_EQ(url, "redis://env");
  }
  {
    FlagSet flags("control", "test");
    std::string url;
    flags.Add("redis-url", url, "url");
    ASSERT_FALSE(ParseArgs(flags, {"control", "--config", config, "--redis-url", "redis://flag"}));
    EXPECT_EQ(url, "redis://flag");
  }
}

TEST_F(Flags, DataDirConfigIsReadWithoutConfigFlag) {
  WriteConfig("[control]\nmax-machines = 7\n[worker]\nmax-machines = 9\n");
  FlagSet flags("control", "test");
  int max = 1;
  flags.Add("max-machines", max, "max");
  ASSERT_FALSE(ParseArgs(flags, {"control", "--data-dir", dir_->path().string()}));
  EXPECT_EQ(max, 7);
}

TEST_F(Flags, UnknownKeyInOwnSectionIsAnError) {
  const std::string config = WriteConfig("[control]\nno-such-flag = 1\n");
  FlagSet flags("control", "test");
  EXPECT_EQ(ParseArgs(flags, {"control", "--config", config}), 2);
}

TEST_F(Flags, GlobalKeyOfAnotherCommandIsIgnored) {
  const std::string config = WriteConfig("redis-url = redis://file\njwt-secret = s\n");
  FlagSet flags("control", "test");
  std::string url;
  flags.Add("redis-url", url, "url");
  ASSERT_FALSE(ParseArgs(flags, {"control", "--config", config}));
  EXPECT_EQ(url, "redis://file");
}

TEST_F(Flags, MissingExplicitConfigIsAnError) {
  FlagSet flags("control", "test");
  EXPECT_EQ(ParseArgs(flags, {"control", "--config", (dir_->path() / "absent.conf").string()}), 2);
}

TEST_F(Flags, BoolFlagFromConfig) {
  const std::string config = WriteConfig("detach = true\n");
  FlagSet flags("up", "test");
  bool detach = false;
  flags.AddFlag("detach", detach, "detach");
  ASSERT_FALSE(ParseArgs(flags, {"up", "--config", config}));
  EXPECT_TRUE(detach);
}

TEST_F(Flags, DurationFlag) {
  FlagSet flags("control", "test");
  Duration idle{std::chrono::minutes(5)};
  flags.Add("idle-timeout", idle, "idle");
  ASSERT_FALSE(ParseArgs(flags, {"control", "--data-dir", dir_->path().string(), "--idle-timeout", "90s"}));
  EXPECT_EQ(idle.value, std::chrono::seconds(90));
}

TEST_F(Flags, BadValueExitsWithUsageError) {
  FlagSet flags("control", "test");
  int max = 1;
  flags.Add("max-machines", max, "max");
  EXPECT_EQ(ParseArgs(flags, {"control", "--max-machines", "many"}), 2);
}

TEST_F(Flags, BadLogLevelIsAnError) {
  FlagSet flags("control", "test");
  EXPECT_EQ(ParseArgs(flags, {"control", "--data-dir", dir_->path().string(), "--log-level", "loud"}), 2);
}

}  // namespace
}  // namespace tcoder::cli
