// Presigned URLs and hostile input against the built-in S3 server, with curl:
// valid URLs work; expired, tampered or replayed-elsewhere ones get 403 with
// S3 XML and write nothing; odd keys round-trip and nothing escapes the data
// directory; a body that does not match its signed SHA-256 is refused.
#include <gtest/gtest.h>

#include <fstream>

#include "storage/presign.h"
#include "storage_support.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

class StoragePresign : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = TempDir::Create("storage-presign");
    ASSERT_TRUE(dir.ok());
    dir_ = new TempDir(std::move(*dir));
    auto s = StorageServer::Start(dir_->path(), {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = s->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  static std::string Url(const std::string& method, const std::string& key, seconds expires = seconds(300),
                         std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
    storage::PresignOptions o;
    o.endpoint = server_->endpoint();
    o.bucket = "tcoder-input";
    o.key = key;
    o.method = method;
    o.expires = expires;
    o.credentials = {std::string(kS3AccessKey), std::string(kS3SecretKey), ""};
    o.now = now;
    auto url = storage::PresignUrl(o);
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    return url.ok() ? *url : "";
  }
  static fs::path Write(const std::string& name, std::string_view content) {
    const fs::path p = dir_->path() / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  static CurlResult Put(const std::string& url, const fs::path& file) { return Curl({"-T", file.string(), url}); }
  static CurlResult Get(const std::string& url) { return Curl({url}); }
  // Whether the object exists, asked with a fresh valid URL.
  static int StatusOf(const std::string& key) { return Get(Url("GET", key)).status; }

  static TempDir* dir_;
  static StorageServer* server_;
};

TempDir* StoragePresign::dir_ = nullptr;
StorageServer* StoragePresign::server_ = nullptr;

TEST_F(StoragePresign, ValidUrlsPutAndGet) {
  const fs::path f = Write("valid.txt", "presigned content");
  CurlResult r = Put(Url("PUT", "uploads/valid.txt"), f);
  ASSERT_EQ(r.status, 200) << r.body << r.err;
  r = Get(Url("GET", "uploads/valid.txt"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "presigned content");
  r = Curl({"-r", "4-8", Url("GET", "uploads/valid.txt")});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "igned");
  r = Curl({"-r", "100-200", Url("GET", "uploads/valid.txt")});
  EXPECT_EQ(r.status, 416);
  EXPECT_NE(r.body.find("<Code>InvalidRange</Code>"), std::string::npos) << r.body;
}

TEST_F(StoragePresign, ConditionalGet) {
  ASSERT_EQ(Put(Url("PUT", "cond.txt"), Write("cond.txt", "abc")).status, 200);
  const std::string etag = "\"900150983cd24fb0d6963f7d28e17f72\"";  // md5("abc")
  EXPECT_EQ(Curl({"-H", "If-None-Match: " + etag, Url("GET", "cond.txt")}).status, 304);
  EXPECT_EQ(Curl({"-H", "If-Match: " + etag, Url("GET", "cond.txt")}).status, 200);
  const CurlResult r = Curl({"-H", "If-Match: \"0000\"", Url("GET", "cond.txt")});
  EXPECT_EQ(r.status, 412);
  EXPECT_NE(r.body.find("<Code>PreconditionFailed</Code>"), std::string::npos) << r.body;
}

TEST_F(StoragePresign, ExpiredUrlIsRefusedAndWritesNothing) {
  const auto past = std::chrono::system_clock::now() - std::chrono::hours(2);
  const CurlResult r = Put(Url("PUT", "expired.txt", seconds(3600), past), Write("expired.txt", "x"));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Error><Code>AccessDenied</Code>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<RequestId>"), std::string::npos) << r.body;
  EXPECT_EQ(StatusOf("expired.txt"), 404);
}

TEST_F(StoragePresign, TamperedSignatureIsRefused) {
  std::string url = Url("PUT", "tampered.txt");
  const auto pos = url.find("X-Amz-Signature=") + 16;
  url[pos] = url[pos] == 'a' ? 'b' : 'a';
  const CurlResult r = Put(url, Write("tampered.txt", "x"));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos) << r.body;
  EXPECT_EQ(StatusOf("tampered.txt"), 404);
}

TEST_F(StoragePresign, UrlReplayedForAnotherKeyOrMethodIsRefused) {
  const fs::path f = Write("replay.txt", "x");
  std::string url = Url("PUT", "allowed.txt");
  const std::string other = url.substr(0, url.find("allowed.txt")) + "other.txt" +
                            url.substr(url.find("allowed.txt") + std::string("allowed.txt").size());
  EXPECT_EQ(Put(other, f).status, 403);
  EXPECT_EQ(StatusOf("other.txt"), 404);
  // A GET URL used to PUT, and a PUT URL used to GET or DELETE.
  EXPECT_EQ(Put(Url("GET", "viaget.txt"), f).status, 403);
  EXPECT_EQ(StatusOf("viaget.txt"), 404);
  ASSERT_EQ(Put(url, f).status, 200);
  EXPECT_EQ(Get(url).status, 403);
  EXPECT_EQ(Curl({"-X", "DELETE", url}).status, 403);
  EXPECT_EQ(StatusOf("allowed.txt"), 200);
}

TEST_F(StoragePresign, AnonymousRequestsAreDenied) {
  CurlResult r = Curl({server_->endpoint() + "/tcoder-input/valid.txt"});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Code>AccessDenied</Code>"), std::string::npos);
  r = Curl({"-T", Write("anon.txt", "x").string(), server_->endpoint() + "/tcoder-input/anon.txt"});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(StatusOf("anon.txt"), 404);
}

TEST_F(StoragePresign, CorsPreflightIsAnswered) {
  const CurlResult r =
      Curl({"-i", "-X", "OPTIONS", "-H", "Origin: http://page.example", "-H", "Access-Control-Request-Method: PUT",
            "-H", "Access-Control-Request-Headers: content-type", Url("PUT", "cors.txt")});
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Access-Control-Allow-Origin: *"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("Access-Control-Allow-Methods: GET, PUT, POST, DELETE, HEAD"), std::string::npos);
  EXPECT_NE(r.body.find("Access-Control-Allow-Headers: content-type"), std::string::npos);
  const CurlResult put =
      Curl({"-i", "-H", "Origin: http://page.example", "-T", Write("cors.txt", "c").string(), Url("PUT", "cors.txt")});
  EXPECT_NE(put.body.find("Access-Control-Expose-Headers: ETag"), std::string::npos) << put.body;
}

TEST_F(StoragePresign, HostileKeysRoundTripAndNothingEscapes) {
  const std::vector<std::string> keys = {"../../../escape.txt", "a/../../b",       "//double//slash",
                                         "%2F..%2Fpct",         "with space .txt", "ünïcødé/ファイル.mp4",
                                         "a/./b/../c",          "a+b=c&d?e#f"};
  for (const std::string& key : keys) {
    const fs::path f = Write("hostile.bin", "content of " + key);
    const CurlResult r = Put(Url("PUT", key), f);
    ASSERT_EQ(r.status, 200) << key << ": " << r.body << r.err;
  }
  for (const std::string& key : keys) {
    const CurlResult r = Get(Url("GET", key));
    EXPECT_EQ(r.status, 200) << key;
    EXPECT_EQ(r.body, "content of " + key);
  }
  // Everything the server wrote is inside its data directory's s3/ folder.
  const fs::path data = server_->data_dir();
  for (const fs::path& p : FilesUnder(dir_->path())) {
    const std::string s = p.string();
    EXPECT_TRUE(s.starts_with((data / "s3").string() + "/") || s.starts_with(data.string() + "/secrets") ||
                p.parent_path() == dir_->path())
        << "unexpected file " << s;
  }
  EXPECT_FALSE(fs::exists(dir_->path() / "escape.txt"));
  EXPECT_FALSE(fs::exists(data / "escape.txt"));
}

TEST_F(StoragePresign, BodyNotMatchingItsSignedHashIsRefused) {
  // curl signs the x-amz-content-sha256 it is given; the body is something else.
  const std::string wrong(64, 'a');
  const CurlResult r =
      Curl({"--aws-sigv4", "aws:amz:us-east-1:s3", "--user",
            std::string(kS3AccessKey) + ":" + std::string(kS3SecretKey), "-H", "x-amz-content-sha256: " + wrong, "-T",
            Write("mismatch.txt", "real body").string(), server_->endpoint() + "/tcoder-input/mismatch.txt"});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("<Code>XAmzContentSHA256Mismatch</Code>"), std::string::npos) << r.body;
  EXPECT_EQ(StatusOf("mismatch.txt"), 404);
  EXPECT_TRUE(FilesUnder(server_->data_dir() / "s3" / "tmp").empty());
}

}  // namespace
}  // namespace tcoder::testing
