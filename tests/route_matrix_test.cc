// Every method on every route and near-miss route of the control plane, the
// edge and the built-in store of one live stack (`tcoder up`), with and
// without credentials, with no, empty, truncated, non-JSON and non-UTF-8
// bodies, sent over raw sockets. Each request must get a status line that is
// not a 500, and no component may exit. Registered twice: against this build
// (ASan) and against the release binary, since a miscompile can depend on the
// optimization level.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/process.h"
#include "common/secrets.h"
#include "stack_support.h"
#include "storage/sigv4.h"
#include "support/test_env.h"

namespace tcoder::testing {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kMethods = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};

enum class Body { kNone, kEmpty, kTruncated, kNotJson, kNotUtf8, kWrongShape };
const std::vector<Body> kBodies = {Body::kNone,    Body::kEmpty,   Body::kTruncated,
                                   Body::kNotJson, Body::kNotUtf8, Body::kWrongShape};

const char* BodyName(Body b) {
  switch (b) {
    case Body::kNone:
      return "no body";
    case Body::kEmpty:
      return "empty body";
    case Body::kTruncated:
      return "truncated body";
    case Body::kNotJson:
      return "non-JSON body";
    case Body::kNotUtf8:
      return "non-UTF-8 body";
    case Body::kWrongShape:
      return "JSON of the wrong shape";
  }
  return "?";
}

// Near misses every server gets: traversal, encodings, odd queries, raw bytes.
const std::vector<std::string> kNearMisses = {
    "/favicon.ico",
    "/robots.txt",
    "//",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/../../etc/passwd",
    "/..%2f..%2fetc%2fpasswd",
    "/%00",
    "/%ff%fe",
    "/\xff\xfe\xc3\x28",
    "/a%",
    "/a%zz",
    "/?",
    "/?&&==&%zz=%&a=1&a=2",
    "/x?" + std::string(3000, 'q'),
    "/" + std::string(6000, 'p'),
    "*",
    "http://127.0.0.1/",
};

struct Answer {
  int status = 0;  // 0: no status line
  std::string head;
};

// One request on a fresh connection; reads the status line and headers only
// (an SSE stream or a large body is not waited for).
Answer Send(int port, const std::string& method, const std::string& target, std::vector<std::string> headers,
            Body body) {
  std::string payload;
  std::size_t declared = 0;
  switch (body) {
    case Body::kNone:
      break;
    case Body::kEmpty:
      declared = 0;
      break;
    case Body::kTruncated:
      payload = "{\"fil";
      declared = 1000;
      break;
    case Body::kNotJson:
      payload = "this is { not json";
      break;
    case Body::kNotUtf8:
      payload = "{\"filename\":\"\xff\xfe\xc3\x28.mp4\",\"size\":1}";
      break;
    case Body::kWrongShape:
      payload = "[1,{\"size\":\"big\"},null]";
      break;
  }
  if (body != Body::kTruncated) declared = payload.size();
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\nUser-Agent: route-matrix\r\n";
  for (const std::string& h : headers) request += h + "\r\n";
  if (body != Body::kNone)
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(declared) + "\r\n";
  request += "\r\n" + payload;

  Answer answer;
  UniqueFd fd = ConnectLoopback(port, 10s);
  if (!fd.valid()) return answer;
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading it all
    sent += static_cast<std::size_t>(n);
  }
  if (body == Body::kTruncated) ::shutdown(fd.get(), SHUT_WR);  // the rest never comes
  char buf[4096];
  while (answer.head.find("\r\n\r\n") == std::string::npos && answer.head.size() < 64 * 1024) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.head.append(buf, static_cast<std::size_t>(n));
  }
  if (answer.head.rfind("HTTP/1.1 ", 0) == 0 && answer.head.size() >= 12) {
    answer.status = std::atoi(answer.head.substr(9, 3).c_str());
  }
  return answer;
}

// The headers of one credential set for a request (method, target).
using Credentials = std::function<std::vector<std::string>(const std::string& method, const std::string& target)>;

Credentials Fixed(std::vector<std::string> headers) {
  return [headers](const std::string&, const std::string&) { return headers; };
}

// A component of the stack and what a request to it may carry.
struct Target {
  std::string name;
  int port = 0;
  std::vector<std::string> paths;
  std::vector<Credentials> creds;  // none, wrong, right
};

std::string Printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 80))
    out += (c >= 0x20 && c < 0x7f) ? std::string(1, static_cast<char>(c)) : "\\x??";
  return s.size() > 80 ? out + "..." : out;
}

class RouteMatrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = LiveStack::Start();
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    stack_ = started->release();
    auto secrets = LoadSecrets(stack_->data_dir());
    ASSERT_TRUE(secrets.ok()) << secrets.status().ToString();
    secrets_ = new Secrets(*secrets);
  }
  static void TearDownTestSuite() {
    delete stack_;
    delete secrets_;
    stack_ = nullptr;
  }

  static int PortOf(const std::string& url) { return std::atoi(url.substr(url.rfind(':') + 1).c_str()); }

  // Sends every method × path × credentials × body; returns the failures.
  std::vector<std::string> RunMatrix(const Target& t) {
    std::vector<std::string> failures;
    int sent = 0;
    for (const std::string& path : t.paths) {
      for (const std::string& method : kMethods) {
        for (std::size_t c = 0; c < t.creds.size(); ++c) {
          for (Body body : kBodies) {
            const Answer a = Send(t.port, method, path, t.creds[c](method, path), body);
            ++sent;
            if (a.status >= 100 && a.status < 600 && a.status != 500) continue;
            failures.push_back(method + " " + Printable(path) + " (credentials " + std::to_string(c) + ", " +
                               BodyName(body) +
                               "): " + (a.status == 0 ? "no status line" : "status " + std::to_string(a.status)));
          }
        }
      }
    }
    std::cout << t.name << ": " << sent << " requests, " << failures.size() << " failures\n";
    return failures;
  }

  void ExpectEveryRequestAnswered(const Target& t) {
    const auto failures = RunMatrix(t);
    EXPECT_TRUE(failures.empty()) << failures.size() << " requests went wrong; the first:\n" << JoinFirst(failures, 20);
    ExpectNoComponentExited();
  }

  void ExpectNoComponentExited() {
    const std::string log = stack_->Log();
    EXPECT_EQ(log.find("component exited"), std::string::npos) << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  }

  static std::string JoinFirst(const std::vector<std::string>& lines, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < lines.size() && i < n; ++i) out += "  " + lines[i] + "\n";
    return out;
  }

  static inline LiveStack* stack_ = nullptr;
  static inline Secrets* secrets_ = nullptr;
};

std::vector<std::string> With(std::vector<std::string> paths) {
  paths.insert(paths.end(), kNearMisses.begin(), kNearMisses.end());
  return paths;
}

TEST_F(RouteMatrix, ControlPlaneAnswersEveryRequestAndStaysUp) {
  const std::string key = secrets_->api_key;
  Target t{.name = "control", .port = PortOf(stack_->api_url())};
  t.paths = With({"/",
                  "/index.html",
                  "/app.js",
                  "/system.js",
                  "/style.css",
                  "/hls.min.js",
                  "/metrics",
                  "/webhooks/job-complete",
                  "/webhooks/job-complete/",
                  "/api",
                  "/api/",
                  "/api/events/s3",
                  "/api/events/s3/x",
                  "/api/jobs",
                  "/api/jobs/",
                  "/api/jobs?status=running&limit=-1",
                  "/api/jobs?limit=abc&cursor=%ff",
                  "/api/jobs/job_doesnotexist",
                  "/api/jobs/job_doesnotexist/events",
                  "/api/jobs/job_doesnotexist/retry",
                  "/api/jobs/job_doesnotexist/requeue",
                  "/api/jobs/job_doesnotexist/fail",
                  "/api/jobs/%2e%2e/fail",
                  "/api/jobs/job_doesnotexist/x/y",
                  "/api/jobs//events",
                  "/api/jobs/%2e%2e/events",
                  "/api/jobs/..",
                  "/api/jobs/%00",
                  "/api/jobs/\xff",
                  "/api/upload",
                  "/api/upload/",
                  "/api/upload?x=1",
                  "/api/status",
                  "/api/stats",
                  "/api/stats/x",
                  "/api/machines",
                  "/api/machines/x",
                  "/api/machines/m_nosuch/drain",
                  "/api/machines/m_nosuch/destroy",
                  "/api/machines/%2e%2e/stop",
                  "/api/machines/m_nosuch/start/x",
                  "/api/system",
                  "/api/system/events/x",
                  "/api/queue",
                  "/api/queue?limit=0",
                  "/api/queue?limit=99999999999999999999",
                  "/api/queue?limit=%zz",
                  "/api/nosuch",
                  "//api/jobs",
                  "/API/JOBS",
                  "/api/../api/stats"});
  t.creds = {
      Fixed({}),
      Fixed({"Authorization: Bearer wrong-key", "webhook-id: x", "webhook-timestamp: 1", "webhook-signature: v1,AAAA"}),
      Fixed({"Authorization: Bearer " + key, "Accept: text/html"})};
  ExpectEveryRequestAnswered(t);
  const Answer health = Send(t.port, "GET", "/api/status", {"Authorization: Bearer " + key}, Body::kNone);
  EXPECT_EQ(health.status, 200) << health.head;
}

TEST_F(RouteMatrix, EdgeAnswersEveryRequestAndStaysUp) {
  auto minted =
      RunProcess({.argv = {TcoderBinary().string(), "token", "--premium", "--data-dir", stack_->data_dir().string()}},
                 {.deadline = 30s});
  ASSERT_TRUE(minted.ok() && minted->success()) << (minted.ok() ? minted->err : minted.status().ToString());
  std::string token = minted->out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  Target t{.name = "edge", .port = PortOf(stack_->edge_url())};
  t.paths = With({"/", "/jobs/job_x/master.m3u8", "/jobs/job_x/720p/index.m3u8", "/jobs/job_x/720p/seg_00001.ts",
                  "/premium/jobs/job_x/master.m3u8", "/premium/", "/premium", "/premium/..%2fjobs/x",
                  "/premium/x?token=" + token, "/premium/x?token=&token=a", "/jobs/job_x/master.m3u8?token=x", "/a//b",
                  "/a/./b", "/a/../../b", "/metrics", "/metrics?x=1", "/metrics/x"});
  t.creds = {
      Fixed({}),
      Fixed({"Authorization: Bearer e30.e30.x", "Range: bytes=5-1,-0,abc", "If-None-Match: \"\xff\"", "If-Range: x"}),
      Fixed({"Authorization: Bearer " + token, "Range: bytes=0-10"})};
  ExpectEveryRequestAnswered(t);
  const Answer health = Send(t.port, "GET", "/favicon.ico", {}, Body::kNone);
  EXPECT_GT(health.status, 0) << "the edge stopped answering";
}

// SigV4 headers for the stack's keys (UNSIGNED-PAYLOAD), so requests get past
// authentication and reach the operations.
std::vector<std::string> SignedHeaders(const Secrets& s, int port, const std::string& method,
                                       const std::string& target) {
  storage::sigv4::Request req;
  req.method = method;
  const auto q = target.find('?');
  req.raw_path = target.substr(0, q);
  req.raw_query = q == std::string::npos ? "" : target.substr(q + 1);
  req.headers = {{"host", "127.0.0.1:" + std::to_string(port)}};
  storage::sigv4::SigningParams params{.credentials = {s.s3_access_key, s.s3_secret_key, ""},
                                       .region = "us-east-1",
                                       .now = std::chrono::system_clock::now()};
  if (!storage::sigv4::SignRequest(req, params, storage::sigv4::kUnsignedPayload).ok()) return {};
  std::vector<std::string> out;
  for (const auto& [name, value] : req.headers) {
    if (name != "host") out.push_back(name + ": " + value);
  }
  return out;
}

TEST_F(RouteMatrix, StorageAnswersEveryRequestAndStaysUp) {
  const int port = PortOf(stack_->s3_url());
  const Secrets s = *secrets_;
  Target t{.name = "storage", .port = port};
  t.paths = With({"/", "/tcoder-input", "/tcoder-input/", "/tcoder-input/matrix/a.mp4", "/tcoder-input?list-type=2",
                  "/tcoder-input?list-type=2&max-keys=-1&continuation-token=%ff", "/tcoder-input?uploads",
                  "/tcoder-input?location", "/tcoder-input?delete", "/tcoder-input/matrix/a.mp4?uploads",
                  "/tcoder-input/matrix/a.mp4?uploadId=nosuch&partNumber=1",
                  "/tcoder-input/matrix/a.mp4?uploadId=nosuch&partNumber=99999999999", "/tcoder-input/matrix/a.mp4?acl",
                  "/tcoder-input/../tcoder-output/x", "/tcoder-input/%2e%2e/x", "/nosuchbucket", "/nosuchbucket/key",
                  "/Bad_Bucket!/key",
                  "/tcoder-input/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=bad&X-Amz-Date=x&X-Amz-Expires=-5"
                  "&X-Amz-SignedHeaders=host&X-Amz-Signature=00"});
  t.creds = {Fixed({}),
             Fixed({"Authorization: AWS4-HMAC-SHA256 Credential=nobody/20200101/us-east-1/s3/aws4_request, "
                    "SignedHeaders=host, Signature=00",
                    "x-amz-date: 20200101T000000Z", "x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}),
             [s, port](const std::string& method, const std::string& target) {
               return SignedHeaders(s, port, method, target);
             }};
  ExpectEveryRequestAnswered(t);
  const Answer health = Send(port, "GET", "/", SignedHeaders(s, port, "GET", "/"), Body::kNone);
  EXPECT_EQ(health.status, 200) << health.head;
}

// What a browser asks for when it opens the web page.
TEST_F(RouteMatrix, WebPageServesAFavicon) {
  const int port = PortOf(stack_->api_url());
  const Answer a = Send(port, "GET", "/favicon.ico", {}, Body::kNone);
  EXPECT_EQ(a.status, 200) << a.head;
  EXPECT_NE(a.head.find("Content-Type: image/"), std::string::npos) << a.head;
  const Answer post = Send(port, "POST", "/", {}, Body::kNone);
  EXPECT_GT(post.status, 0);
  ExpectNoComponentExited();
  EXPECT_EQ(Send(port, "GET", "/", {}, Body::kNone).status, 200);
}

}  // namespace
}  // namespace tcoder::testing
