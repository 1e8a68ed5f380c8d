// SigV4 verification: the S3 examples from the AWS documentation, round trips
// with our own signer, and hostile input.
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "storage/sigv4.h"

namespace tcoder::storage::sigv4 {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::system_clock;

constexpr std::string_view kAk = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

Clock::time_point At(std::string_view amz_date) {
  auto t = ParseAmzDate(amz_date);
  EXPECT_TRUE(t.has_value()) << amz_date;
  return t.value_or(Clock::time_point{});
}

SecretLookup Lookup() {
  return [](std::string_view ak) -> std::optional<std::string> {
    if (ak == kAk) return std::string(kSecret);
    return std::nullopt;
  };
}

// GET /test.txt with a Range header (AWS S3 SigV4 documentation example).
Request DocsGetObject() {
  Request r{"GET", "/test.txt", "", {}};
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Range", "bytes=0-9"},
               {"x-amz-content-sha256", std::string(kEmptySha256)},
               {"x-amz-date", "20130524T000000Z"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"}};
  return r;
}

// The presigned GET from the same documentation (X-Amz-Expires=86400).
Request DocsPresigned() {
  return Request{"GET",
                 "/test.txt",
                 "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%"
                 "2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-"
                 "Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
                 {{"Host", "examplebucket.s3.amazonaws.com"}}};
}

std::string CodeOf(const Result<Verified>& r) { return r.ok() ? "OK" : S3ErrorCode(r.status()); }

TEST(Sigv4Verify, AcceptsTheDocumentedGetObject) {
  auto v = Verify(DocsGetObject(), Lookup(), At("20130524T000100Z"), "us-east-1");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->access_key, kAk);
  EXPECT_EQ(v->payload_hash, kEmptySha256);
  EXPECT_EQ(v->scope, "20130524/us-east-1/s3/aws4_request");
  EXPECT_FALSE(v->presigned);
}

TEST(Sigv4Verify, RefusesATamperedRequest) {
  Request r = DocsGetObject();
  r.headers[1].second = "bytes=0-10";
  EXPECT_EQ(CodeOf(Verify(r, Lookup(), At("20130524T000100Z"), "us-east-1")), "SignatureDoesNotMatch");
  r = DocsGetObject();
  r.raw_path = "/test2.txt";
  EXPECT_EQ(CodeOf(Verify(r, Lookup(), At("20130524T000100Z"), "us-east-1")), "SignatureDoesNotMatch");
}

TEST(Sigv4Verify, RefusesUnknownKeysSkewAndWrongRegion) {
  auto other = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_EQ(CodeOf(Verify(DocsGetObject(), other, At("20130524T000100Z"), "us-east-1")), "InvalidAccessKeyId");
  EXPECT_EQ(CodeOf(Verify(DocsGetObject(), Lookup(), At("20130524T001600Z"), "us-east-1")), "RequestTimeTooSkewed");
  EXPECT_EQ(CodeOf(Verify(DocsGetObject(), Lookup(), At("20130523T234400Z"), "us-east-1")), "RequestTimeTooSkewed");
  auto wrong = Verify(DocsGetObject(), Lookup(), At("20130524T000100Z"), "eu-west-1");
  EXPECT_EQ(CodeOf(wrong), "AuthorizationHeaderMalformed");
  EXPECT_EQ(wrong.status().code(), Code::kInvalidArgument);
}

TEST(Sigv4Verify, AcceptsTheDocumentedPresignedUrlUntilItExpires) {
  auto v = Verify(DocsPresigned(), Lookup(), At("20130524T120000Z"), "us-east-1");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->presigned);
  EXPECT_EQ(v->payload_hash, kUnsignedPayload);
  auto expired = Verify(DocsPresigned(), Lookup(), At("20130525T000001Z"), "us-east-1");
  EXPECT_EQ(CodeOf(expired), "AccessDenied");
  EXPECT_NE(expired.status().message().find("Request has expired"), std::string::npos);
  EXPECT_EQ(expired.status().code(), Code::kPermissionDenied);
}

TEST(Sigv4Verify, RefusesAPresignedUrlUsedOnAnotherObjectOrMethod) {
  Request r = DocsPresigned();
  r.raw_path = "/other.txt";
  EXPECT_EQ(CodeOf(Verify(r, Lookup(), At("20130524T120000Z"), "us-east-1")), "SignatureDoesNotMatch");
  r = DocsPresigned();
  r.method = "PUT";
  EXPECT_EQ(CodeOf(Verify(r, Lookup(), At("20130524T120000Z"), "us-east-1")), "SignatureDoesNotMatch");
  r = DocsPresigned();
  r.headers[0].second = "otherbucket.s3.amazonaws.com";
  EXPECT_EQ(CodeOf(Verify(r, Lookup(), At("20130524T120000Z"), "us-east-1")), "SignatureDoesNotMatch");
  r = DocsPresigned();
  r.raw_query.replace(r.raw_query.find("Expires=86400"), 13, "Expires=86401");
  EXPECT_EQ(CodeOf(Verify(r, Lookup(), At("20130524T120000Z"), "us-east-1")), "SignatureDoesNotMatch");
}

// The aws-chunked upload example: seed signature, then 64 KiB, 1 KiB and the final empty chunk.
TEST(Sigv4Verify, ChunkChainMatchesTheDocumentedStreamingUpload) {
  Request r{"PUT", "/examplebucket/chunkObject.txt", "", {}};
  r.headers = {{"Host", "s3.amazonaws.com"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {"Content-Encoding", "aws-chunked"},
               {"x-amz-decoded-content-length", "66560"},
               {"x-amz-content-sha256", std::string(kStreamingPayload)},
               {"Content-Length", "66824"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-"
                "content-length;x-amz-storage-class,"
                "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"}};
  auto v = Verify(r, Lookup(), At("20130524T000000Z"), "us-east-1");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->payload_hash, kStreamingPayload);
  ChunkChain chain(v->signing_key, v->amz_date, v->scope, v->seed_signature);
  const std::string c1 = crypto::Hex(crypto::Sha256(std::string(65536, 'a')));
  EXPECT_FALSE(chain.Next(c1, "0000000000000000000000000000000000000000000000000000000000000000"));
  EXPECT_TRUE(chain.Next(c1, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"));
  EXPECT_TRUE(chain.Next(crypto::Hex(crypto::Sha256(std::string(1024, 'a'))),
                         "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"));
  EXPECT_TRUE(chain.Next(kEmptySha256, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"));
}

TEST(Sigv4Verify, RoundTripsOurOwnSigningBothForms) {
  SigningParams p{{std::string(kAk), std::string(kSecret), ""}, "us-east-1", "s3", At("20260101T000000Z")};
  Request put{"PUT", "/tcoder-input/" + UriEncode("a b/../%ü//x", false), "", {{"Host", "127.0.0.1:9000"}}};
  ASSERT_TRUE(SignRequest(put, p, kUnsignedPayload).ok());
  auto v = Verify(put, Lookup(), p.now + seconds(5), "us-east-1");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->payload_hash, kUnsignedPayload);

  Request get{"GET", "/tcoder-input/k", "", {{"Host", "127.0.0.1:9000"}, {"Content-Type", "video/mp4"}}};
  ASSERT_TRUE(Presign(get, p, seconds(60)).ok());
  EXPECT_TRUE(Verify(get, Lookup(), p.now + seconds(60), "us-east-1").ok());
  EXPECT_EQ(CodeOf(Verify(get, Lookup(), p.now + seconds(61), "us-east-1")), "AccessDenied");
  get.headers[1].second = "text/html";  // the bound content type was changed
  EXPECT_EQ(CodeOf(Verify(get, Lookup(), p.now + seconds(1), "us-east-1")), "SignatureDoesNotMatch");
}

TEST(Sigv4Verify, PresignRefusesBadExpiry) {
  SigningParams p{{std::string(kAk), std::string(kSecret), ""}, "us-east-1", "s3", At("20260101T000000Z")};
  Request r{"GET", "/b/k", "", {{"Host", "h"}}};
  EXPECT_FALSE(Presign(r, p, seconds(0)).ok());
  EXPECT_FALSE(Presign(r, p, seconds(604801)).ok());
  EXPECT_TRUE(Presign(r, p, seconds(604800)).ok());
  Request no_host{"GET", "/b/k", "", {}};
  EXPECT_FALSE(Presign(no_host, p, seconds(60)).ok());
}

TEST(Sigv4Verify, AnonymousAndMixedFormsAreRefused) {
  Request anon{"GET", "/b/k", "", {{"Host", "h"}}};
  EXPECT_EQ(CodeOf(Verify(anon, Lookup(), Clock::now(), "us-east-1")), "AccessDenied");
  Request both = DocsPresigned();
  both.headers.emplace_back("Authorization", DocsGetObject().headers.back().second);
  EXPECT_EQ(CodeOf(Verify(both, Lookup(), At("20130524T000100Z"), "us-east-1")), "InvalidArgument");
}

// Each mutation of the documented request must give a clean error, never a crash.
TEST(Sigv4Verify, HostileAuthorizationHeadersGiveCleanErrors) {
  const std::string good = DocsGetObject().headers.back().second;
  const std::vector<std::string> bad = {
      "",
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256 ",
      "AWS4-HMAC-SHA1 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00",
      good.substr(0, good.size() / 2),
      good.substr(0, good.size() - 1),
      good + ", Signature=" + std::string(64, '0'),
      good + ",",
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=,Signature=" +
          std::string(64, '0'),
      "AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" +
          std::string(64, '0'),
      "AWS4-HMAC-SHA256 Credential=AK/2013/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" +
          std::string(64, '0'),
      "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request/x,SignedHeaders=host,Signature=" +
          std::string(64, '0'),
      "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/ec2/aws4_request,SignedHeaders=host,Signature=" +
          std::string(64, '0'),
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=x-amz-date;"
      "host,Signature=" +
          std::string(64, '0'),
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;host,"
      "Signature=" +
          std::string(64, '0'),
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=x-amz-date,"
      "Signature=" +
          std::string(64, '0'),
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=HOST,"
      "Signature=" +
          std::string(64, '0'),
      good.substr(0, good.size() - 64) + std::string(64, 'G'),
      good.substr(0, good.size() - 64) + std::string(100000, 'a'),
      "AWS4-HMAC-SHA256 " + std::string(100000, ','),
      "AWS4-HMAC-SHA256 Credential=" + std::string(100000, '/') + ",SignedHeaders=host,Signature=x",
      std::string("AWS4-HMAC-SHA256 Credential=\0/20130524/us-east-1/s3/aws4_request", 60),
      "AWS4-HMAC-SHA256 Credential=AK/2013\xff\x80"
      "24/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" +
          std::string(64, '0'),
  };
  for (const std::string& auth : bad) {
    Request r = DocsGetObject();
    r.headers.back().second = auth;
    auto v = Verify(r, Lookup(), At("20130524T000100Z"), "us-east-1");
    EXPECT_FALSE(v.ok()) << auth.substr(0, 200);
    EXPECT_FALSE(S3ErrorCode(v.status()).empty());
  }
}

TEST(Sigv4Verify, HostileHeadersAroundAGoodSignature) {
  auto at = At("20130524T000100Z");
  Request r = DocsGetObject();
  r.headers.push_back(r.headers.back());  // two Authorization headers
  EXPECT_EQ(CodeOf(Verify(r, Lookup(), at, "us-east-1")), "AuthorizationHeaderMalformed");
  r = DocsGetObject();
  r.headers.emplace_back("X-Amz-Date", "20130524T000000Z");  // a second date
  EXPECT_FALSE(Verify(r, Lookup(), at, "us-east-1").ok());
  r = DocsGetObject();
  r.headers.emplace_back("x-amz-meta-evil", "1");  // an unsigned x-amz-* header
  EXPECT_EQ(CodeOf(Verify(r, Lookup(), at, "us-east-1")), "AccessDenied");
  r = DocsGetObject();
  r.headers[2].second = "not-a-hash";
  EXPECT_FALSE(Verify(r, Lookup(), at, "us-east-1").ok());
  r = DocsGetObject();
  r.headers[3].second = "20130524T000000";  // truncated date
  EXPECT_FALSE(Verify(r, Lookup(), at, "us-east-1").ok());
  r = DocsGetObject();
  r.headers[3].second = "20131324T000000Z";  // month 13
  EXPECT_FALSE(Verify(r, Lookup(), at, "us-east-1").ok());
  r = DocsGetObject();
  r.headers.erase(r.headers.begin() + 1);  // a signed header is gone
  EXPECT_EQ(CodeOf(Verify(r, Lookup(), at, "us-east-1")), "SignatureDoesNotMatch");
}

TEST(Sigv4Verify, HostilePresignedQueriesGiveCleanErrors) {
  const std::string good = DocsPresigned().raw_query;
  const std::vector<std::string> bad = {
      "X-Amz-Signature=",
      "X-Amz-Credential",
      good + "&X-Amz-Expires=1",
      good + "&X-Amz-Signature=" + std::string(64, '0'),
      good.substr(0, good.size() - 10),
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&" + good,
      std::string(good).replace(good.find("86400"), 5, "604801"),
      std::string(good).replace(good.find("86400"), 5, "0"),
      std::string(good).replace(good.find("86400"), 5, "-1"),
      std::string(good).replace(good.find("86400"), 5, "99999999999999999999999"),
      std::string(good).replace(good.find("86400"), 5, ""),
      std::string(good).replace(good.find("SignedHeaders=host"), 18, "SignedHeaders=range"),
      std::string(good).replace(good.find("20130524T000000Z"), 16, "2013-05-24"),
      std::string(good).replace(good.find("AWS4-HMAC-SHA256"), 16, "AWS4-HMAC-SHA512"),
      "X-Amz-Credential=%ZZ%&X-Amz-Signature=%",
  };
  for (const std::string& q : bad) {
    Request r = DocsPresigned();
    r.raw_query = q;
    auto v = Verify(r, Lookup(), At("20130524T120000Z"), "us-east-1");
    EXPECT_FALSE(v.ok()) << q.substr(0, 200);
  }
  Request flood = DocsPresigned();  // empty parameters are not part of the canonical query
  flood.raw_query += std::string(100000, '&');
  EXPECT_TRUE(Verify(flood, Lookup(), At("20130524T120000Z"), "us-east-1").ok());
}

TEST(Sigv4Helpers, EncodeDecodeAndDates) {
  EXPECT_EQ(UriEncode("a b/c~%ü", false), "a%20b/c~%25%C3%BC");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(UriDecode("a%20b%2fc%zz%4"), "a b/c%zz%4");
  EXPECT_EQ(UriDecode("%"), "%");
  EXPECT_EQ(AmzDate(At("20150830T123600Z")), "20150830T123600Z");
  EXPECT_FALSE(ParseAmzDate("20150830T123600").has_value());
  EXPECT_FALSE(ParseAmzDate("2015083OT123600Z").has_value());
  EXPECT_FALSE(ParseAmzDate("20150230T123600Z").has_value());  // 30 February
  EXPECT_EQ(CanonicalQuery("b=2&a=&c&X-Amz-Signature=x&a=1"), "a=&a=1&b=2&c=");
  EXPECT_EQ(S3ErrorCode(Status(Code::kPermissionDenied, "SignatureDoesNotMatch: no")), "SignatureDoesNotMatch");
  EXPECT_EQ(S3ErrorCode(Status(Code::kPermissionDenied, "odd message")), "AccessDenied");
}

}  // namespace
}  // namespace tcoder::storage::sigv4
