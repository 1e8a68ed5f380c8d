// RedisSocket: a blocking byte stream to a Redis server — TCP, a unix socket,
// or TLS over TCP (OpenSSL) — where every call has its own deadline.
//
// TLS verifies the server's certificate against the CA file given (else the
// system's bundle) and its name against the host in the URL (DNS name or IP
// address), sends SNI for DNS names, and presents a client certificate when
// one is given. `insecure` skips both checks (self-signed test servers).
// Errors: kUnavailable when the server cannot be reached or the connection
// drops; kInvalidArgument when the server is reached but TLS cannot work (the
// certificate is not trusted or not for this host, a plaintext port, a bad
// CA or client certificate file), with what to change; kDeadlineExceeded
// when a call's deadline passes. Thread-safety: one owner; Shutdown() from
// any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder::state {

struct RedisTlsOptions {
  std::string ca_file;    // PEM bundle; empty: the system's CA bundle
  std::string cert_file;  // client certificate chain (PEM), with key_file
  std::string key_file;
  bool insecure = false;  // no certificate or host name check
};

class RedisSocket {
 public:
  // `host` empty: `unix_path`. `tls` null: plaintext.
  static Result<std::unique_ptr<RedisSocket>> Open(const std::string& host, int port, const std::string& unix_path,
                                                   const RedisTlsOptions* tls, std::chrono::milliseconds timeout);
  ~RedisSocket();
  RedisSocket(const RedisSocket&) = delete;
  RedisSocket& operator=(const RedisSocket&) = delete;

  Status Write(std::string_view bytes, std::chrono::milliseconds timeout);
  // At least one byte, at most `size`.
  Result<std::size_t> Read(char* buffer, std::size_t size, std::chrono::milliseconds timeout);
  // Ends the connection from any thread: a Read or Write under way returns
  // kUnavailable. The only call that is safe while another runs.
  void Shutdown() noexcept;

 private:
  struct Tls;
  RedisSocket(int fd, std::string peer);
  Status StartTls(const std::string& host, const RedisTlsOptions& options, std::chrono::milliseconds timeout);

  int fd_ = -1;
  std::string peer_;  // "host:port" or the socket path, for messages
  std::unique_ptr<Tls> tls_;
};

}  // namespace tcoder::state
