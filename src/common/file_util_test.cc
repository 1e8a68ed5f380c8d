#include "common/file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/temp_dir.h"

namespace tcoder {
namespace {

TEST(FileUtil, AtomicWriteThenRead) {
  auto dir = TempDir::Create("tcoder-test-");
  ASSERT_TRUE(dir.ok());
  const auto path = dir->path() / "secret";
  ASSERT_TRUE(WriteFileAtomic(path, "one", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "two", 0600).ok());
  EXPECT_EQ(*ReadFile(path), "two");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temp files left beside it.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir->path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(FileUtil, ReadMissingIsNotFound) { EXPECT_EQ(ReadFile("/nonexistent/file").status().code(), Code::kNotFound); }

TEST(FileUtil, WriteIntoMissingDirFails) { EXPECT_FALSE(WriteFileAtomic("/nonexistent/dir/file", "x").ok()); }

}  // namespace
}  // namespace tcoder
