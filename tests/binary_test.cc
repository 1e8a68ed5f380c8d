// The tcoder binary as a user runs it: help, version, dispatch, errors.
#include <gtest/gtest.h>

#include "common/process.h"
#include "support/test_env.h"

namespace tcoder {
namespace {

RunResult RunTcoder(std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {testing::TcoderBinary().string()};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  auto r = RunProcess(spec, RunOptions{.deadline = std::chrono::seconds(30)});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : RunResult{};
}

TEST(Binary, HelpListsEveryCommandWithALine) {
  const RunResult r = RunTcoder({"--help"});
  EXPECT_EQ(r.exit.code, 0);
  for (const char* name : {"up", "down", "control", "storage", "worker", "edge", "transcode", "status", "jobs",
                           "cancel", "retry", "stats", "token", "bench"}) {
    EXPECT_NE(r.out.find("\n  " + std::string(name) + " "), std::string::npos) << name << " missing from:\n" << r.out;
  }
}

TEST(Binary, Version) {
  const RunResult r = RunTcoder({"version"});
  EXPECT_EQ(r.exit.code, 0);
  EXPECT_TRUE(r.out.starts_with("tcoder ")) << r.out;
}

TEST(Binary, UnknownCommandFailsWithUsage) {
  const RunResult r = RunTcoder({"frobnicate"});
  EXPECT_EQ(r.exit.code, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos);
}

TEST(Binary, NoArgumentsPrintsUsageAndFails) {
  const RunResult r = RunTcoder({});
  EXPECT_EQ(r.exit.code, 2);
  EXPECT_NE(r.err.find("Usage"), std::string::npos);
}

TEST(Binary, CommandHelpListsCommonFlags) {
  const RunResult r = RunTcoder({"version", "--help"});
  EXPECT_EQ(r.exit.code, 0);
  EXPECT_NE(r.out.find("--data-dir"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TCODER_DATA_DIR"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tcoder
