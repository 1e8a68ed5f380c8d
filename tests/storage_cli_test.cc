// The built-in S3 server with the real aws CLI (Debian's awscli v2, called as
// /usr/bin/aws): buckets, small objects, metadata, presign, listing, and one
// 1 GiB multipart round trip with the server's peak RSS measured.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage_support.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

namespace fs = std::filesystem;

class StorageCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("storage-aws");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<TempDir>(std::move(*dir));
    fs::create_directories(home());
  }
  void StartServer(StorageServer::Options o = {}) {
    auto s = StorageServer::Start(dir_->path(), std::move(o));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }
  fs::path home() const { return dir_->path() / "home"; }
  RunResult Run(std::vector<std::string> args) { return Aws(server_->endpoint(), home(), std::move(args)); }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<StorageServer> server_;
};

TEST_F(StorageCli, BucketsObjectsMetadataAndPresign) {
  StartServer();
  RunResult r = Run({"s3", "mb", "s3://cli-bucket"});
  ASSERT_TRUE(r.success()) << r.err;
  r = Run({"s3", "ls"});
  EXPECT_NE(r.out.find("cli-bucket"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tcoder-input"), std::string::npos) << r.out;  // created at startup

  const fs::path src = dir_->path() / "small.bin";
  ASSERT_TRUE(MakeFile(src, 100'000, 1).ok());
  r = Run({"s3", "cp", src.string(), "s3://cli-bucket/dir/small file.bin", "--content-type", "video/mp4", "--metadata",
           "origin=test"});
  ASSERT_TRUE(r.success()) << r.err;

  r = Run({"s3api", "head-object", "--bucket", "cli-bucket", "--key", "dir/small file.bin"});
  ASSERT_TRUE(r.success()) << r.err;
  const auto head = nlohmann::json::parse(r.out);
  EXPECT_EQ(head["ContentLength"], 100000);
  EXPECT_EQ(head["ContentType"], "video/mp4");
  EXPECT_EQ(head["Metadata"]["origin"], "test");
  EXPECT_EQ(head["ETag"].get<std::string>().size(), 34u);  // "<32 hex>"

  r = Run({"s3", "ls", "s3://cli-bucket/dir/"});
  EXPECT_NE(r.out.find("small file.bin"), std::string::npos) << r.out;

  const fs::path back = dir_->path() / "back.bin";
  r = Run({"s3", "cp", "s3://cli-bucket/dir/small file.bin", back.string()});
  ASSERT_TRUE(r.success()) << r.err;
  EXPECT_EQ(FileSha256(back).value(), FileSha256(src).value());

  r = Run({"s3", "presign", "s3://cli-bucket/dir/small file.bin", "--expires-in", "300"});
  ASSERT_TRUE(r.success()) << r.err;
  const std::string url = r.out.substr(0, r.out.find('\n'));
  const fs::path via_url = dir_->path() / "via-url.bin";
  CurlResult c = Curl({"-o", via_url.string(), url});
  EXPECT_EQ(c.status, 200) << c.err;
  EXPECT_EQ(FileSha256(via_url).value(), FileSha256(src).value());

  r = Run({"s3", "rm", "s3://cli-bucket/dir/small file.bin"});
  ASSERT_TRUE(r.success()) << r.err;
  r = Run({"s3api", "head-object", "--bucket", "cli-bucket", "--key", "dir/small file.bin"});
  EXPECT_FALSE(r.success());
  EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
  r = Run({"s3", "rb", "s3://cli-bucket"});
  EXPECT_TRUE(r.success()) << r.err;
}

TEST_F(StorageCli, ListingPagesAndRecursiveRemove) {
  StartServer();
  ASSERT_TRUE(Run({"s3", "mb", "s3://list-bucket"}).success());
  const fs::path tree = dir_->path() / "tree";
  fs::create_directories(tree / "a");
  fs::create_directories(tree / "b");
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(MakeFile(tree / (i % 2 ? "a" : "b") / ("f" + std::to_string(i)), 10, i).ok());
  RunResult r = Run({"s3", "cp", "--recursive", tree.string(), "s3://list-bucket/t"});
  ASSERT_TRUE(r.success()) << r.err;
  r = Run({"s3api", "list-objects-v2", "--bucket", "list-bucket", "--page-size", "5"});
  ASSERT_TRUE(r.success() && !r.out.empty()) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["Contents"].size(), 12u);
  r = Run({"s3api", "list-objects", "--bucket", "list-bucket", "--prefix", "t/", "--delimiter", "/"});
  ASSERT_TRUE(r.success() && !r.out.empty()) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["CommonPrefixes"].size(), 2u) << r.out;
  r = Run({"s3", "rm", "--recursive", "s3://list-bucket/t"});  // DeleteObjects
  ASSERT_TRUE(r.success()) << r.err;
  r = Run({"s3api", "list-objects-v2", "--bucket", "list-bucket"});
  EXPECT_TRUE(r.success()) << r.err;
  EXPECT_EQ(r.out.find("\"Key\""), std::string::npos) << r.out;  // aws prints nothing or no Contents
}

// One 1 GiB round trip (multipart up with default settings, ranged GETs
// down), byte-identical, with the server's peak RSS under 100 MiB.
TEST_F(StorageCli, OneGibRoundTripInBoundedMemory) {
  StorageServer::Options o;
  o.binary = FastTcoderBinary();
  // Under ASan, freed buffers sit in the quarantine; keep it small so RSS measures our buffers.
  o.env = {{"ASAN_OPTIONS", "quarantine_size_mb=8:thread_local_quarantine_size_kb=64:malloc_context_size=5"}};
  StartServer(o);
  const fs::path big = dir_->path() / "big.bin";
  ASSERT_TRUE(MakeFile(big, 1ull << 30, 42).ok());
  RunResult r = Run({"s3", "cp", big.string(), "s3://tcoder-input/big.bin"});
  ASSERT_TRUE(r.success()) << r.err;
  const std::string want = FileSha256(big).value();
  fs::remove(big);  // room on the disk for the copy back
  const fs::path back = dir_->path() / "back.bin";
  r = Run({"s3", "cp", "s3://tcoder-input/big.bin", back.string()});
  ASSERT_TRUE(r.success()) << r.err;
  EXPECT_EQ(fs::file_size(back), 1ull << 30);
  EXPECT_EQ(FileSha256(back).value(), want);
  const long peak = PeakRssKiB(server_->pid());
  std::cout << "storage server peak RSS: " << peak / 1024 << " MiB (" << o.binary << ")\n";
  EXPECT_GT(peak, 0);
  EXPECT_LE(peak, 100 * 1024);
  r = Run({"s3api", "head-object", "--bucket", "tcoder-input", "--key", "big.bin"});
  EXPECT_TRUE(nlohmann::json::parse(r.out)["ETag"].get<std::string>().ends_with("-128\"")) << r.out;  // 8 MiB parts
}

}  // namespace
}  // namespace tcoder::testing
