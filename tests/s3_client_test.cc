// The S3 client and presigned URLs against the real built-in server
// (`tcoder storage`), with a private redis-server, and curl for the URLs.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "common/crypto.h"
#include "common/file_util.h"
#include "common/process.h"
#include "common/temp_dir.h"
#include "storage/s3_client.h"
#include "support/redis_server.h"
#include "support/test_env.h"

namespace tcoder {
namespace {

using std::chrono::seconds;
using storage::S3Client;

constexpr std::string_view kAccessKey = "s3clienttestkey";
constexpr std::string_view kSecretKey = "s3clienttestsecret/+=";
constexpr std::string_view kBucket = "s3client-test";

class S3ClientIntegration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = TempDir::Create("s3client-it");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(redis).value();
    port_ = testing::FreePort();
    ProcessSpec spec;
    spec.argv = {testing::TcoderBinary().string(),
                 "storage",
                 "--port",
                 std::to_string(port_),
                 "--data-dir",
                 (dir_->path() / "data").string(),
                 "--redis-url",
                 redis_->url(),
                 "--s3-access-key",
                 std::string(kAccessKey),
                 "--s3-secret-key",
                 std::string(kSecretKey)};
    spec.stdout_mode = StdStream::kNull;
    spec.stderr_mode = StdStream::kInherit;
    auto server = Subprocess::Spawn(spec);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::make_unique<Subprocess>(std::move(server).value());
    ASSERT_TRUE(testing::WaitForPort(port_, std::chrono::seconds(30))) << "tcoder storage did not start";
  }
  static void TearDownTestSuite() {
    if (server_) server_->Terminate(std::chrono::seconds(5));
    server_.reset();
    redis_.reset();
    dir_.reset();
  }

  void SetUp() override {
    client_ = NewClient(std::string(kSecretKey));
    ASSERT_TRUE(client_->CreateBucket(kBucket).ok());
  }

  static std::unique_ptr<S3Client> NewClient(const std::string& secret, std::uint64_t threshold = 64ull << 20) {
    storage::S3ClientConfig c;
    c.endpoint = Endpoint();
    c.credentials = {std::string(kAccessKey), secret, ""};
    c.multipart_threshold = threshold;
    c.part_size = std::min<std::uint64_t>(threshold, 16ull << 20);
    c.max_attempts = 2;
    c.backoff_base = std::chrono::milliseconds(10);
    auto client = S3Client::Create(c);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(client).value();
  }
  static std::string Endpoint() { return "http://127.0.0.1:" + std::to_string(port_); }
  static std::filesystem::path Path(const std::string& name) { return dir_->path() / name; }

  // Runs curl; returns the HTTP status it printed.
  static std::string Curl(std::vector<std::string> args, const std::string& out = "/dev/null") {
    ProcessSpec spec;
    spec.argv = {"curl", "-sS", "-o", out, "-w", "%{http_code}"};
    for (auto& a : args) spec.argv.push_back(std::move(a));
    RunOptions o;
    o.deadline = std::chrono::seconds(60);
    auto r = RunProcess(spec, o);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->out : "";
  }

  static std::unique_ptr<TempDir> dir_;
  static std::unique_ptr<testing::RedisServer> redis_;
  static std::unique_ptr<Subprocess> server_;
  static int port_;
  std::unique_ptr<S3Client> client_;
};

std::unique_ptr<TempDir> S3ClientIntegration::dir_;
std::unique_ptr<testing::RedisServer> S3ClientIntegration::redis_;
std::unique_ptr<Subprocess> S3ClientIntegration::server_;
int S3ClientIntegration::port_ = 0;

TEST_F(S3ClientIntegration, BucketsExistOrNot) {
  EXPECT_TRUE(client_->HeadBucket(kBucket).ok());
  EXPECT_TRUE(client_->CreateBucket(kBucket).ok());  // already ours: fine
  EXPECT_EQ(client_->HeadBucket("no-such-bucket-here").code(), Code::kNotFound);
}

TEST_F(S3ClientIntegration, HostileKeysRoundTripExactly) {
  const std::vector<std::string> keys = {
      "plain.txt", "a b",    "x/../y",     "x/./y",  "//double//slash", "100%",    "%41", "\xC3\xBC/\xC3\xB1",
      "+plus",     "tilde~", "semi;colon", "q?mark", "hash#frag",       "a=b&c=d", "..",  "trailing/"};
  for (const std::string& key : keys) {
    SCOPED_TRACE(key);
    const std::string body = "body of " + key;
    ASSERT_TRUE(client_->PutObjectFromString(kBucket, "keys/" + key, body).ok());
    auto got = client_->GetObjectToString(kBucket, "keys/" + key);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, body);
    auto head = client_->HeadObject(kBucket, "keys/" + key);
    ASSERT_TRUE(head.ok()) << head.status().ToString();
    EXPECT_EQ(head->size, body.size());
  }
  auto listed = client_->ListAll(kBucket, "keys/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::set<std::string> names;
  for (const auto& o : *listed) names.insert(o.key.substr(5));
  EXPECT_EQ(names, std::set<std::string>(keys.begin(), keys.end()));
  for (const std::string& key : keys) {
    EXPECT_TRUE(client_->DeleteObject(kBucket, "keys/" + key).ok()) << key;
    EXPECT_EQ(client_->HeadObject(kBucket, "keys/" + key).status().code(), Code::kNotFound) << key;
  }
}

TEST_F(S3ClientIntegration, MissingObjectsAreNotFoundAndTouchNothing) {
  ASSERT_TRUE(WriteFileAtomic(Path("keep.bin"), "keep").ok());
  EXPECT_EQ(client_->GetObject(kBucket, "missing", Path("keep.bin")).status().code(), Code::kNotFound);
  EXPECT_EQ(ReadFile(Path("keep.bin")).ok() ? *ReadFile(Path("keep.bin")) : "", "keep");
  EXPECT_EQ(client_->GetObjectToString(kBucket, "missing").status().code(), Code::kNotFound);
  EXPECT_TRUE(client_->DeleteObject(kBucket, "missing").ok());
}

TEST_F(S3ClientIntegration, RangesFilesAndCopies) {
  ASSERT_TRUE(client_->PutObjectFromString(kBucket, "r.txt", "0123456789", {"text/plain"}).ok());
  EXPECT_EQ(*client_->GetObjectToString(kBucket, "r.txt", storage::ByteRange{2, 4}), "234");
  EXPECT_EQ(*client_->GetObjectToString(kBucket, "r.txt", storage::ByteRange{7, std::nullopt}), "789");
  EXPECT_EQ(client_->HeadObject(kBucket, "r.txt")->content_type, "text/plain");

  const std::string data = crypto::RandomBytes(300000);
  ASSERT_TRUE(WriteFileAtomic(Path("up.bin"), data).ok());
  ASSERT_TRUE(client_->PutObject(kBucket, "dir/up.bin", Path("up.bin")).ok());
  auto n = client_->GetObject(kBucket, "dir/up.bin", Path("down.bin"));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, data.size());
  EXPECT_EQ(*ReadFile(Path("down.bin")), data);

  auto etag = client_->CopyObject(kBucket, "dir/up.bin", kBucket, "copy of up.bin");
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_EQ(*client_->GetObjectToString(kBucket, "copy of up.bin", std::nullopt, 1 << 20), data);
}

TEST_F(S3ClientIntegration, MultipartUploadOfALargeFile) {
  auto client = NewClient(std::string(kSecretKey), 5ull << 20);
  const std::string data = crypto::RandomBytes((12u << 20) + 7);
  ASSERT_TRUE(WriteFileAtomic(Path("big.bin"), data).ok());
  auto etag = client->PutObject(kBucket, "big.bin", Path("big.bin"));
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_NE(etag->find("-3"), std::string::npos) << *etag;  // MD5 of part MD5s, 3 parts
  auto head = client->HeadObject(kBucket, "big.bin");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, data.size());
  ASSERT_TRUE(client->GetObject(kBucket, "big.bin", Path("big.out")).ok());
  EXPECT_EQ(*ReadFile(Path("big.out")), data);
}

TEST_F(S3ClientIntegration, AbortedMultipartLeavesNoObject) {
  ASSERT_TRUE(WriteFileAtomic(Path("part.bin"), std::string(1000, 'p')).ok());
  auto id = client_->CreateMultipartUpload(kBucket, "aborted");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto part = client_->UploadPart(kBucket, "aborted", *id, 1, Path("part.bin"), 0, 1000);
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  ASSERT_TRUE(client_->AbortMultipartUpload(kBucket, "aborted", *id).ok());
  EXPECT_FALSE(client_->CompleteMultipartUpload(kBucket, "aborted", *id, {{1, *part}}).ok());
  EXPECT_EQ(client_->HeadObject(kBucket, "aborted").status().code(), Code::kNotFound);
}

TEST_F(S3ClientIntegration, ListingPagesAndPrefixes) {
  for (const char* k : {"l/a", "l/b", "l/c/1", "l/c/2", "l/d"}) {
    ASSERT_TRUE(client_->PutObjectFromString(kBucket, k, "x").ok());
  }
  storage::ListOptions o;
  o.prefix = "l/";
  o.max_keys = 2;
  auto first = client_->ListObjectsV2(kBucket, o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->objects.size(), 2u);
  EXPECT_TRUE(first->truncated);
  auto all = client_->ListAll(kBucket, "l/");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);
  o.max_keys = 1000;
  o.delimiter = "/";
  auto grouped = client_->ListObjectsV2(kBucket, o);
  ASSERT_TRUE(grouped.ok());
  EXPECT_EQ(grouped->objects.size(), 3u);
  EXPECT_EQ(grouped->common_prefixes, std::vector<std::string>{"l/c/"});
}

TEST_F(S3ClientIntegration, WrongSecretIsPermissionDenied) {
  auto bad = NewClient("not-the-secret");
  EXPECT_EQ(bad->PutObjectFromString(kBucket, "denied", "x").status().code(), Code::kPermissionDenied);
  EXPECT_EQ(client_->HeadObject(kBucket, "denied").status().code(), Code::kNotFound);
}

TEST_F(S3ClientIntegration, PresignedUrlsWorkWithCurlAndRefuseMisuse) {
  const std::string data = crypto::RandomBytes(100000);
  ASSERT_TRUE(WriteFileAtomic(Path("presigned.bin"), data).ok());
  auto put = client_->PresignedUrl("PUT", kBucket, "pre/up load.bin", seconds(300));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(Curl({"-X", "PUT", "--upload-file", Path("presigned.bin").string(), *put}), "200");
  auto get = client_->PresignedUrl("GET", kBucket, "pre/up load.bin", seconds(300));
  ASSERT_TRUE(get.ok());
  ASSERT_EQ(Curl({*get}, Path("presigned.out").string()), "200");
  auto got = ReadFile(Path("presigned.out"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, data);

  // The PUT URL used for another key, or as a GET: refused, nothing written.
  std::string other = *put;
  other.replace(other.find("up%20load"), 9, "elsewhere");
  EXPECT_EQ(Curl({"-X", "PUT", "--upload-file", Path("presigned.bin").string(), other}), "403");
  EXPECT_EQ(client_->HeadObject(kBucket, "pre/elsewhere.bin").status().code(), Code::kNotFound);
  EXPECT_EQ(Curl({*put}), "403");

  // An expired URL.
  storage::PresignOptions o;
  o.endpoint = Endpoint();
  o.bucket = std::string(kBucket);
  o.key = "pre/expired";
  o.method = "PUT";
  o.expires = seconds(60);
  o.credentials = {std::string(kAccessKey), std::string(kSecretKey), ""};
  o.now = std::chrono::system_clock::now() - std::chrono::minutes(10);
  auto expired = storage::PresignUrl(o);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(Curl({"-X", "PUT", "--upload-file", Path("presigned.bin").string(), *expired}), "403");
  EXPECT_EQ(client_->HeadObject(kBucket, "pre/expired").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace tcoder
