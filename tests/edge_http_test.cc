// `tcoder edge` in front of the built-in S3 server, spoken to with curl: the
// /premium/ rule with every JWT vector through each token source, Range,
// HEAD, conditional requests, content types, cache headers, CORS, bad paths,
// large objects streamed, and X-Via on every response.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "edge_support.h"
#include "support/test_env.h"

namespace tcoder {
namespace {

using testing::EdgeStack;
using testing::Http;
using testing::HttpReply;

constexpr std::string_view kPlaylist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-ENDLIST\n";

std::string Segment() {
  std::string s(100000, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>((i * 131 + i / 977) & 0xFF);
  return s;
}

// Percent-encodes all but RFC 3986's unreserved characters.
std::string UrlEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

nlohmann::json Vectors() {
  std::ifstream in(testing::SharedDir() / "vectors" / "jwt.json");
  return nlohmann::json::parse(in);
}

std::string ValidToken() {
  const nlohmann::json vectors = Vectors();  // the loop must not outlive it
  for (const auto& c : vectors.at("cases")) {
    if (c.at("name") == "premium-valid") return c.at("token").get<std::string>();
  }
  return "";
}

class EdgeHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = EdgeStack::Start();
    ASSERT_TRUE(stack.ok()) << stack.status().ToString();
    stack_ = std::move(stack).value().release();
    ASSERT_TRUE(stack_->Put("public/j1/master.m3u8", std::string(kPlaylist)).ok());
    ASSERT_TRUE(stack_->Put("public/j1/v0/seg_000.ts", Segment()).ok());
    ASSERT_TRUE(stack_->Put("public/j1/poster.jpg", "\xFF\xD8\xFF\xE0 not really a jpeg").ok());
    ASSERT_TRUE(stack_->Put("public/j1/a b.m4s", "spaced").ok());
    ASSERT_TRUE(stack_->Put("public/j1/empty.ts", "").ok());
    ASSERT_TRUE(stack_->Put("premium/demo/master.m3u8", std::string(kPlaylist)).ok());
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(stack_, nullptr); }

  static HttpReply Get(const std::string& path, std::vector<std::string> args = {}) {
    return Http(stack_->Url(path), std::move(args));
  }

  static EdgeStack* stack_;
};
EdgeStack* EdgeHttp::stack_ = nullptr;

// ---- the /premium/ rule ----------------------------------------------------

TEST_F(EdgeHttp, EveryJwtVectorThroughEveryTokenSource) {
  const nlohmann::json vectors = Vectors();
  int checked = 0;
  for (const auto& c : vectors.at("cases")) {
    const std::string token = c.at("token").get<std::string>();
    const std::string path = c.at("path").get<std::string>();
    const int want = c.at("expect") == "allow" ? 200 : 403;
    const std::string name = c.at("name").get<std::string>();
    const std::vector<std::pair<std::string, HttpReply>> replies = {
        {"query", Get(path + "?token=" + UrlEncode(token))},
        {"bearer", Get(path, {"-H", "Authorization: Bearer " + token})},
        {"header", Get(path, {"-H", "X-TCoder-Token: " + token})},
    };
    for (const auto& [source, reply] : replies) {
      EXPECT_EQ(reply.status, want) << name << " via " << source << "\n" << reply.head;
      EXPECT_EQ(reply.Header("X-Via"), "tcoder-edge") << name;
      if (want == 200) {
        EXPECT_EQ(reply.body, kPlaylist) << name;
      } else {
        EXPECT_EQ(reply.body.find("EXTM3U"), std::string::npos) << name;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 3 * static_cast<int>(vectors.at("cases").size()));
  EXPECT_GE(checked, 30);
}

TEST_F(EdgeHttp, PremiumWithoutATokenIs403) {
  const HttpReply r = Get("/premium/demo/master.m3u8");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Header("X-Via"), "tcoder-edge");
  EXPECT_NE(r.body.find("forbidden"), std::string::npos);
}

TEST_F(EdgeHttp, EncodedPremiumPathsStillNeedAToken) {
  EXPECT_EQ(Get("/%70remium/demo/master.m3u8").status, 403);
  EXPECT_EQ(Get("/PREMIUM/demo/master.m3u8").status, 403);
  EXPECT_EQ(Get("/public/..%2Fpremium/demo/master.m3u8").status, 403);
}

TEST_F(EdgeHttp, FirstTokenSourceWins) {
  const std::string good = ValidToken();
  ASSERT_FALSE(good.empty());
  const std::string path = "/premium/demo/master.m3u8";
  // The query comes first: a good one there wins over bad headers, a bad one loses over good headers.
  EXPECT_EQ(Get(path + "?token=" + good, {"-H", "Authorization: Bearer garbage", "-H", "X-TCoder-Token: x"}).status,
            200);
  EXPECT_EQ(
      Get(path + "?token=garbage", {"-H", "Authorization: Bearer " + good, "-H", "X-TCoder-Token: " + good}).status,
      403);
  // Then Authorization: Bearer, then X-TCoder-Token.
  EXPECT_EQ(Get(path, {"-H", "Authorization: Bearer " + good, "-H", "X-TCoder-Token: garbage"}).status, 200);
  EXPECT_EQ(Get(path, {"-H", "Authorization: Bearer garbage", "-H", "X-TCoder-Token: " + good}).status, 403);
  // An empty query token counts as absent.
  EXPECT_EQ(Get(path + "?token=", {"-H", "X-TCoder-Token: " + good}).status, 200);
}

TEST_F(EdgeHttp, PublicPathsWorkWithOrWithoutAToken) {
  EXPECT_EQ(Get("/public/j1/master.m3u8").status, 200);
  EXPECT_EQ(Get("/public/j1/master.m3u8?token=" + ValidToken()).status, 200);
  EXPECT_EQ(Get("/public/j1/master.m3u8?token=garbage").status, 200);
  EXPECT_EQ(Get("/public/j1/master.m3u8", {"-H", "Authorization: Bearer garbage"}).status, 200);
}

TEST_F(EdgeHttp, PremiumResponsesArePrivate) {
  const HttpReply r = Get("/premium/demo/master.m3u8", {"-H", "X-TCoder-Token: " + ValidToken()});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Cache-Control"), "private, max-age=2");
}

TEST_F(EdgeHttp, TokensNeverReachTheLog) {
  const std::string token = ValidToken();
  ASSERT_EQ(Get("/premium/demo/master.m3u8?token=" + token).status, 200);
  ASSERT_EQ(Get("/premium/demo/master.m3u8?token=" + token + "x").status, 403);
  const std::string log = stack_->EdgeLog();
  EXPECT_NE(log.find("/premium/demo/master.m3u8"), std::string::npos) << "requests are logged at debug level";
  EXPECT_EQ(log.find(token.substr(0, 20)), std::string::npos);
  EXPECT_EQ(log.find(token.substr(token.size() - 20)), std::string::npos);
}

// ---- Range, HEAD, conditional requests ---------------------------------------

TEST_F(EdgeHttp, Ranges) {
  const std::string seg = Segment();
  const std::string path = "/public/j1/v0/seg_000.ts";
  HttpReply r = Get(path, {"-H", "Range: bytes=0-0"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, seg.substr(0, 1));
  EXPECT_EQ(r.Header("Content-Range"), "bytes 0-0/100000");
  EXPECT_EQ(r.Header("Content-Length"), "1");

  r = Get(path, {"-H", "Range: bytes=-1"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, seg.substr(99999));
  EXPECT_EQ(r.Header("Content-Range"), "bytes 99999-99999/100000");

  r = Get(path, {"-H", "Range: bytes=99000-"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, seg.substr(99000));
  EXPECT_EQ(r.Header("Content-Range"), "bytes 99000-99999/100000");

  r = Get(path, {"-H", "Range: bytes=100000-"});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.Header("Content-Range"), "bytes */100000");
  EXPECT_EQ(r.Header("X-Via"), "tcoder-edge");

  r = Get(path, {"-H", "Range: bytes=0-1,5-6"});  // multi-range: the whole object
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, seg);
}

TEST_F(EdgeHttp, IfRangeWithAStaleTagServesTheWholeObject) {
  const std::string path = "/public/j1/v0/seg_000.ts";
  const std::string etag = Get(path, {"-I"}).Header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(Get(path, {"-H", "Range: bytes=0-9", "-H", "If-Range: " + etag}).status, 206);
  EXPECT_EQ(Get(path, {"-H", "Range: bytes=0-9", "-H", "If-Range: \"stale\""}).status, 200);
}

TEST_F(EdgeHttp, HeadHasTheHeadersAndNoBody) {
  const HttpReply r = Get("/public/j1/v0/seg_000.ts", {"-I"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Length"), "100000");
  EXPECT_EQ(r.Header("Content-Type"), "video/mp2t");
  EXPECT_EQ(r.Header("Accept-Ranges"), "bytes");
  EXPECT_FALSE(r.Header("ETag").empty());
  EXPECT_FALSE(r.Header("Last-Modified").empty());
  EXPECT_TRUE(r.body.empty());
}

TEST_F(EdgeHttp, ConditionalRequestsGet304) {
  const std::string path = "/public/j1/poster.jpg";
  const HttpReply first = Get(path);
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.Header("ETag");
  ASSERT_FALSE(etag.empty());
  HttpReply r = Get(path, {"-H", "If-None-Match: " + etag});
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.Header("ETag"), etag);
  EXPECT_EQ(r.Header("X-Via"), "tcoder-edge");
  EXPECT_EQ(Get(path, {"-H", "If-None-Match: \"other\""}).status, 200);
  EXPECT_EQ(Get(path, {"-H", "If-Modified-Since: " + first.Header("Last-Modified")}).status, 304);
  EXPECT_EQ(Get(path, {"-H", "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT"}).status, 200);
}

// ---- content types, cache headers, CORS -----------------------------------

TEST_F(EdgeHttp, ContentTypesAndCacheHeaders) {
  HttpReply r = Get("/public/j1/master.m3u8");
  EXPECT_EQ(r.Header("Content-Type"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(r.Header("Cache-Control"), "public, max-age=2");
  r = Get("/public/j1/v0/seg_000.ts");
  EXPECT_EQ(r.Header("Content-Type"), "video/mp2t");
  EXPECT_EQ(r.Header("Cache-Control"), "public, max-age=31536000, immutable");
  r = Get("/public/j1/poster.jpg");
  EXPECT_EQ(r.Header("Content-Type"), "image/jpeg");
  EXPECT_EQ(r.Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
}

TEST_F(EdgeHttp, CorsForPlayers) {
  const HttpReply r = Get("/public/j1/master.m3u8", {"-H", "Origin: https://player.example"});
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(r.Header("Access-Control-Expose-Headers").find("Content-Range"), std::string::npos);
  EXPECT_NE(r.Header("Access-Control-Expose-Headers").find("Content-Length"), std::string::npos);

  const HttpReply pre = Get("/premium/demo/master.m3u8", {"-X", "OPTIONS", "-H", "Origin: https://player.example", "-H",
                                                          "Access-Control-Request-Method: GET", "-H",
                                                          "Access-Control-Request-Headers: range, authorization"});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.Header("Access-Control-Allow-Origin"), "*");
  const std::string allowed = pre.Header("Access-Control-Allow-Headers");
  for (const char* h : {"Range", "Authorization", "X-TCoder-Token"}) {
    EXPECT_NE(allowed.find(h), std::string::npos) << h;
  }
  EXPECT_NE(pre.Header("Access-Control-Allow-Methods").find("GET"), std::string::npos);
  EXPECT_EQ(pre.Header("X-Via"), "tcoder-edge");
}

// ---- paths, errors, X-Via ------------------------------------------------------

TEST_F(EdgeHttp, PathsArePercentDecodedOnce) {
  const HttpReply r = Get("/public/j1/a%20b.m4s");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "spaced");
  EXPECT_EQ(r.Header("Content-Type"), "video/iso.segment");
  EXPECT_EQ(Get("/public/j1/a%2520b.m4s").status, 404);
}

TEST_F(EdgeHttp, PathsThatAreNotKeysAre400) {
  for (const char* path : {"/public/a%00b", "/public/a%zz", "/public/a%FF", "/public/a%0Ab"}) {
    const HttpReply r = Get(path);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(r.Header("X-Via"), "tcoder-edge") << path;
  }
}

TEST_F(EdgeHttp, XViaOnEveryResponse) {
  const std::string path = "/public/j1/poster.jpg";
  const std::string etag = Get(path, {"-I"}).Header("ETag");
  const std::vector<std::pair<int, HttpReply>> cases = {
      {200, Get(path)},
      {206, Get(path, {"-H", "Range: bytes=0-0"})},
      {304, Get(path, {"-H", "If-None-Match: " + etag})},
      {403, Get("/premium/demo/master.m3u8")},
      {404, Get("/public/nothing-here.ts")},
      {404, Get("/")},
      {416, Get(path, {"-H", "Range: bytes=999999-"})},
      {405, Get(path, {"-X", "DELETE"})},
      {400, Get("/public/%00")},
  };
  for (const auto& [status, reply] : cases) {
    EXPECT_EQ(reply.status, status) << reply.head;
    EXPECT_EQ(reply.Header("X-Via"), "tcoder-edge") << status;
  }
}

// What the edge answers to raw bytes on a new connection (read to EOF).
std::string RawExchange(const std::string& base_url, const std::string& request) {
  const int port = std::stoi(base_url.substr(base_url.rfind(':') + 1));
  UniqueFd fd = testing::ConnectLoopback(port, std::chrono::seconds(20));
  if (!fd.valid()) return "";
  (void)::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd.get(), buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST_F(EdgeHttp, XViaOnTheHttpLayersOwnErrors) {
  const std::string base = stack_->Url("");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"HTTP/1.1 400", "NOT HTTP AT ALL\r\n\r\n"},
      {"HTTP/1.1 400", "GET /public/j1/poster.jpg HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"},
      {"HTTP/1.1 431", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20 * 1024, 'a') + "\r\n\r\n"},
  };
  for (const auto& [status, request] : cases) {
    const std::string reply = RawExchange(base, request);
    EXPECT_TRUE(reply.starts_with(status)) << reply;
    EXPECT_NE(reply.find("\r\nX-Via: tcoder-edge\r\n"), std::string::npos) << reply;
  }
}

TEST_F(EdgeHttp, EmptyObjects) {
  const HttpReply r = Get("/public/j1/empty.ts");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Length"), "0");
  EXPECT_EQ(Get("/public/j1/empty.ts", {"-H", "Range: bytes=0-0"}).status, 416);
}

TEST_F(EdgeHttp, LargeObjectsStreamWhole) {
  // Past the 4 MiB cache limit: streamed from storage chunk by chunk.
  const auto file = stack_->dir() / "big.mp4";
  ASSERT_TRUE(testing::MakeFile(file, (6u << 20) + 12345, 7).ok());
  ASSERT_TRUE(stack_->PutFile("public/j1/big.mp4", file).ok());
  const auto out = stack_->dir() / "big.out";
  testing::CurlResult r = testing::Curl({"-o", out.string(), stack_->Url("/public/j1/big.mp4")});
  ASSERT_EQ(r.status, 200) << r.err;
  EXPECT_EQ(*testing::FileSha256(out), *testing::FileSha256(file));

  const HttpReply part = Get("/public/j1/big.mp4", {"-H", "Range: bytes=5000000-5000099"});
  EXPECT_EQ(part.status, 206);
  ASSERT_EQ(part.body.size(), 100u);
  std::ifstream in(file, std::ios::binary);
  in.seekg(5000000);
  std::string want(100, '\0');
  in.read(want.data(), 100);
  EXPECT_EQ(part.body, want);
}

}  // namespace
}  // namespace tcoder
