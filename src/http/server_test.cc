#include "http/server.h"
#include "http/url.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <future>
#include <thread>

#include "common/file_util.h"
#include "support/test_env.h"

namespace tcoder::http {
namespace {

// A blocking client over one loopback connection.
class Client {
 public:
  explicit Client(int port) : fd_(testing::ConnectLoopback(port, std::chrono::seconds(10))) {}
  bool connected() const { return fd_.valid(); }
  void Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Reads until `marker` has arrived (or EOF / timeout); returns all read so far.
  std::string ReadUntil(std::string_view marker) {
    while (buf_.find(marker) == std::string::npos) {
      char tmp[4096];
      const ssize_t n = ::recv(fd_.get(), tmp, sizeof tmp, 0);
      if (n <= 0) break;
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
    return std::exchange(buf_, {});
  }
  std::string ReadToEof() { return ReadUntil(std::string_view("\x01\x02never", 7)); }
  // What is buffered, else what one recv brings (empty at EOF or timeout).
  std::string ReadSome() {
    if (buf_.empty()) {
      char tmp[65536];
      const ssize_t n = ::recv(fd_.get(), tmp, sizeof tmp, 0);
      if (n > 0) buf_.append(tmp, static_cast<std::size_t>(n));
    }
    return std::exchange(buf_, {});
  }

 private:
  UniqueFd fd_;
  std::string buf_;
};

// The file /file serves (query: offset and length), set by the tests that use it.
std::string g_file_path;  // NOLINT: test fixture state

Task<void> ServeFileSlice(Exchange& ex) {
  const auto q = ParseQuery(ex.request().query).value_or(std::vector<std::pair<std::string, std::string>>{});
  std::uint64_t offset = 0, length = 0;
  for (const auto& [k, v] : q) (k == "offset" ? offset : length) = std::stoull(v);
  UniqueFd fd(::open(g_file_path.c_str(), O_RDONLY | O_CLOEXEC));
  Response head{200, {{"Content-Type", "application/octet-stream"}}, length};
  Status s = co_await ex.WriteHead(std::move(head));
  if (s.ok()) s = co_await ex.WriteFile(fd.get(), offset, length);
  if (s.ok()) s = co_await ex.Finish();
}

// Echoes the request body's size and first bytes; /stream sends a chunked body.
Task<void> TestHandler(Exchange& ex) {
  const Request& req = ex.request();
  if (req.path == "/file") co_return co_await ServeFileSlice(ex);
  if (req.path == "/stream") {
    Response head{200, {{"Content-Type", "text/event-stream"}}, std::nullopt};
    Status s = co_await ex.WriteHead(std::move(head));
    for (int i = 0; s.ok() && i < 3; ++i) s = co_await ex.WriteBody("data: " + std::to_string(i) + "\n\n");
    if (s.ok()) s = co_await ex.Finish();
    co_return;
  }
  if (req.path == "/slow") {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(300));
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  if (req.path == "/silent") co_return;  // no response: the server answers 500
  if (req.path == "/own-via") {
    Headers own{{std::string("X-Via"), std::string("handler")}};
    Status s = co_await ex.Respond(200, std::move(own), "own");
    co_return;
  }
  if (req.path == "/refuse") {
    Status s = co_await ex.Respond(403, Headers(), "no");
    co_return;
  }
  std::string body;
  std::uint64_t total = 0;
  std::vector<char> buf(1000);
  while (true) {
    auto n = co_await ex.ReadBody(buf.data(), buf.size());
    if (!n.ok() || *n == 0) break;
    total += *n;
    if (body.size() < 16) body.append(buf.data(), std::min<std::size_t>(*n, 16 - body.size()));
  }
  Headers headers{{"X-Path", req.path}};
  Status s = co_await ex.Respond(200, std::move(headers), std::to_string(total) + ":" + body);
}

std::unique_ptr<Server> StartServer(ServerOptions options = {}) {
  options.threads = 2;
  options.header_limit = 2048;
  options.shutdown_grace = std::chrono::seconds(5);
  auto server = Server::Start(options, TestHandler);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

TEST(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  auto server = StartServer();
  Client c(server->port());
  ASSERT_TRUE(c.connected());
  c.Send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  const std::string first = c.ReadUntil("5:hello");
  EXPECT_NE(first.find("HTTP/1.1 200 OK"), std::string::npos) << first;
  EXPECT_NE(first.find("X-Path: /a"), std::string::npos) << first;
  c.Send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string second = c.ReadUntil("0:");
  EXPECT_NE(second.find("X-Path: /b"), std::string::npos) << second;
}

TEST(HttpServer, ChunkedRequestBodyIsDecoded) {
  auto server = StartServer();
  Client c(server->port());
  c.Send("PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  const std::string r = c.ReadUntil("5:abcde");
  EXPECT_NE(r.find("5:abcde"), std::string::npos) << r;
}

TEST(HttpServer, ExpectContinueSends100BeforeReadingTheBody) {
  auto server = StartServer();
  Client c(server->port());
  c.Send("PUT /d HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  const std::string interim = c.ReadUntil("\r\n\r\n");
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  c.Send("xyz");
  EXPECT_NE(c.ReadUntil("3:xyz").find("3:xyz"), std::string::npos);
}

TEST(HttpServer, RefusalWithoutReadingAnExpectedBodyClosesTheConnection) {
  auto server = StartServer();
  Client c(server->port());
  c.Send("PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\nExpect: 100-continue\r\n\r\n");
  const std::string r = c.ReadToEof();
  EXPECT_EQ(r.find("100 Continue"), std::string::npos) << r;
  EXPECT_NE(r.find("403"), std::string::npos) << r;
  EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
}

TEST(HttpServer, OversizedHeaderGets431) {
  auto server = StartServer();
  Client c(server->port());
  c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_NE(c.ReadToEof().find("HTTP/1.1 431"), std::string::npos);
}

TEST(HttpServer, MalformedRequestGets400) {
  auto server = StartServer();
  Client c(server->port());
  c.Send("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(c.ReadToEof().find("HTTP/1.1 400"), std::string::npos);
}

TEST(HttpServer, ResponseWithoutLengthIsChunked) {
  auto server = StartServer();
  Client c(server->port());
  c.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string r = c.ReadUntil("0\r\n\r\n");
  EXPECT_NE(r.find("Transfer-Encoding: chunked"), std::string::npos) << r;
  EXPECT_NE(r.find("data: 2\n\n"), std::string::npos) << r;
}

TEST(HttpServer, HeadResponseCarriesNoBody) {
  auto server = StartServer();
  Client c(server->port());
  c.Send("HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string r = c.ReadToEof();
  EXPECT_NE(r.find("Content-Length: 2"), std::string::npos) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\n")) << r;
}

TEST(HttpServer, StopLetsAnInFlightRequestFinish) {
  auto server = StartServer();
  Client busy(server->port());
  Client idle(server->port());
  busy.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto stopped = std::async(std::launch::async, [&] { server->Stop(); });
  const std::string r = busy.ReadToEof();
  EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
  EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  EXPECT_EQ(idle.ReadToEof(), "");  // the idle connection is closed without a response
  stopped.get();
  Client after(server->port());
  EXPECT_FALSE(after.connected());
}

TEST(HttpServer, DefaultHeadersAreOnEveryResponseTheServerMakes) {
  ServerOptions options;
  options.default_headers = {{"X-Via", "test-server"}};
  options.idle_timeout = std::chrono::milliseconds(300);
  auto server = StartServer(options);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 200"},
      {"NOT HTTP AT ALL\r\n\r\n", "HTTP/1.1 400"},
      {"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n", "HTTP/1.1 431"},
      {"GET /silent HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 500"},
      {"GET /half-sent HTTP/1.1\r\nHost: x\r\n", "HTTP/1.1 408"},  // times out mid-head
  };
  for (const auto& [request, status] : cases) {
    Client c(server->port());
    c.Send(request);
    const std::string r = c.ReadToEof();
    EXPECT_TRUE(r.starts_with(status)) << r;
    EXPECT_NE(r.find("\r\nX-Via: test-server\r\n"), std::string::npos) << r;
  }
  // A handler's own value wins; the header is never sent twice.
  Client own(server->port());
  own.Send("GET /own-via HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string r = own.ReadToEof();
  EXPECT_NE(r.find("X-Via: handler"), std::string::npos) << r;
  EXPECT_EQ(r.find("test-server"), std::string::npos) << r;
}

TEST(HttpServer, AnIdleConnectionClosesWithoutAResponse) {
  ServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(200);
  auto server = StartServer(options);
  Client c(server->port());
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.ReadToEof(), "");
}

// A file with a byte pattern that shows any misplaced slice.
std::string MakePatternFile(const std::string& path, std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  EXPECT_TRUE(WriteFileAtomic(path, data).ok());
  return data;
}

std::string BodyOf(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

TEST(HttpServer, FileBodiesSmallAndLargeArriveExactly) {
  g_file_path = ::testing::TempDir() + "/http-file-slices.bin";
  const std::string data = MakePatternFile(g_file_path, (3u << 20) + 5);
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const std::vector<std::pair<std::size_t, std::size_t>> slices = {
      {0, 1000}, {5, 65536}, {0, data.size()}, {100'001, 2'000'003}, {data.size() - 1, 1}};
  Client c(server->port());
  for (const auto& [offset, length] : slices) {
    c.Send("GET /file?offset=" + std::to_string(offset) + "&length=" + std::to_string(length) +
           " HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string head = c.ReadUntil("\r\n\r\n");
    ASSERT_NE(head.find("Content-Length: " + std::to_string(length)), std::string::npos) << head;
    std::string body = BodyOf(head);
    while (body.size() < length) {
      std::string more = c.ReadSome();
      if (more.empty()) break;
      body += more;
    }
    ASSERT_EQ(body.size(), length) << "slice " << offset;
    EXPECT_TRUE(body == data.substr(offset, length)) << "slice " << offset << " differs";
  }
}

TEST(HttpServer, AClientThatStopsReadingIsCutOffAfterTheIoTimeout) {
  g_file_path = ::testing::TempDir() + "/http-file-stall.bin";
  const std::size_t size = 64u << 20;
  MakePatternFile(g_file_path, size);
  ServerOptions options;
  options.io_timeout = std::chrono::milliseconds(300);
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Client c(server->port());
  c.Send("GET /file?offset=0&length=" + std::to_string(size) + " HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the socket buffers fill; the server gives up
  const std::string all = c.ReadToEof();
  EXPECT_GT(all.size(), 0u);
  EXPECT_LT(BodyOf(all).size(), size);  // cut short, and the connection closed (ReadToEof returned)
}

}  // namespace
}  // namespace tcoder::http
