// S3Client against a fake transport: signing, retries, error mapping,
// multipart, downloads; plus the S3 XML parsers and presigned URLs.
#include "storage/s3_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/file_util.h"
#include "common/temp_dir.h"
#include "http/fake_transport.h"
#include "storage/presign.h"

namespace tcoder::storage {
namespace {

using std::chrono::seconds;

const sigv4::Credentials kCreds{"AKTEST", "secret/KEY+1", ""};

http::HttpResponse Reply(long status, std::string body = "", http::HttpHeaders headers = {}) {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string ErrorXml(std::string_view code) {
  return "<?xml version=\"1.0\"?><Error><Code>" + std::string(code) + "</Code><Message>why</Message></Error>";
}

// An S3Client whose requests a fake transport answers with `handler`.
struct Harness {
  http::FakeTransport* fake = nullptr;
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<S3Client> client;

  explicit Harness(http::FakeTransport::Handler handler, S3ClientConfig config = {}) {
    if (config.endpoint.empty()) config.endpoint = "http://127.0.0.1:9000";
    config.credentials = kCreds;
    auto transport = std::make_unique<http::FakeTransport>();
    transport->SetHandler(std::move(handler));
    fake = transport.get();
    auto c = S3Client::Create(config, std::move(transport));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    client = std::move(c).value();
    client->SetSleepForTesting([this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
  // Every request sent so far.
  std::vector<http::HttpRequest> log() const {
    std::vector<http::HttpRequest> out;
    for (const auto& sent : fake->requests()) out.push_back(sent.request);
    return out;
  }
};

// The request as the server sees it, for sigv4::Verify.
sigv4::Request AsServerSees(const http::HttpRequest& req) {
  std::string rest = req.url.substr(req.url.find("://") + 3);
  std::string target = rest.substr(rest.find('/'));
  std::size_t q = target.find('?');
  sigv4::Request r{req.method, target.substr(0, q), q == std::string::npos ? "" : target.substr(q + 1), req.headers};
  return r;
}

Status VerifySigned(const http::HttpRequest& req) {
  auto lookup = [](std::string_view ak) -> std::optional<std::string> {
    if (ak == kCreds.access_key) return kCreds.secret_key;
    return std::nullopt;
  };
  return sigv4::Verify(AsServerSees(req), lookup, std::chrono::system_clock::now(), "us-east-1").status();
}

TEST(S3ClientErrors, MapsHttpAndS3CodesToStatus) {
  EXPECT_EQ(StatusFromS3Error("GET b/k", 404, ErrorXml("NoSuchKey")).code(), Code::kNotFound);
  EXPECT_EQ(StatusFromS3Error("HEAD b/k", 404, "").code(), Code::kNotFound);
  EXPECT_EQ(StatusFromS3Error("GET b/k", 403, ErrorXml("AccessDenied")).code(), Code::kPermissionDenied);
  EXPECT_EQ(StatusFromS3Error("PUT b", 409, ErrorXml("BucketAlreadyExists")).code(), Code::kConflict);
  EXPECT_EQ(StatusFromS3Error("PUT b/k", 400, ErrorXml("EntityTooLarge")).code(), Code::kTooLarge);
  EXPECT_EQ(StatusFromS3Error("PUT b/k", 503, ErrorXml("SlowDown")).code(), Code::kUnavailable);
  EXPECT_EQ(StatusFromS3Error("PUT b/k", 500, "<html>proxy</html>").code(), Code::kUnavailable);
  EXPECT_EQ(StatusFromS3Error("PUT b/k", 400, ErrorXml("InvalidArgument")).code(), Code::kInvalidArgument);
  Status s = StatusFromS3Error("GET b/k", 404, ErrorXml("NoSuchKey"));
  EXPECT_NE(s.message().find("GET b/k: HTTP 404 NoSuchKey: why"), std::string::npos) << s.message();
}

TEST(S3Xml, ParsesListPagesAndRefusesBadOnes) {
  auto page = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t2</NextContinuationToken>"
      "<Contents><Key>a &amp; b</Key><Size>12</Size><ETag>\"e1\"</ETag></Contents>"
      "<Contents><Key>c</Key><Size>0</Size></Contents>"
      "<CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "a & b");
  EXPECT_EQ(page->objects[0].size, 12u);
  EXPECT_EQ(page->objects[0].etag, "\"e1\"");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "t2");
  EXPECT_EQ(page->common_prefixes, std::vector<std::string>{"d/"});

  auto encoded = ParseListObjectsV2(
      "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%20b%2F%C3%BC</Key><Size>1</Size>"
      "</Contents></ListBucketResult>");
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(encoded->objects[0].key, "a b/\xC3\xBC");

  EXPECT_FALSE(ParseListObjectsV2("").ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>x</Key>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<Other/>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>x</Key><Size>-1</Size></Contents>"
                                  "</ListBucketResult>")
                   .ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>").ok());
}

TEST(S3Xml, NeverExpandsDeclaredEntities) {
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">"
      "<!ENTITY ext SYSTEM \"file:///etc/passwd\">]><Error><Code>&lol2;&ext;</Code><Message>m</Message></Error>";
  S3Error err = ParseError(laughs);
  EXPECT_EQ(err.code.find("lollol"), std::string::npos);
  EXPECT_EQ(err.code.find("root:"), std::string::npos);
}

TEST(S3Xml, UploadIdCompleteAndErrorsInside200) {
  auto id = ParseUploadId("<InitiateMultipartUploadResult><UploadId>u-1</UploadId></InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "u-1");
  EXPECT_FALSE(ParseUploadId("<InitiateMultipartUploadResult/>").ok());
  auto etag = ParseResultETag("<CopyObjectResult><ETag>\"x\"</ETag></CopyObjectResult>", "CopyObjectResult");
  ASSERT_TRUE(etag.ok());
  EXPECT_EQ(*etag, "\"x\"");
  auto failed = ParseResultETag(ErrorXml("InternalError"), "CompleteMultipartUploadResult");
  EXPECT_EQ(failed.status().code(), Code::kUnavailable);
  EXPECT_EQ(CompleteMultipartBody({{1, "\"a\""}, {2, "\"b\""}}),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1"
            "</PartNumber><ETag>&quot;a&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;"
            "</ETag></Part></CompleteMultipartUpload>");
}

TEST(S3Presign, EndpointsAndLocations) {
  auto ep = ParseEndpoint("http://127.0.0.1:9000/");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "127.0.0.1:9000");
  EXPECT_EQ(ep->base_path, "");
  EXPECT_EQ(ParseEndpoint("https://s3.example.com:443/base")->host, "s3.example.com");
  EXPECT_EQ(ParseEndpoint("https://s3.example.com:443/base")->base_path, "/base");
  EXPECT_FALSE(ParseEndpoint("ftp://x").ok());
  EXPECT_FALSE(ParseEndpoint("http://").ok());
  EXPECT_FALSE(ParseEndpoint("http://a b").ok());
  EXPECT_FALSE(ParseEndpoint("http://h/?q").ok());
  EXPECT_FALSE(ParseEndpoint("127.0.0.1:9000").ok());

  ObjectLocation path = Locate(*ep, "tcoder-input", "a b/../%\xC3\xBC//x", true);
  EXPECT_EQ(path.raw_path, "/tcoder-input/a%20b/../%25%C3%BC//x");
  EXPECT_EQ(path.host, "127.0.0.1:9000");
  ObjectLocation vhost = Locate(*ep, "tcoder-input", "k", false);
  EXPECT_EQ(vhost.host, "tcoder-input.127.0.0.1:9000");
  EXPECT_EQ(vhost.raw_path, "/k");
  EXPECT_EQ(Locate(*ep, "tcoder-input", "", true).raw_path, "/tcoder-input");
  EXPECT_EQ(Locate(*ep, "tcoder-input", "", false).raw_path, "/");
}

TEST(S3Presign, UrlVerifiesAndRefusesBadInput) {
  PresignOptions o;
  o.endpoint = "http://127.0.0.1:9000";
  o.bucket = "tcoder-input";
  o.key = "uploads/job 1/in.mp4";
  o.method = "PUT";
  o.expires = seconds(3600);
  o.credentials = kCreds;
  o.now = std::chrono::system_clock::now();
  o.signed_headers = {{"Content-Type", "video/mp4"}};
  auto url = PresignUrl(o);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->rfind("http://127.0.0.1:9000/tcoder-input/uploads/job%201/in.mp4?X-Amz-Algorithm=", 0), 0u) << *url;
  http::HttpRequest as_sent{"PUT", *url, {{"Host", "127.0.0.1:9000"}, {"Content-Type", "video/mp4"}}};
  EXPECT_TRUE(VerifySigned(as_sent).ok()) << VerifySigned(as_sent).ToString();
  as_sent.headers[1].second = "text/html";
  EXPECT_FALSE(VerifySigned(as_sent).ok());

  PresignOptions bad = o;
  bad.expires = seconds(604801);
  EXPECT_FALSE(PresignUrl(bad).ok());
  bad = o;
  bad.key = "";
  EXPECT_FALSE(PresignUrl(bad).ok());
  bad = o;
  bad.bucket = "Bad_Bucket";
  EXPECT_FALSE(PresignUrl(bad).ok());
  bad = o;
  bad.method = "POST";
  EXPECT_FALSE(PresignUrl(bad).ok());
}

TEST(S3Presign, QueryParametersAreCarriedAndBound) {
  PresignOptions o;
  o.endpoint = "http://127.0.0.1:9000";
  o.bucket = "tcoder-input";
  o.key = "uploads/j/in.mp4";
  o.method = "PUT";
  o.credentials = kCreds;
  o.now = std::chrono::system_clock::now();
  o.query = {{"partNumber", "3"}, {"uploadId", "a/b+c"}};
  auto url = PresignUrl(o);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_NE(url->find("?partNumber=3&uploadId=a%2Fb%2Bc&X-Amz-Algorithm="), std::string::npos) << *url;
  http::HttpRequest as_sent{"PUT", *url, {{"Host", "127.0.0.1:9000"}}};
  EXPECT_TRUE(VerifySigned(as_sent).ok()) << VerifySigned(as_sent).ToString();
  std::string other = *url;
  other.replace(other.find("partNumber=3"), 12, "partNumber=4");
  http::HttpRequest moved{"PUT", other, {{"Host", "127.0.0.1:9000"}}};
  EXPECT_FALSE(VerifySigned(moved).ok());
}

TEST(S3Client, EveryOperationIsSignedSoOurVerifierAcceptsIt) {
  Harness h([](const http::HttpRequest& req) -> Result<http::HttpResponse> {
    if (req.url.find("uploads=") != std::string::npos) {
      return Reply(200, "<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>");
    }
    if (req.url.find("list-type") != std::string::npos) return Reply(200, "<ListBucketResult/>");
    if (req.method == "POST")
      return Reply(200, "<CompleteMultipartUploadResult><ETag>\"m\"</ETag></CompleteMultipartUploadResult>");
    if (req.url.find("dst") != std::string::npos)
      return Reply(200, "<CopyObjectResult><ETag>\"c\"</ETag></CopyObjectResult>");
    return Reply(200, "", {{"etag", "\"e\""}});
  });
  const std::string key = "dir/a b+c%/..//\xC3\xBC";
  ASSERT_TRUE(h.client->PutObjectFromString("tcoder-input", key, "hello").ok());
  ASSERT_TRUE(h.client->GetObjectToString("tcoder-input", key, ByteRange{1, 3}).ok());
  ASSERT_TRUE(h.client->HeadObject("tcoder-input", key).ok());
  ASSERT_TRUE(h.client->DeleteObject("tcoder-input", key).ok());
  ListOptions lo;
  lo.prefix = "dir/a b";
  lo.delimiter = "/";
  lo.continuation_token = "tok/=+";
  ASSERT_TRUE(h.client->ListObjectsV2("tcoder-input", lo).ok());
  ASSERT_TRUE(h.client->CreateBucket("tcoder-input").ok());
  ASSERT_TRUE(h.client->HeadBucket("tcoder-input").ok());
  ASSERT_TRUE(h.client->CopyObject("tcoder-input", key, "tcoder-output", "dst").ok());
  ASSERT_TRUE(h.client->CreateMultipartUpload("tcoder-input", key).ok());
  ASSERT_TRUE(h.client->CompleteMultipartUpload("tcoder-input", key, "u1", {{1, "\"e\""}}).ok());
  ASSERT_TRUE(h.client->AbortMultipartUpload("tcoder-input", key, "u1").ok());
  ASSERT_EQ(h.log().size(), 11u);
  for (const http::HttpRequest& req : h.log()) EXPECT_TRUE(VerifySigned(req).ok()) << req.method << " " << req.url;
  EXPECT_EQ(h.log()[0].url, "http://127.0.0.1:9000/tcoder-input/dir/a%20b%2Bc%25/..//%C3%BC");
  EXPECT_NE(h.log()[4].url.find(
                "?continuation-token=tok%2F%3D%2B&delimiter=%2F&list-type=2&max-keys=1000&prefix=dir%2Fa%20b"),
            std::string::npos)
      << h.log()[4].url;
}

TEST(S3Client, RetriesServerErrorsWithBoundedBackoff) {
  int calls = 0;
  Harness h([&](const http::HttpRequest&) -> Result<http::HttpResponse> {
    ++calls;
    if (calls == 1) return Unavailable("connection refused");
    if (calls == 2) return Reply(503, ErrorXml("SlowDown"));
    return Reply(200, "", {{"etag", "\"e\""}});
  });
  auto etag = h.client->PutObjectFromString("tcoder-input", "k", "x");
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_EQ(*etag, "\"e\"");
  EXPECT_EQ(calls, 3);
  ASSERT_EQ(h.sleeps.size(), 2u);
  for (auto d : h.sleeps) EXPECT_LE(d, std::chrono::milliseconds(5000));
}

TEST(S3Client, GivesUpAfterMaxAttemptsAndNeverRetriesClientErrors) {
  int calls = 0;
  Harness h([&](const http::HttpRequest&) -> Result<http::HttpResponse> {
    ++calls;
    return Reply(500, ErrorXml("InternalError"));
  });
  auto r = h.client->GetObjectToString("tcoder-input", "k");
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(calls, 4);

  calls = 0;
  Harness denied([&](const http::HttpRequest&) -> Result<http::HttpResponse> {
    ++calls;
    return Reply(403, ErrorXml("SignatureDoesNotMatch"));
  });
  EXPECT_EQ(denied.client->HeadBucket("tcoder-input").code(), Code::kPermissionDenied);
  EXPECT_EQ(calls, 1);
}

TEST(S3Client, RefusesBadNamesBeforeSendingAnything) {
  Harness h([](const http::HttpRequest&) -> Result<http::HttpResponse> { return Reply(200); });
  EXPECT_EQ(h.client->PutObjectFromString("", "k", "x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(h.client->PutObjectFromString("tcoder-input", "", "x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(h.client->PutObjectFromString("tcoder-input", std::string(1025, 'k'), "x").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(h.client->GetObjectToString("tcoder-input", "k", ByteRange{5, 4}).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(h.log().empty());
  S3ClientConfig bad;
  bad.endpoint = "http://h";
  EXPECT_FALSE(S3Client::Create(bad).ok());  // no credentials
}

TEST(S3Client, DownloadsAtomicallyAndLeavesNothingOnError) {
  auto dir = TempDir::Create("s3client");
  ASSERT_TRUE(dir.ok());
  bool fail = false;
  Harness h([&](const http::HttpRequest& req) -> Result<http::HttpResponse> {
    if (fail) return Reply(404, ErrorXml("NoSuchKey"));
    EXPECT_GE(req.response_fd, 0);
    return Reply(200, "0123456789");
  });
  auto target = dir->path() / "out.bin";
  auto n = h.client->GetObject("tcoder-input", "k", target);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 10u);
  EXPECT_EQ(*ReadFile(target), "0123456789");
  fail = true;
  EXPECT_EQ(h.client->GetObject("tcoder-input", "k", target).status().code(), Code::kNotFound);
  EXPECT_EQ(*ReadFile(target), "0123456789");  // untouched
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir->path())) ++files;
  EXPECT_EQ(files, 1);  // no temporary left behind
}

TEST(S3Client, LargeFilesGoMultipartAndFailuresAbort) {
  auto dir = TempDir::Create("s3client");
  ASSERT_TRUE(dir.ok());
  auto file = dir->path() / "big.bin";
  ASSERT_TRUE(WriteFileAtomic(file, std::string((11u << 20) + 3, 'v')).ok());
  bool fail_part_2 = false;
  Harness h(
      [&](const http::HttpRequest& req) -> Result<http::HttpResponse> {
        if (req.url.find("uploads=") != std::string::npos) {
          return Reply(200, "<InitiateMultipartUploadResult><UploadId>u9</UploadId></InitiateMultipartUploadResult>");
        }
        if (req.url.find("partNumber=2") != std::string::npos && fail_part_2) return Reply(400, ErrorXml("Bad"));
        if (req.url.find("partNumber=") != std::string::npos) {
          return Reply(200, "", {{"etag", "\"p" + std::to_string(req.body_offset) + "\""}});
        }
        if (req.method == "POST") {
          return Reply(200, "<CompleteMultipartUploadResult><ETag>\"m-3\"</ETag></CompleteMultipartUploadResult>");
        }
        return Reply(204);
      },
      [] {
        S3ClientConfig c;
        c.multipart_threshold = 5u << 20;
        c.part_size = 5u << 20;
        return c;
      }());
  auto etag = h.client->PutObject("tcoder-input", "big", file);
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_EQ(*etag, "\"m-3\"");
  ASSERT_EQ(h.log().size(), 5u);  // create, 3 parts, complete
  EXPECT_EQ(h.log()[1].body_offset, 0u);
  EXPECT_EQ(h.log()[2].body_offset, 5u << 20);
  EXPECT_EQ(h.log()[3].body_offset, 10u << 20);
  EXPECT_EQ(h.log()[3].body_length, (1u << 20) + 3);
  EXPECT_NE(h.log()[4].body.find("<PartNumber>3</PartNumber><ETag>&quot;p10485760&quot;</ETag>"), std::string::npos);

  fail_part_2 = true;
  EXPECT_FALSE(h.client->PutObject("tcoder-input", "big", file).ok());
  ASSERT_EQ(h.log().size(), 5u + 4u);  // create, part 1, part 2 (refused), abort
  EXPECT_EQ(h.log()[5 + 3].method, "DELETE");
  EXPECT_NE(h.log()[5 + 3].url.find("uploadId=u9"), std::string::npos);
}

TEST(S3Client, HeadObjectRefusesABadContentLength) {
  std::string length = "-1";
  Harness h([&](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return Reply(200, "", {{"content-length", length}});
  });
  EXPECT_EQ(h.client->HeadObject("tcoder-input", "k").status().code(), Code::kUnavailable);
  length = "12x";
  EXPECT_FALSE(h.client->HeadObject("tcoder-input", "k").ok());
  length = "123";
  EXPECT_EQ(h.client->HeadObject("tcoder-input", "k")->size, 123u);
}

TEST(S3Client, ListAllFollowsContinuationTokens) {
  Harness h([](const http::HttpRequest& req) -> Result<http::HttpResponse> {
    if (req.url.find("continuation-token=t1") == std::string::npos) {
      return Reply(200,
                   "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t1"
                   "</NextContinuationToken><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>");
    }
    return Reply(200, "<ListBucketResult><Contents><Key>b</Key><Size>2</Size></Contents></ListBucketResult>");
  });
  auto all = h.client->ListAll("tcoder-output", "");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].key, "b");
}

TEST(S3Client, ListAllStopsWhenTheServerLoops) {
  Harness h([](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return Reply(200,
                 "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>same"
                 "</NextContinuationToken></ListBucketResult>");
  });
  EXPECT_FALSE(h.client->ListAll("tcoder-output", "").ok());
}

TEST(S3Client, ListPartsFollowsPartNumberMarkers) {
  std::vector<std::string> urls;
  Harness h([&urls](const http::HttpRequest& req) -> Result<http::HttpResponse> {
    urls.push_back(req.url);
    if (req.url.find("part-number-marker=1") == std::string::npos) {
      return Reply(200,
                   "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker>"
                   "<Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag><Size>5</Size></Part></ListPartsResult>");
    }
    return Reply(200,
                 "<ListPartsResult><Part><PartNumber>2</PartNumber><ETag>\"b\"</ETag><Size>3</Size></Part>"
                 "</ListPartsResult>");
  });
  auto parts = h.client->ListParts("tcoder-input", "k", "u/1");
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[1].number, 2);
  EXPECT_EQ((*parts)[1].size, 3u);
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_NE(urls[0].find("max-parts=1000&uploadId=u%2F1"), std::string::npos) << urls[0];
  EXPECT_NE(urls[1].find("max-parts=1000&part-number-marker=1&uploadId=u%2F1"), std::string::npos) << urls[1];
}

TEST(S3Client, ListPartsStopsWhenTheMarkerDoesNotAdvance) {
  Harness h([](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return Reply(200,
                 "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker>"
                 "</ListPartsResult>");
  });
  EXPECT_FALSE(h.client->ListParts("tcoder-input", "k", "u").ok());
  EXPECT_FALSE(h.client->ListParts("tcoder-input", "k", "").ok());
}

TEST(S3Client, VirtualHostStyleSignsTheBucketHost) {
  S3ClientConfig c;
  c.path_style = false;
  c.endpoint = "http://s3.local:9000";
  Harness h([](const http::HttpRequest&) -> Result<http::HttpResponse> { return Reply(200, "hi"); }, c);
  ASSERT_TRUE(h.client->GetObjectToString("tcoder-output", "a/b").ok());
  EXPECT_EQ(h.log()[0].url, "http://tcoder-output.s3.local:9000/a/b");
  EXPECT_TRUE(VerifySigned(h.log()[0]).ok());
}

}  // namespace
}  // namespace tcoder::storage
