#include "worker/input_fetch.h"

#include <gtest/gtest.h>

#include "common/file_util.h"
#include "common/net_util.h"
#include "common/process.h"
#include "common/temp_dir.h"
#include "worker/failure.h"

namespace tcoder::worker {
namespace {

class InputFetch : public ::testing::Test {
 protected:
  TempDir dir_ = std::move(TempDir::Create("input-fetch-test").value());
  std::filesystem::path file_ = dir_.path() / "input";
};

TEST_F(InputFetch, LoopbackIsRefusedAtConnectTimeAndNamed) {
  const int port = PickFreePort();
  Status s = FetchInput("http://127.0.0.1:" + std::to_string(port) + "/a.mp4", file_, {});
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("127.0.0.1"), std::string::npos) << s.ToString();
  EXPECT_TRUE(IsPermanentFailure(s));
  // A name that resolves to loopback is refused the same way.
  s = FetchInput("http://localhost:" + std::to_string(port) + "/a.mp4", file_, {});
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
}

TEST_F(InputFetch, AllowedPrivateTargetThatIsDownIsRetryable) {
  InputFetchOptions o;
  o.allow_private = true;
  Status s = FetchInput("http://127.0.0.1:" + std::to_string(PickFreePort()) + "/a.mp4", file_, o);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  EXPECT_FALSE(IsPermanentFailure(s));
}

TEST_F(InputFetch, OtherSchemesAreRefused) {
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/a.mp4", "gopher://127.0.0.1:70/_x"}) {
    InputFetchOptions o;
    o.allow_private = true;
    Status s = FetchInput(url, file_, o);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << url << ": " << s.ToString();
  }
}

// A small HTTP/1.0 server (python3) on 127.0.0.1: /ok (5 bytes), /big (100000
// bytes, no Content-Length: the end is the connection's close), /missing (404),
// /flaky (503), /to-ftp (302 to ftp://), /loop (302 to itself), /to-ok (302 to /ok).
constexpr const char* kServer = R"py(
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        routes = {'/to-ftp': 'ftp://127.0.0.1/x', '/loop': '/loop', '/to-ok': '/ok'}
        if self.path in routes:
            self.send_response(302); self.send_header('Location', routes[self.path]); self.end_headers()
        elif self.path == '/ok':
            self.send_response(200); self.send_header('Content-Length', '5'); self.end_headers(); self.wfile.write(b'hello')
        elif self.path == '/big':
            self.send_response(200); self.end_headers(); self.wfile.write(b'x' * 100000)
        else:
            self.send_response(503 if self.path == '/flaky' else 404); self.send_header('Content-Length', '0'); self.end_headers()
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
)py";

class InputFetchOverHttp : public InputFetch {
 protected:
  void SetUp() override {
    port_ = PickFreePort();
    ProcessSpec spec;
    spec.argv = {"python3", "-c", kServer, std::to_string(port_)};
    spec.stdout_mode = StdStream::kNull;
    spec.stderr_mode = StdStream::kNull;
    auto process = Subprocess::Spawn(spec);
    ASSERT_TRUE(process.ok()) << process.status().ToString();
    server_ = std::make_unique<Subprocess>(std::move(*process));
    ASSERT_TRUE(WaitForPort("127.0.0.1", port_, std::chrono::seconds(20)));
    options_.allow_private = true;
  }
  void TearDown() override {
    if (server_) server_->Terminate(std::chrono::seconds(5));
  }
  Status Fetch(const std::string& path) {
    return FetchInput("http://127.0.0.1:" + std::to_string(port_) + path, file_, options_);
  }

  int port_ = 0;
  std::unique_ptr<Subprocess> server_;
  InputFetchOptions options_;
};

TEST_F(InputFetchOverHttp, FetchesTheBodyAndFollowsRedirects) {
  ASSERT_TRUE(Fetch("/ok").ok());
  EXPECT_EQ(ReadFile(file_).value(), "hello");
  ASSERT_TRUE(Fetch("/to-ok").ok());
  EXPECT_EQ(ReadFile(file_).value(), "hello");
  ASSERT_TRUE(Fetch("/big").ok());
  EXPECT_EQ(std::filesystem::file_size(file_), 100000u);
}

TEST_F(InputFetchOverHttp, SizeLimitHoldsWithoutAContentLength) {
  options_.max_bytes = 50000;
  Status s = Fetch("/big");
  EXPECT_EQ(s.code(), Code::kTooLarge) << s.ToString();
  EXPECT_TRUE(IsPermanentFailure(s));
  options_.max_bytes = 4;
  EXPECT_EQ(Fetch("/ok").code(), Code::kTooLarge);  // announced by Content-Length
}

TEST_F(InputFetchOverHttp, AnswersAreClassified) {
  Status missing = Fetch("/missing");
  EXPECT_EQ(missing.code(), Code::kInvalidArgument) << missing.ToString();
  EXPECT_NE(missing.message().find("404"), std::string::npos) << missing.ToString();
  Status flaky = Fetch("/flaky");
  EXPECT_EQ(flaky.code(), Code::kUnavailable) << flaky.ToString();
  EXPECT_FALSE(IsPermanentFailure(flaky));
  EXPECT_EQ(Fetch("/to-ftp").code(), Code::kInvalidArgument);  // redirects stay on http(s)
  EXPECT_EQ(Fetch("/loop").code(), Code::kInvalidArgument);
}

TEST_F(InputFetchOverHttp, StopCancelsTheTransfer) {
  options_.stop = [] { return true; };
  Status s = Fetch("/big");
  EXPECT_EQ(s.code(), Code::kCancelled) << s.ToString();
}

TEST_F(InputFetch, RedactedUrlsKeepNoCredentials) {
  EXPECT_EQ(RedactUrl("https://user:secret@example.com:8443/v/a.mp4?X-Amz-Signature=abc#t=1"),
            "https://example.com:8443/v/a.mp4");
  EXPECT_EQ(RedactUrl("http://example.com/a.mp4"), "http://example.com/a.mp4");
  EXPECT_EQ(RedactUrl("not a url"), "(bad URL)");
}

}  // namespace
}  // namespace tcoder::worker
