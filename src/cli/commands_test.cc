#include "cli/commands.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tcoder::cli {
namespace {

TEST(Commands, TableHasEverySpecCommandOnce) {
  std::set<std::string> names;
  for (const auto& c : Commands()) {
    EXPECT_TRUE(names.insert(std::string(c.name)).second) << "duplicate " << c.name;
    EXPECT_FALSE(c.summary.empty()) << c.name;
    EXPECT_NE(c.run, nullptr) << c.name;
  }
  for (const char* want : {"up", "down", "control", "storage", "worker", "edge", "transcode", "status", "jobs",
                           "cancel", "retry", "stats", "token", "bench", "version"}) {
    EXPECT_TRUE(names.count(want)) << want;
  }
}

TEST(Commands, FindCommand) {
  ASSERT_NE(FindCommand("version"), nullptr);
  EXPECT_EQ(FindCommand("version")->name, "version");
  EXPECT_EQ(FindCommand("nope"), nullptr);
}

}  // namespace
}  // namespace tcoder::cli
