#include "support/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "support/test_env.h"

namespace tcoder::testing {
namespace {

// True once the server answers PING with PONG (not -LOADING).
bool Pong(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::write(fd, "PING\r\n", 6) == 6) {
    char buf[64] = {};
    ok = ::read(fd, buf, sizeof buf - 1) > 0 && std::string(buf).starts_with("+PONG");
  }
  ::close(fd);
  return ok;
}

// The same over TLS, with redis-cli (Debian's is built with TLS).
bool TlsPong(int port, const std::filesystem::path& ca) {
  auto run = RunProcess(ProcessSpec{.argv = {"redis-cli", "--tls", "--cacert", ca.string(), "-h", "localhost", "-p",
                                             std::to_string(port), "ping"}},
                        {.deadline = std::chrono::seconds(5)});
  return run.ok() && run->success() && run->out.starts_with("PONG");
}

}  // namespace

Result<std::unique_ptr<RedisServer>> RedisServer::Start(Options options) {
  auto dir = TempDir::Create("tcoder-redis-");
  if (!dir.ok()) return dir.status();
  std::unique_ptr<RedisServer> server(new RedisServer(std::move(options), std::move(*dir)));
  for (int attempt = 0; attempt < 5; ++attempt) {
    const bool tls_only = server->options_.tls && server->options_.tls->only;
    server->port_ = tls_only ? -1 : FreePort();
    if (server->options_.tls) server->tls_port_ = FreePort();
    if (Status s = server->Launch(); s.ok()) return server;
  }
  return Unavailable("redis-server did not start");
}

Result<std::unique_ptr<RedisServer>> RedisServer::StartReplicaOf(int master_port) {
  Options o;
  o.extra_args = {"--replicaof", "127.0.0.1", std::to_string(master_port)};
  return Start(o);
}

RedisServer::~RedisServer() { (void)Stop(); }

Status RedisServer::Launch() {
  ProcessSpec spec;
  spec.argv = {"redis-server",
               "--port",
               std::to_string(std::max(port_, 0)),
               "--bind",
               "127.0.0.1",
               "--dir",
               dir_.path().string(),
               "--save",
               "",
               "--daemonize",
               "no",
               "--appendonly",
               options_.append_only ? "yes" : "no",
               "--appendfsync",
               "everysec",
               "--loglevel",
               "warning"};
  if (const auto& tls = options_.tls) {
    spec.argv.insert(spec.argv.end(), {"--tls-port", std::to_string(tls_port_), "--tls-cert-file", tls->cert.string(),
                                       "--tls-key-file", tls->key.string(), "--tls-ca-cert-file", tls->ca.string(),
                                       "--tls-auth-clients", tls->require_client_cert ? "yes" : "no"});
  }
  if (!options_.unix_socket.empty()) {
    spec.argv.insert(spec.argv.end(), {"--unixsocket", options_.unix_socket.string(), "--unixsocketperm", "700"});
  }
  spec.argv.insert(spec.argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  spec.stdout_mode = StdStream::kNull;
  spec.stderr_mode = StdStream::kNull;
  auto child = Subprocess::Spawn(spec);
  if (!child.ok()) return child.status();
  process_ = std::make_unique<Subprocess>(std::move(*child));
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end) {
    if (port_ > 0 ? Pong(port_) : TlsPong(tls_port_, options_.tls->ca)) return Status::Ok();
    if (process_->TryWait()) break;  // exited: port taken or bad config
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  process_.reset();
  return Unavailable("redis-server on port " + std::to_string(port_ > 0 ? port_ : tls_port_) + " did not answer");
}

Status RedisServer::Stop() {
  if (process_) process_->Terminate(std::chrono::seconds(10));
  process_.reset();
  return Status::Ok();
}

Status RedisServer::Kill() {
  if (process_) {
    (void)process_->Signal(SIGKILL);
    process_->Wait();
  }
  process_.reset();
  return Status::Ok();
}

Status RedisServer::Restart() {
  (void)Stop();
  return Launch();
}

}  // namespace tcoder::testing
