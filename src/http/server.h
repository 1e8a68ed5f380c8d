// HTTP/1.1 server: one C++20 coroutine per connection over Boost.Beast, with
// streaming request and response bodies, keep-alive, per-operation deadlines,
// Expect: 100-continue and graceful shutdown. Beast stays in server.cc.
//
// Thread-safety: Server is started and stopped from one thread; handlers run
// on the server's io threads, one Exchange per request, used by one coroutine.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp needs it first with GCC 12

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/status.h"

namespace tcoder::http {

template <typename T>
using Task = boost::asio::awaitable<T>;

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// The request line and headers; the body is read through Exchange::ReadBody.
struct Request {
  std::string method;  // "GET", as sent
  std::string target;  // the raw request-target: "/a%20b?x=y"
  std::string path;    // target before '?', still percent-encoded
  std::string query;   // target after '?', raw ("" when none)
  Headers headers;     // in arrival order
  std::optional<std::uint64_t> content_length;
  bool chunked = false;          // Transfer-Encoding: chunked
  bool expect_continue = false;  // Expect: 100-continue
  std::string remote;            // peer address "ip:port"

  // The first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Find(std::string_view name) const;
  // The header's value, or "" when absent.
  std::string_view Get(std::string_view name) const { return Find(name).value_or(std::string_view{}); }
  bool has_body() const { return chunked || content_length.value_or(0) > 0; }
};

// A response's status line and headers. Without content_length the body is
// sent chunked (long-lived streams such as Server-Sent Events).
struct Response {
  int status = 200;
  Headers headers;
  std::optional<std::uint64_t> content_length;
  // More header lines, already rendered by FormatHeaders (a cached object's
  // fixed headers); must stay valid until WriteHead returns.
  std::string_view formatted;
};

// "Name: value\r\n" lines for `headers`, leaving out any with CR or LF.
std::string FormatHeaders(const Headers& headers);

// One request/response exchange. Errors from the socket come back as Status;
// after one, the connection is closed once the handler returns.
class Exchange {
 public:
  virtual ~Exchange() = default;

  virtual const Request& request() const = 0;

  // Reads up to `size` body bytes into `buf`; 0 once the body is complete.
  // Sends "100 Continue" before the first read when the client asked for it.
  virtual Task<Result<std::size_t>> ReadBody(char* buf, std::size_t size) = 0;

  // Sends the status line and headers (Content-Length or chunked framing and
  // Connection are added here). For HEAD requests no body bytes are sent.
  virtual Task<Status> WriteHead(Response head) = 0;
  // Sends body bytes; with a Content-Length, never more than it announced.
  virtual Task<Status> WriteBody(std::string_view data) = 0;
  // Sends `length` bytes of the open file `fd` starting at `offset`.
  virtual Task<Status> WriteFile(int fd, std::uint64_t offset, std::uint64_t length) = 0;
  // Ends the body (the last chunk when chunked). A short Content-Length body
  // is an error and closes the connection.
  virtual Task<Status> Finish() = 0;

  virtual bool head_sent() const = 0;
  // True once the server is shutting down: long-lived streams should end.
  virtual bool stopping() const = 0;

  // A whole response with a small body: head, body, finish.
  Task<Status> Respond(int status, Headers headers, std::string body);
};

// Handles one request. It must send a response; one that sends none gets 500.
using Handler = std::function<Task<void>(Exchange&)>;

struct ServerOptions {
  std::string bind = "127.0.0.1";
  int port = 0;  // 0: any free port (see Server::port())
  int threads = 1;
  std::size_t header_limit = 16 * 1024;              // request line + headers; over it: 431
  std::chrono::milliseconds io_timeout{30'000};      // each read or write while a request is served
  std::chrono::milliseconds idle_timeout{60'000};    // for the next request's head; a partial one then gets 408
  std::chrono::milliseconds shutdown_grace{10'000};  // in-flight requests' time to finish on Stop()
  // Added to every response, the handler's and the server's own (400, 408,
  // 431, 500), unless the response already has a header of that name.
  Headers default_headers;
};

class Server {
 public:
  // Binds, listens and starts the io threads. Errors: the address is taken or invalid.
  [[nodiscard]] static Result<std::unique_ptr<Server>> Start(ServerOptions options, Handler handler);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  // Stops accepting, closes idle connections, lets in-flight requests finish
  // within shutdown_grace, then closes the rest. Returns once all threads ended.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tcoder::http
