// RedisServer: a private redis-server for a test, on a free loopback port,
// with its data in a temp directory; stopped and removed when it goes away.
//
// Restart() keeps the data directory (AOF), so tests can check durability;
// Kill() is a SIGKILL. For tests only; one owner.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/status.h"
#include "common/temp_dir.h"

namespace tcoder::testing {

class RedisServer {
 public:
  struct Options {
    bool append_only = true;
    // TLS on a second port (tls_port()): the server's certificate and key,
    // and the CA that client certificates must chain to.
    struct Tls {
      std::filesystem::path cert, key, ca;
      bool require_client_cert = false;
      // `--port 0`: TLS only, as managed services run it (port() is then -1
      // and readiness is checked over TLS).
      bool only = false;
    };
    std::optional<Tls> tls;
    std::filesystem::path unix_socket;    // also listen here when set
    std::vector<std::string> extra_args;  // e.g. {"--user", "app", "on", ">pw", "~*", "+@all"}
  };
  static Result<std::unique_ptr<RedisServer>> Start(Options options);
  static Result<std::unique_ptr<RedisServer>> Start() { return Start(Options{}); }
  // A replica of the server on `master_port` (--replicaof), AOF on.
  static Result<std::unique_ptr<RedisServer>> StartReplicaOf(int master_port);
  ~RedisServer();

  int port() const { return port_; }  // -1 when TLS only
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  int tls_port() const { return tls_port_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  Status Stop();     // SHUTDOWN-like: SIGTERM and wait
  Status Kill();     // SIGKILL
  Status Restart();  // stop (if running) and start again on the same port and data

 private:
  RedisServer(Options options, TempDir dir) : options_(std::move(options)), dir_(std::move(dir)) {}
  Status Launch();

  Options options_;
  TempDir dir_;
  int port_ = -1;
  int tls_port_ = -1;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace tcoder::testing
