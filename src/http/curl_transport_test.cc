// CurlTransport against tcoder's own HTTP server on loopback: bodies from
// strings, files and readers; responses to memory, descriptors and callbacks;
// limits, redirects, progress, timeouts and the connect-time address check.
#include "http/curl_transport.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <atomic>

#include "common/file_util.h"
#include "common/net_util.h"
#include "common/temp_dir.h"
#include "http/server.h"

namespace tcoder::http {
namespace {

std::string g_away_url;           // NOLINT: where /away redirects (set by the test that uses it)
std::atomic<int> g_near_hits{0};  // NOLINT: requests the 127.0.0.1 server saw
std::atomic<int> g_far_hits{0};   // NOLINT: requests the 127.0.0.2 server saw

std::string Pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return out;
}

Task<std::string> ReadAll(Exchange& ex) {
  std::string body;
  std::vector<char> buf(64 << 10);
  while (true) {
    auto n = co_await ex.ReadBody(buf.data(), buf.size());
    if (!n.ok() || *n == 0) break;
    body.append(buf.data(), *n);
  }
  co_return body;
}

Task<void> Redirect(Exchange& ex, std::string location) {
  Headers headers{{std::string("Location"), std::move(location)}};
  Status s = co_await ex.Respond(302, std::move(headers), "moved");
}

Task<void> Stream(Exchange& ex) {
  Response head{200, {{"Content-Type", "text/event-stream"}}, std::nullopt};
  Status s = co_await ex.WriteHead(std::move(head));
  for (int i = 0; s.ok() && i < 3; ++i) s = co_await ex.WriteBody("data: " + std::to_string(i) + "\n\n");
  if (s.ok()) s = co_await ex.Finish();
}

// /echo answers with the request's body and, in headers, its method, length
// and X-Test header; /big is 1 MiB; the others say what their names say.
Task<void> NearHandler(Exchange& ex) {
  ++g_near_hits;
  const Request& req = ex.request();
  if (req.path == "/to-echo") co_return co_await Redirect(ex, "/echo");
  if (req.path == "/loop") co_return co_await Redirect(ex, "/loop");
  if (req.path == "/away") co_return co_await Redirect(ex, g_away_url);
  if (req.path == "/sse") co_return co_await Stream(ex);
  if (req.path == "/slow") {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::seconds(3));
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  if (req.path == "/missing") {
    Status s = co_await ex.Respond(404, Headers(), "not here");
    co_return;
  }
  if (req.path == "/big") {
    Status s = co_await ex.Respond(200, Headers(), Pattern(1 << 20));
    co_return;
  }
  std::string body = co_await ReadAll(ex);
  Headers headers{
      {"X-Method", req.method}, {"X-Length", std::to_string(body.size())}, {"X-Test", std::string(req.Get("X-Test"))}};
  Status s = co_await ex.Respond(200, std::move(headers), std::move(body));
}

Task<void> FarHandler(Exchange& ex) {
  ++g_far_hits;
  Status s = co_await ex.Respond(200, Headers(), "far");
}

std::unique_ptr<Server> StartServer(const std::string& bind, Handler handler) {
  ServerOptions options;
  options.bind = bind;
  options.shutdown_grace = std::chrono::milliseconds(200);
  auto server = Server::Start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

class CurlTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer("127.0.0.1", NearHandler);
    ASSERT_NE(server_, nullptr);
    g_near_hits = 0;
  }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }
  HttpRequest Get(std::string_view path) const {
    HttpRequest req;
    req.method = "GET";
    req.url = Url(path);
    return req;
  }

  TempDir dir_ = std::move(TempDir::Create("curl-transport-test").value());
  std::unique_ptr<Server> server_;
  CurlTransport transport_;
};

TEST_F(CurlTransportTest, SendsMethodHeadersAndABodyFromMemory) {
  HttpRequest req = Get("/echo");
  req.method = "POST";
  req.headers = {{"X-Test", "yes"}, {"Content-Type", "text/plain"}};
  req.body = "hello";
  auto resp = transport_.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "hello");
  EXPECT_EQ(resp->Header("x-method"), "POST");
  EXPECT_EQ(resp->Header("x-test"), "yes");
  EXPECT_EQ(resp->body_bytes, 5u);

  req.method = "DELETE";
  req.body.clear();
  resp = transport_.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->Header("x-method"), "DELETE");
  EXPECT_EQ(resp->Header("x-length"), "0");

  req.method = "HEAD";
  resp = transport_.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_TRUE(resp->body.empty());
}

TEST_F(CurlTransportTest, StreamsAFileRangeAndReportsUploadProgress) {
  const std::string data = Pattern((2 << 20) + 3);
  const auto file = dir_.path() / "body";
  ASSERT_TRUE(WriteFileAtomic(file, data).ok());
  HttpRequest req = Get("/echo");
  req.method = "PUT";
  req.body_file = file;
  req.body_offset = 1001;
  req.body_length = data.size() - 2000;
  req.max_body_bytes = 8 << 20;
  TransferProgress last;
  req.on_progress = [&](const TransferProgress& p) {
    if (p.upload_total > 0) last = p;
    return true;
  };
  auto resp = transport_.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->Header("x-method"), "PUT");
  EXPECT_TRUE(resp->body == data.substr(1001, data.size() - 2000)) << "the echoed range differs";
  EXPECT_EQ(last.upload_total, req.body_length);
  EXPECT_EQ(last.uploaded, req.body_length);

  req.on_progress = [](const TransferProgress&) { return false; };
  EXPECT_EQ(transport_.Send(req).status().code(), Code::kCancelled);
}

TEST_F(CurlTransportTest, StreamsABodyFromAReader) {
  const std::string data = Pattern(300'000);
  std::size_t offset = 0;
  HttpRequest req = Get("/echo");
  req.method = "POST";
  req.body_length = data.size();
  req.body_reader = [&](char* buffer, std::size_t capacity) -> Result<std::size_t> {
    const std::size_t n = std::min(capacity, data.size() - offset);
    std::memcpy(buffer, data.data() + offset, n);
    offset += n;
    return n;
  };
  auto resp = transport_.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_TRUE(resp->body == data) << "the echoed body differs";

  offset = 0;
  req.body_reader = [](char*, std::size_t) -> Result<std::size_t> { return IOError("disk gone"); };
  Status failed = transport_.Send(req).status();
  EXPECT_EQ(failed.code(), Code::kIOError) << failed.ToString();
  EXPECT_NE(failed.message().find("disk gone"), std::string::npos) << failed.ToString();
}

TEST_F(CurlTransportTest, ASuccessfulBodyGoesToTheDescriptorAnErrorBodyToMemory) {
  const auto file = dir_.path() / "download";
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  ASSERT_TRUE(fd.valid());
  HttpRequest req = Get("/big");
  req.response_fd = fd.get();
  req.max_body_bytes = kNoBodyLimit;
  auto resp = transport_.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body_bytes, 1u << 20);
  EXPECT_TRUE(resp->body.empty());
  EXPECT_TRUE(ReadFile(file).value() == Pattern(1 << 20)) << "the downloaded file differs";

  ASSERT_EQ(::ftruncate(fd.get(), 0), 0);
  req.url = Url("/missing");
  resp = transport_.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 404);
  EXPECT_EQ(resp->body, "not here");
  EXPECT_EQ(std::filesystem::file_size(file), 0u);
}

TEST_F(CurlTransportTest, TheBodyLimitHoldsWhereverTheBodyGoes) {
  HttpRequest req = Get("/big");  // announced by Content-Length: refused before the body
  req.max_body_bytes = 1000;
  EXPECT_EQ(transport_.Send(req).status().code(), Code::kTooLarge);
  std::uint64_t seen = 0;
  req.on_body = [&](std::string_view piece) {
    seen += piece.size();
    return true;
  };
  EXPECT_EQ(transport_.Send(req).status().code(), Code::kTooLarge);
  EXPECT_EQ(seen, 0u);
  req = Get("/sse");  // chunked, no Content-Length: stopped while it streams
  req.max_body_bytes = 12;
  req.on_body = [&](std::string_view piece) {
    seen += piece.size();
    return true;
  };
  EXPECT_EQ(transport_.Send(req).status().code(), Code::kTooLarge);
  EXPECT_LE(seen, 12u);
  req = Get("/missing");  // an error body is not held to the limit
  req.max_body_bytes = 2;
  EXPECT_EQ(transport_.Send(req).value().status, 404);
  req.method = "HEAD";  // nor the length a HEAD announces
  req.url = Url("/big");
  EXPECT_EQ(transport_.Send(req).value().status, 200);
}

TEST_F(CurlTransportTest, AStreamArrivesPieceByPieceUntilTheReceiverStops) {
  HttpRequest req = Get("/sse");
  std::string seen;
  req.on_body = [&](std::string_view piece) {
    seen.append(piece);
    return true;
  };
  auto resp = transport_.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(seen, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  EXPECT_TRUE(resp->body.empty());
  req.on_body = [](std::string_view) { return false; };
  EXPECT_EQ(transport_.Send(req).status().code(), Code::kCancelled);
}

TEST_F(CurlTransportTest, RedirectsAreFollowedOnlyWhenAsked) {
  HttpRequest req = Get("/to-echo");
  auto resp = transport_.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 302);
  EXPECT_EQ(resp->Header("location"), "/echo");
  req.max_redirects = 3;
  resp = transport_.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->Header("x-method"), "GET");
  EXPECT_TRUE(resp->Header("location").empty());  // the last response's headers only
  req.url = Url("/loop");
  EXPECT_EQ(transport_.Send(req).status().code(), Code::kInvalidArgument);
}

TEST_F(CurlTransportTest, TransportFailuresAreStatuses) {
  HttpRequest req = Get("/echo");
  req.url = "http://127.0.0.1:" + std::to_string(PickFreePort()) + "/";
  EXPECT_EQ(transport_.Send(req).status().code(), Code::kUnavailable);
  for (const char* bad : {"ftp://127.0.0.1/x", "file:///etc/passwd", "http://"}) {
    req.url = bad;
    EXPECT_EQ(transport_.Send(req).status().code(), Code::kInvalidArgument) << bad;
  }
  req = Get("/slow");
  req.timeouts.total = std::chrono::milliseconds(200);
  Status timed_out = transport_.Send(req).status();
  EXPECT_EQ(timed_out.code(), Code::kUnavailable) << timed_out.ToString();
  req.body_file = dir_.path() / "absent";
  req.method = "PUT";
  EXPECT_EQ(transport_.Send(req).status().code(), Code::kNotFound);
}

TEST_F(CurlTransportTest, TheAddressCheckSeesEveryConnection) {
  std::vector<std::string> seen;
  HttpRequest req = Get("/echo");
  req.check_address = [&](const sockaddr* address) {
    seen.push_back(AddressText(address));
    return Status(Code::kPermissionDenied, "refused " + AddressText(address));
  };
  ASSERT_TRUE(transport_.Send(Get("/echo")).ok());  // leaves a connection open for reuse
  const int before = g_near_hits;
  Status refused = transport_.Send(req).status();
  EXPECT_EQ(refused.code(), Code::kPermissionDenied) << refused.ToString();
  EXPECT_EQ(seen, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(refused.message(), "refused 127.0.0.1");
  EXPECT_EQ(g_near_hits, before);  // nothing reached the server, not even on the kept connection

  // A name is checked by the addresses it resolves to.
  seen.clear();
  req.url = "http://localhost:" + std::to_string(server_->port()) + "/echo";
  refused = transport_.Send(req).status();
  EXPECT_EQ(refused.code(), Code::kPermissionDenied) << refused.ToString();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(refused.message(), "refused " + seen.back());
  EXPECT_EQ(g_near_hits, before);
}

TEST_F(CurlTransportTest, TheAddressCheckHoldsAfterARedirect) {
  auto far = StartServer("127.0.0.2", FarHandler);
  ASSERT_NE(far, nullptr);
  g_far_hits = 0;
  g_away_url = "http://127.0.0.2:" + std::to_string(far->port()) + "/";
  HttpRequest req = Get("/away");
  req.max_redirects = 2;
  auto resp = transport_.Send(req);  // unchecked: the redirect reaches the far server
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "far");
  EXPECT_EQ(g_far_hits, 1);
  req.check_address = [](const sockaddr* address) {
    if (AddressText(address) == "127.0.0.2") return Status(Code::kPermissionDenied, "127.0.0.2 is off limits");
    return Status::Ok();
  };
  Status refused = transport_.Send(req).status();
  EXPECT_EQ(refused.code(), Code::kPermissionDenied) << refused.ToString();
  EXPECT_EQ(g_far_hits, 1);
}

}  // namespace
}  // namespace tcoder::http
