#include "state/redis_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <mutex>

namespace tcoder::state {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Status WaitFor(int fd, short events, Clock::time_point deadline, const std::string& peer) {
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Status(Code::kDeadlineExceeded, "redis " + peer + ": timed out");
    pollfd p{};
    p.fd = fd;
    p.events = events;
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
    if (n > 0) return Status::Ok();  // readiness, or an error the next call reports
    if (n < 0 && errno != EINTR) return Unavailable("redis " + peer + ": poll: " + std::strerror(errno));
  }
}

// The last OpenSSL error queued on this thread, in words.
std::string TlsError() {
  std::string last;
  char buf[256];
  while (const unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    last = buf;
  }
  return last.empty() ? "connection closed" : last;
}

bool IsIpLiteral(const std::string& host) {
  unsigned char addr[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), addr) == 1 || inet_pton(AF_INET6, host.c_str(), addr) == 1;
}

void SetStreamOptions(int fd) {
  const int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  (void)::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  // A peer gone without a FIN (a partition, a dead host) is noticed within
  // about a minute, even by a connection that waits in a long BLPOP.
  const int idle = 30, interval = 10, count = 3;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

// Connects a non-blocking socket to `addr`; the fd, or the reason.
Result<int> ConnectTo(int family, const sockaddr* addr, socklen_t len, Clock::time_point deadline,
                      const std::string& peer) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable("redis connect to " + peer + ": socket: " + std::strerror(errno));
  int err = 0;
  if (::connect(fd, addr, len) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      Status w = WaitFor(fd, POLLOUT, deadline, peer);
      socklen_t el = sizeof err;
      err = w.ok() && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 ? err : ETIMEDOUT;
    }
  }
  if (err != 0) {
    ::close(fd);
    return Unavailable("redis connect to " + peer + ": " + std::strerror(err));
  }
  return fd;
}

Result<int> ConnectTcp(const std::string& host, int port, Clock::time_point deadline, const std::string& peer) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return Unavailable("redis connect to " + peer + ": cannot resolve the host: " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, freeaddrinfo);
  Status last = Unavailable("redis connect to " + peer + ": no address");
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    auto fd = ConnectTo(a->ai_family, a->ai_addr, a->ai_addrlen, deadline, peer);
    if (fd.ok()) {
      SetStreamOptions(*fd);
      return *fd;
    }
    last = fd.status();
  }
  return last;
}

Result<int> ConnectUnix(const std::string& path, Clock::time_point deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return InvalidArgument("redis socket path too long: " + path);
  std::memcpy(addr.sun_path, path.data(), path.size());
  return ConnectTo(AF_UNIX, reinterpret_cast<const sockaddr*>(&addr), sizeof addr, deadline, path);
}

// OpenSSL writes to the socket with write(2): a peer that closed must give
// EPIPE, not end the process.
void IgnoreSigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace

struct RedisSocket::Tls {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Tls() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

Result<std::unique_ptr<RedisSocket>> RedisSocket::Open(const std::string& host, int port, const std::string& unix_path,
                                                       const RedisTlsOptions* tls, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string peer = host.empty() ? unix_path : host + ":" + std::to_string(port);
  auto fd = host.empty() ? ConnectUnix(unix_path, deadline) : ConnectTcp(host, port, deadline, peer);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<RedisSocket> socket(new RedisSocket(*fd, peer));
  if (tls != nullptr) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (Status s = socket->StartTls(host, *tls, left); !s.ok()) return s;
  }
  return socket;
}

RedisSocket::RedisSocket(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) {}

void RedisSocket::Shutdown() noexcept { (void)::shutdown(fd_, SHUT_RDWR); }

RedisSocket::~RedisSocket() {
  tls_.reset();
  if (fd_ >= 0) ::close(fd_);
}

Status RedisSocket::StartTls(const std::string& host, const RedisTlsOptions& options, milliseconds timeout) {
  IgnoreSigpipe();
  const auto deadline = Clock::now() + timeout;
  tls_ = std::make_unique<Tls>();
  ERR_clear_error();
  tls_->ctx = SSL_CTX_new(TLS_client_method());
  if (tls_->ctx == nullptr) return Internal("redis TLS: " + TlsError());
  SSL_CTX* ctx = tls_->ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, options.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  if (!options.insecure) {
    const int loaded = options.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                               : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
    if (loaded != 1) {
      return InvalidArgument("redis TLS: cannot load the CA file " +
                             (options.ca_file.empty() ? std::string("of the system") : options.ca_file) + ": " +
                             TlsError());
    }
  }
  if (!options.cert_file.empty() || !options.key_file.empty()) {
    if (options.cert_file.empty() || options.key_file.empty()) {
      return InvalidArgument("redis TLS: a client certificate needs both --redis-cert-file and --redis-key-file");
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      return InvalidArgument("redis TLS: cannot use the client certificate " + options.cert_file + " and key " +
                             options.key_file + ": " + TlsError());
    }
  }
  tls_->ssl = SSL_new(ctx);
  if (tls_->ssl == nullptr || SSL_set_fd(tls_->ssl, fd_) != 1) return Internal("redis TLS: " + TlsError());
  const bool ip = IsIpLiteral(host);
  if (!ip) SSL_set_tlsext_host_name(tls_->ssl, host.c_str());
  if (!options.insecure) {
    X509_VERIFY_PARAM* param = SSL_get0_param(tls_->ssl);
    const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                       : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (set != 1) return InvalidArgument("redis TLS: cannot check the name " + host);
  }
  while (true) {
    ERR_clear_error();
    const int r = SSL_connect(tls_->ssl);
    if (r == 1) return Status::Ok();
    const int e = SSL_get_error(tls_->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (Status w = WaitFor(fd_, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, peer_); !w.ok()) {
        // A plaintext Redis reads a ClientHello as the start of a command and waits.
        return Unavailable("redis TLS handshake with " + peer_ +
                           ": no answer in time (is it a TLS port? redis:// is "
                           "plaintext, rediss:// is TLS)");
      }
      continue;
    }
    const long verify = SSL_get_verify_result(tls_->ssl);
    if (verify != X509_V_OK) {
      return InvalidArgument("redis TLS: the certificate of " + peer_ +
                             " is not accepted: " + X509_verify_cert_error_string(verify) +
                             " (give its CA with --redis-ca-file, or --redis-tls-insecure)");
    }
    return InvalidArgument("redis TLS handshake with " + peer_ + " failed: " + TlsError() +
                           " (is it a TLS port? redis:// is plaintext, rediss:// is TLS)");
  }
}

Status RedisSocket::Write(std::string_view bytes, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    short want = POLLOUT;
    if (tls_ != nullptr) {
      ERR_clear_error();
      const int n = SSL_write(tls_->ssl, bytes.data(), static_cast<int>(std::min<std::size_t>(bytes.size(), INT_MAX)));
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      const int e = SSL_get_error(tls_->ssl, n);
      if (e == SSL_ERROR_WANT_READ) {
        want = POLLIN;
      } else if (e != SSL_ERROR_WANT_WRITE) {
        return Unavailable("redis " + peer_ + ": TLS write: " + TlsError());
      }
    } else {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        return Unavailable("redis " + peer_ + ": " + std::strerror(errno));
      }
    }
    if (Status w = WaitFor(fd_, want, deadline, peer_); !w.ok()) return w;
  }
  return Status::Ok();
}

Result<std::size_t> RedisSocket::Read(char* buffer, std::size_t size, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    short want = POLLIN;
    if (tls_ != nullptr) {
      ERR_clear_error();
      const int n = SSL_read(tls_->ssl, buffer, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
      if (n > 0) return static_cast<std::size_t>(n);
      const int e = SSL_get_error(tls_->ssl, n);
      if (e == SSL_ERROR_WANT_WRITE) {
        want = POLLOUT;
      } else if (e != SSL_ERROR_WANT_READ) {
        return Unavailable("redis " + peer_ + ": " + (e == SSL_ERROR_ZERO_RETURN ? "connection closed" : TlsError()));
      }
    } else {
      const ssize_t n = ::recv(fd_, buffer, size, 0);
      if (n > 0) return static_cast<std::size_t>(n);
      if (n == 0) return Unavailable("redis " + peer_ + ": connection closed");
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return Unavailable("redis " + peer_ + ": " + std::strerror(errno));
    }
    if (Status w = WaitFor(fd_, want, deadline, peer_); !w.ok()) return w;
  }
}

}  // namespace tcoder::state
