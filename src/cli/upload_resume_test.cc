#include "cli/upload_resume.h"

#include <gtest/gtest.h>

#include "common/file_util.h"
#include "common/temp_dir.h"

namespace tcoder::cli {
namespace {

TEST(UploadResume, ARecordRoundTripsAndIsForgotten) {
  auto dir = TempDir::Create("resume-");
  ASSERT_TRUE(dir.ok());
  const auto file = dir->path() / "clip.mov";
  ASSERT_TRUE(WriteFileAtomic(file, "0123456789").ok());
  auto resume = UploadResume::For(dir->path() / "uploads", "http://127.0.0.1:8787", file);
  ASSERT_TRUE(resume.ok());
  EXPECT_FALSE(resume->Load().has_value());
  ASSERT_TRUE(resume->Save({"j_1", "u-1", 10, 5 << 20, 1}).ok());
  auto loaded = resume->Load();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->job_id, "j_1");
  EXPECT_EQ(loaded->upload_id, "u-1");
  EXPECT_EQ(loaded->part_size, 5u << 20);
  EXPECT_EQ(loaded->part_count, 1);
  EXPECT_EQ(std::filesystem::status(resume->path()).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  resume->Forget();
  EXPECT_FALSE(resume->Load().has_value());
  resume->Forget();  // twice is fine
}

TEST(UploadResume, AnotherServerOrAChangedFileIsAnotherUpload) {
  auto dir = TempDir::Create("resume-");
  ASSERT_TRUE(dir.ok());
  const auto file = dir->path() / "clip.mov";
  ASSERT_TRUE(WriteFileAtomic(file, "0123456789").ok());
  auto first = UploadResume::For(dir->path(), "http://a:1", file);
  ASSERT_TRUE(first.ok() && first->Save({"j_1", "u", 10, 5, 2}).ok());
  EXPECT_NE(UploadResume::For(dir->path(), "http://b:1", file)->path(), first->path());
  EXPECT_EQ(UploadResume::For(dir->path(), "http://a:1", dir->path() / "." / "clip.mov")->path(), first->path());
  ASSERT_TRUE(WriteFileAtomic(file, "0123456789ab").ok());
  EXPECT_NE(UploadResume::For(dir->path(), "http://a:1", file)->path(), first->path());
  EXPECT_FALSE(UploadResume::For(dir->path(), "http://a:1", dir->path() / "missing").ok());
}

TEST(UploadResume, AMalformedRecordIsNoRecord) {
  auto dir = TempDir::Create("resume-");
  ASSERT_TRUE(dir.ok());
  const auto file = dir->path() / "clip.mov";
  ASSERT_TRUE(WriteFileAtomic(file, "x").ok());
  auto resume = UploadResume::For(dir->path(), "http://a:1", file);
  ASSERT_TRUE(resume.ok());
  for (const char* bad :
       {"", "[]", R"({"jobId":"j"})", R"({"jobId":"j","uploadId":"u","size":1,"partSize":0,"partCount":1})",
        R"({"jobId":1,"uploadId":"u","size":1,"partSize":5,"partCount":1})"}) {
    ASSERT_TRUE(WriteFileAtomic(resume->path(), bad).ok());
    EXPECT_FALSE(resume->Load().has_value()) << bad;
  }
}

}  // namespace
}  // namespace tcoder::cli
