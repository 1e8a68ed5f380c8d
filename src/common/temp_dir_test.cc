#include "common/temp_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace tcoder {
namespace {

TEST(TempDir, CreatedPrivateAndRemovedWithContents) {
  std::filesystem::path where;
  {
    auto dir = TempDir::Create("tcoder-test-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    where = dir->path();
    struct stat st {};
    ASSERT_EQ(::stat(where.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    std::filesystem::create_directories(where / "a" / "b");
    std::ofstream(where / "a" / "b" / "file") << "data";
  }
  EXPECT_FALSE(std::filesystem::exists(where));
}

TEST(TempDir, MoveTransfersOwnership) {
  auto dir = TempDir::Create("tcoder-test-");
  ASSERT_TRUE(dir.ok());
  TempDir moved = std::move(*dir);
  EXPECT_TRUE(std::filesystem::exists(moved.path()));
  const auto p = moved.path();
  EXPECT_TRUE(moved.Remove().ok());
  EXPECT_FALSE(std::filesystem::exists(p));
}

TEST(TempDir, ReleaseKeepsIt) {
  std::filesystem::path kept;
  {
    auto dir = TempDir::Create("tcoder-test-");
    ASSERT_TRUE(dir.ok());
    kept = dir->Release();
  }
  EXPECT_TRUE(std::filesystem::exists(kept));
  std::filesystem::remove_all(kept);
}

TEST(TempDir, BadParentIsAnError) { EXPECT_FALSE(TempDir::Create("x", "/proc/self/nope/deeper").ok()); }

}  // namespace
}  // namespace tcoder
