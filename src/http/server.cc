#include "http/server.h"

#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

// GCC 12 reports a false maybe-uninitialized in Beast 1.74's parser (boost::optional).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "http/url.h"

namespace tcoder::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kFileChunk = 256 * 1024;
constexpr std::uint64_t kSendfileMin = 64 * 1024;    // smaller file bodies are copied and sent with their head
constexpr std::uint64_t kDrainLimit = 1 << 20;       // unread request bodies up to this are drained, not closed on
constexpr std::size_t kBodyReadBuffer = 256 * 1024;  // socket read size while a body streams

bool IEquals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// True when `lines` (FormatHeaders output) has a header called `name`.
bool HasHeaderLine(std::string_view lines, std::string_view name) {
  while (!lines.empty()) {
    const std::size_t end = lines.find("\r\n");
    const std::string_view line = lines.substr(0, end);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && IEquals(line.substr(0, colon), name)) return true;
    if (end == std::string_view::npos) break;
    lines.remove_prefix(end + 2);
  }
  return false;
}

// Cancels the socket's pending operations if `timeout` passes before it is
// destroyed. Unlike a Beast stream timeout the socket stays open, so the
// caller can still answer (408) or close it as it sees fit.
class SocketDeadline {
 public:
  SocketDeadline(tcp::socket& socket, std::chrono::milliseconds timeout)
      : timer_(socket.get_executor(), timeout), state_(std::make_shared<State>()) {
    timer_.async_wait([&socket, state = state_](const beast::error_code& ec) {
      if (ec || state->over) return;  // cancelled, or fired after the operation ended
      state->fired = true;
      beast::error_code ignored;
      socket.cancel(ignored);
    });
  }
  ~SocketDeadline() {
    state_->over = true;
    timer_.cancel();
  }
  SocketDeadline(const SocketDeadline&) = delete;
  SocketDeadline& operator=(const SocketDeadline&) = delete;
  bool fired() const { return state_->fired; }

 private:
  struct State {
    bool over = false;
    bool fired = false;
  };
  net::steady_timer timer_;
  std::shared_ptr<State> state_;
};

std::string Hex(std::uint64_t n) {
  char buf[24];
  const int len = std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(n));
  return std::string(buf, static_cast<std::size_t>(len));
}

}  // namespace

std::optional<std::string_view> Request::Find(std::string_view name) const {
  for (const Header& h : headers) {
    if (IEquals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

Task<Status> Exchange::Respond(int status, Headers headers, std::string body) {
  Response head{status, std::move(headers), body.size()};
  Status s = co_await WriteHead(std::move(head));
  if (s.ok() && !body.empty()) s = co_await WriteBody(body);
  if (s.ok()) s = co_await Finish();
  co_return s;
}

// ---------------------------------------------------------------------------
// Connection: owns the stream; is the Exchange of each request in turn.

class Connection : public Exchange, public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server::Impl& server, tcp::socket socket);
  Task<void> Run(std::shared_ptr<Connection> self);
  // Called on the connection's io_context by Stop(): closes the socket if the
  // connection waits for a request (or always, when `force`).
  void Interrupt(bool force);
  net::any_io_executor executor() { return stream_.get_executor(); }

  const Request& request() const override { return req_; }
  Task<Result<std::size_t>> ReadBody(char* buf, std::size_t size) override;
  Task<Status> WriteHead(Response head) override;
  Task<Status> WriteBody(std::string_view data) override;
  Task<Status> WriteFile(int fd, std::uint64_t offset, std::uint64_t length) override;
  Task<Status> Finish() override;
  bool head_sent() const override { return head_sent_; }
  bool stopping() const override;

 private:
  void ResetExchange();
  bool FillRequest();
  Task<Status> WriteRaw(std::vector<net::const_buffer> buffers);
  Task<Status> FlushHead();
  Task<Status> SendFile(int fd, std::uint64_t offset, std::uint64_t length);
  Task<beast::error_code> WaitWritable();
  Task<void> AnswerBadRequest(int status, std::string_view message);
  Task<beast::error_code> ReadHead(bool& timed_out);
  Task<void> ServeOne();
  Task<void> DrainOrClose();

  Server::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> parser_;
  Request req_;
  bool idle_ = true;
  bool bad_request_ = false;  // the request could not be parsed: answer and close
  bool close_ = false;        // close after this exchange
  bool head_sent_ = false;
  bool finished_ = false;
  bool continue_sent_ = false;
  bool head_request_ = false;
  bool chunked_response_ = false;
  std::uint64_t body_read_ = 0;
  std::optional<std::uint64_t> response_length_;
  std::uint64_t response_sent_ = 0;
  std::string pending_head_;  // a fixed-length response's head, sent with the first body bytes
  std::string remote_;        // the peer's address, looked up once per connection
  std::vector<char> file_buf_;
};

// One io_context per thread: a connection lives on one of them (so it needs no
// strand and never wakes another thread), the acceptor on the first.
struct Server::Impl {
  using WorkGuard = net::executor_work_guard<net::io_context::executor_type>;
  ServerOptions options;
  Handler handler;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<WorkGuard> guards;
  tcp::acceptor acceptor;
  std::size_t next_context = 0;  // AcceptLoop's round robin
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  bool stopped = false;
  int port = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::map<Connection*, std::weak_ptr<Connection>> connections;

  Impl(ServerOptions o, Handler h)
      : options(std::move(o)), handler(std::move(h)), contexts(MakeContexts(options.threads)), acceptor(*contexts[0]) {
    for (auto& c : contexts) guards.push_back(net::make_work_guard(*c));
  }
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int threads) {
    std::vector<std::unique_ptr<net::io_context>> out;
    for (int i = 0; i < std::max(1, threads); ++i) out.push_back(std::make_unique<net::io_context>(1));
    return out;
  }

  Task<void> AcceptLoop();
  void Register(const std::shared_ptr<Connection>& c) {
    std::lock_guard lock(mu);
    connections[c.get()] = c;
  }
  void Unregister(Connection* c) {
    std::lock_guard lock(mu);
    connections.erase(c);
    cv.notify_all();
  }
  void InterruptAll(bool force);
  void StopAll();
};

Connection::Connection(Server::Impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}

bool Connection::stopping() const { return server_.stopping.load(); }

void Connection::Interrupt(bool force) {
  if (force || idle_) {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.cancel();
  }
}

void Connection::ResetExchange() {
  req_ = Request{};
  head_sent_ = finished_ = continue_sent_ = head_request_ = chunked_response_ = false;
  pending_head_.clear();
  body_read_ = 0;
  response_length_.reset();
  response_sent_ = 0;
}

bool Connection::FillRequest() {
  const auto& msg = parser_->get();
  req_.method = std::string(msg.method_string());
  req_.target = std::string(msg.target());
  const Target target = SplitTarget(req_.target);
  req_.path = std::string(target.path);
  req_.query = std::string(target.query);
  for (const auto& field : msg) req_.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  if (auto len = parser_->content_length()) req_.content_length = *len;
  req_.chunked = parser_->chunked();
  req_.expect_continue = IEquals(req_.Get("expect"), "100-continue");
  if (remote_.empty()) {
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  req_.remote = remote_;
  head_request_ = msg.method() == bhttp::verb::head;
  if (!msg.keep_alive()) close_ = true;
  return true;
}

Task<Status> Connection::WriteRaw(std::vector<net::const_buffer> buffers) {
  beast::error_code ec;
  stream_.expires_after(server_.options.io_timeout);
  co_await net::async_write(stream_, buffers, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    close_ = true;
    co_return IOError("write to client: " + ec.message());
  }
  co_return Status::Ok();
}

Task<Result<std::size_t>> Connection::ReadBody(char* buf, std::size_t size) {
  if (parser_->is_done() || size == 0) co_return std::size_t{0};
  if (req_.expect_continue && !continue_sent_ && !head_sent_) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    continue_sent_ = true;
    std::vector<net::const_buffer> bufs{net::buffer(kContinue.data(), kContinue.size())};
    Status s = co_await WriteRaw(std::move(bufs));
    if (!s.ok()) co_return s;
  }
  // Beast reads max(512, free capacity) bytes at a time: give the buffer room
  // so that a large body arrives in large reads, not 512-byte ones.
  if (buffer_.capacity() < kBodyReadBuffer) buffer_.reserve(kBodyReadBuffer);
  while (!parser_->is_done()) {
    auto& body = parser_->get().body();
    body.data = buf;
    body.size = size;
    beast::error_code ec;
    stream_.expires_after(server_.options.io_timeout);
    co_await bhttp::async_read_some(stream_, buffer_, *parser_, net::redirect_error(net::use_awaitable, ec));
    if (ec == bhttp::error::need_buffer) ec = {};
    const std::size_t n = size - body.size;
    if (ec) {
      close_ = true;
      if (ec == bhttp::error::partial_message || ec == net::error::eof)
        co_return Status(Code::kInvalidArgument, "request body cut short");
      co_return IOError("reading request body: " + ec.message());
    }
    if (n > 0) {
      body_read_ += n;
      co_return n;
    }
  }
  co_return std::size_t{0};
}

Task<Status> Connection::WriteHead(Response head) {
  TCODER_CHECK(!head_sent_, "WriteHead called twice");
  head_sent_ = true;
  // A body we will not read: a small one is drained afterwards, else we close.
  if (!bad_request_ && !parser_->is_done()) {
    const bool unsent = req_.expect_continue && !continue_sent_;
    const auto left = parser_->content_length_remaining();
    if (unsent || !left || *left > kDrainLimit) close_ = true;
  }
  if (stopping()) close_ = true;
  for (const Header& d : server_.options.default_headers) {
    const bool set = std::any_of(head.headers.begin(), head.headers.end(),
                                 [&](const Header& h) { return IEquals(h.name, d.name); }) ||
                     HasHeaderLine(head.formatted, d.name);
    if (!set) head.headers.push_back(d);
  }
  std::string out;
  out.reserve(512);
  out.append("HTTP/1.1 ").append(std::to_string(head.status)).append(" ");
  const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(head.status));
  out.append(reason.data(), reason.size()).append("\r\n");
  for (const Header& h : head.headers) {
    if (HasCrLf(h.name) || HasCrLf(h.value)) continue;  // never let a value split the head
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  out.append(head.formatted);
  const bool bodiless = head.status == 204 || head.status == 304 || head.status < 200;
  response_length_ = head.content_length;
  if (!bodiless && head.content_length) {
    out += "Content-Length: " + std::to_string(*head.content_length) + "\r\n";
  } else if (!bodiless) {
    chunked_response_ = !head_request_;
    if (chunked_response_) out += "Transfer-Encoding: chunked\r\n";
  }
  if (bodiless || head_request_) response_length_ = 0;
  if (close_) out += "Connection: close\r\n";
  out += "\r\n";
  if (response_length_ && *response_length_ > 0) {
    pending_head_ = std::move(out);  // the body follows: one write for both
    co_return Status::Ok();
  }
  std::vector<net::const_buffer> bufs{net::buffer(out)};
  co_return co_await WriteRaw(std::move(bufs));
}

Task<Status> Connection::FlushHead() {
  if (pending_head_.empty()) co_return Status::Ok();
  std::vector<net::const_buffer> bufs{net::buffer(pending_head_)};
  Status s = co_await WriteRaw(std::move(bufs));
  pending_head_.clear();
  co_return s;
}

Task<Status> Connection::WriteBody(std::string_view data) {
  TCODER_CHECK(head_sent_ && !finished_, "WriteBody outside a response");
  if (data.empty() || head_request_) co_return Status::Ok();
  if (chunked_response_) {
    const std::string size = Hex(data.size()) + "\r\n";
    std::vector<net::const_buffer> bufs{net::buffer(size), net::buffer(data.data(), data.size()),
                                        net::buffer("\r\n", 2)};
    co_return co_await WriteRaw(std::move(bufs));
  }
  if (response_length_ && response_sent_ + data.size() > *response_length_) {
    close_ = true;
    co_return Internal("response body longer than its Content-Length");
  }
  response_sent_ += data.size();
  std::vector<net::const_buffer> bufs;
  if (!pending_head_.empty()) bufs.push_back(net::buffer(pending_head_));
  bufs.push_back(net::buffer(data.data(), data.size()));
  Status s = co_await WriteRaw(std::move(bufs));
  pending_head_.clear();
  co_return s;
}

Task<Status> Connection::WriteFile(int fd, std::uint64_t offset, std::uint64_t length) {
  if (head_request_) co_return Status::Ok();
  if (!chunked_response_ && length >= kSendfileMin) co_return co_await SendFile(fd, offset, length);
  file_buf_.resize(kFileChunk);
  while (length > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(length, kFileChunk));
    const ssize_t n = ::pread(fd, file_buf_.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close_ = true;
      co_return n == 0 ? IOError("file shorter than expected") : ErrnoStatus("read file", errno);
    }
    Status s = co_await WriteBody(std::string_view(file_buf_.data(), static_cast<std::size_t>(n)));
    if (!s.ok()) co_return s;
    offset += static_cast<std::uint64_t>(n);
    length -= static_cast<std::uint64_t>(n);
  }
  co_return Status::Ok();
}

// Large file bodies go from the page cache to the socket with sendfile(2):
// no copy through this process. Waits for the socket to take more with the
// same io_timeout as every other write.
Task<Status> Connection::SendFile(int fd, std::uint64_t offset, std::uint64_t length) {
  if (response_length_ && response_sent_ + length > *response_length_) {
    close_ = true;
    co_return Internal("response body longer than its Content-Length");
  }
  if (Status s = co_await FlushHead(); !s.ok()) co_return s;
  auto& socket = stream_.socket();
  beast::error_code ec;
  socket.native_non_blocking(true, ec);
  off_t pos = static_cast<off_t>(offset);
  while (length > 0 && !ec) {
    const ssize_t n = ::sendfile(socket.native_handle(), fd, &pos,
                                 static_cast<std::size_t>(std::min<std::uint64_t>(length, 1 << 30)));
    if (n > 0) {
      length -= static_cast<std::uint64_t>(n);
      response_sent_ += static_cast<std::uint64_t>(n);
    } else if (n == 0) {
      close_ = true;
      co_return IOError("file shorter than expected");
    } else if (errno == EAGAIN) {
      ec = co_await WaitWritable();
    } else if (errno != EINTR) {
      ec.assign(errno, boost::system::system_category());
    }
  }
  if (ec) {
    close_ = true;
    co_return IOError("write to client: " + ec.message());
  }
  co_return Status::Ok();
}

// Waits until the socket can take more bytes, at most io_timeout.
Task<beast::error_code> Connection::WaitWritable() {
  SocketDeadline deadline(stream_.socket(), server_.options.io_timeout);
  beast::error_code ec;
  co_await stream_.socket().async_wait(tcp::socket::wait_write, net::redirect_error(net::use_awaitable, ec));
  co_return ec;
}

Task<Status> Connection::Finish() {
  TCODER_CHECK(head_sent_ && !finished_, "Finish outside a response");
  finished_ = true;
  if (Status s = co_await FlushHead(); !s.ok()) co_return s;
  if (chunked_response_) {
    std::vector<net::const_buffer> bufs{net::buffer("0\r\n\r\n", 5)};
    co_return co_await WriteRaw(std::move(bufs));
  }
  if (response_length_ && response_sent_ != *response_length_ && !head_request_) {
    close_ = true;
    co_return Internal("response body shorter than its Content-Length");
  }
  co_return Status::Ok();
}

Task<void> Connection::AnswerBadRequest(int status, std::string_view message) {
  close_ = true;
  bad_request_ = true;
  Headers headers{{"Content-Type", "text/plain"}};
  Status s = co_await Respond(status, std::move(headers), std::string(message) + "\n");
  (void)s;
}

Task<void> Connection::DrainOrClose() {
  if (close_ || parser_->is_done()) co_return;
  std::vector<char> sink(64 * 1024);
  while (!close_ && !parser_->is_done()) {
    auto n = co_await ReadBody(sink.data(), sink.size());
    if (!n.ok()) close_ = true;
  }
}

Task<void> Connection::ServeOne() {
  try {
    co_await server_.handler(*this);
  } catch (const std::exception& e) {
    log::Error("http handler threw", {{"error", e.what()}, {"target", req_.path}});
    close_ = true;
  }
  if (!head_sent_) {
    Headers headers{{"Content-Type", "text/plain"}};
    Status s = co_await Respond(500, std::move(headers), "internal error\n");
    (void)s;
  } else if (!finished_) {
    close_ = true;  // the response is cut short: only closing tells the client
  }
  if (!close_) co_await DrainOrClose();
}

// Reads the next request's head within idle_timeout. Past it the read is
// cancelled with the socket left open (a Beast stream timeout would close it),
// so that a half-sent request can still be answered.
Task<beast::error_code> Connection::ReadHead(bool& timed_out) {
  SocketDeadline deadline(stream_.socket(), server_.options.idle_timeout);
  stream_.expires_never();
  beast::error_code ec;
  co_await bhttp::async_read_header(stream_, buffer_, *parser_, net::redirect_error(net::use_awaitable, ec));
  timed_out = deadline.fired() && ec;  // a read that completed as the timer fired stands
  co_return ec;
}

Task<void> Connection::Run(std::shared_ptr<Connection> self) {
  while (!close_ && !stopping()) {
    ResetExchange();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // handlers decide (none is buggy in 1.74)
    idle_ = true;
    bool timed_out = false;
    beast::error_code ec = co_await ReadHead(timed_out);
    idle_ = false;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (timed_out) {
      // A request begun but not finished in time gets 408; an idle connection just closes.
      if (parser_->got_some() || buffer_.size() > 0) co_await AnswerBadRequest(408, "request timeout");
      break;
    }
    if (ec == bhttp::error::header_limit) {
      co_await AnswerBadRequest(431, "request header too large");
      break;
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      break;
    }
    if (ec) {
      co_await AnswerBadRequest(400, "bad request: " + ec.message());
      break;
    }
    FillRequest();
    co_await ServeOne();
  }
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.close();
  server_.Unregister(self.get());
}

// ---------------------------------------------------------------------------
// Server

Task<void> Server::Impl::AcceptLoop() {
  while (!stopping.load()) {
    beast::error_code ec;
    net::io_context& context = *contexts[next_context++ % contexts.size()];
    tcp::socket socket = co_await acceptor.async_accept(context, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (stopping.load() || ec == net::error::operation_aborted) break;
      log::Warn("http accept failed", {{"error", ec.message()}});
      continue;
    }
    // Small responses (headers, playlists) go out at once, not after Nagle's delay.
    socket.set_option(tcp::no_delay(true), ec);
    const auto executor = socket.get_executor();
    auto conn = std::make_shared<Connection>(*this, std::move(socket));
    Register(conn);
    net::co_spawn(executor, conn->Run(conn), net::detached);
  }
}

void Server::Impl::InterruptAll(bool force) {
  std::lock_guard lock(mu);
  for (auto& [raw, weak] : connections) {
    if (auto c = weak.lock()) {
      net::post(c->executor(), [c, force] { c->Interrupt(force); });
    }
  }
}

void Server::Impl::StopAll() {
  if (stopped) return;
  stopped = true;
  stopping = true;
  net::post(acceptor.get_executor(), [this] {
    beast::error_code ec;
    acceptor.close(ec);
  });
  InterruptAll(false);
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, options.shutdown_grace, [this] { return connections.empty(); });
  }
  InterruptAll(true);
  {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(5), [this] { return connections.empty(); })) {
      log::Warn("http server: connections still open after shutdown; stopping anyway");
    }
  }
  guards.clear();
  for (auto& c : contexts) c->stop();
  for (std::thread& t : threads) t.join();
  threads.clear();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

int Server::port() const { return impl_->port; }

void Server::Stop() {
  if (impl_) impl_->StopAll();
}

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, Handler handler) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  beast::error_code ec;
  const auto address = net::ip::make_address(impl->options.bind, ec);
  if (ec) return InvalidArgument("bad bind address '" + impl->options.bind + "': " + ec.message());
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(impl->options.port));
  auto& acc = impl->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(Code::kUnavailable,
                  "listen on " + impl->options.bind + ":" + std::to_string(impl->options.port) + ": " + ec.message());
  }
  impl->port = acc.local_endpoint().port();
  Impl* raw = impl.get();
  net::co_spawn(*raw->contexts[0], raw->AcceptLoop(), net::detached);
  for (auto& context : raw->contexts) {
    raw->threads.emplace_back([c = context.get()] { c->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

// ---------------------------------------------------------------------------
// Helpers

std::string FormatHeaders(const Headers& headers) {
  std::string out;
  for (const Header& h : headers) {
    if (HasCrLf(h.name) || HasCrLf(h.value)) continue;
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  return out;
}

}  // namespace tcoder::http
