// RedisClient: one synchronous connection to Redis over TCP, TLS or a unix
// socket (state::RedisSocket), speaking RESP with hiredis's own encoder
// (redisFormatCommandArgv) and reply parser (redisReader).
//
// Commands are argv vectors (binary-safe); replies become RedisValue. Every
// error becomes a Status here and nowhere else: connection problems are
// kUnavailable (the connection is dropped and the next call reconnects, with
// a jittered backoff after failed connects); error
// replies carry Redis's message, with the code of their class, as the
// deployment's fault and never the caller's: NOAUTH, WRONGPASS (on a
// reconnect), LOADING, READONLY, MASTERDOWN, TRYAGAIN and BUSY kUnavailable
// (READONLY also drops the connection: the server is a replica now); NOPERM
// and any other kInternal. Only Connect() reports refused credentials as
// kUnauthenticated, so a bad password stops a component at start. A URL with a
// user sends AUTH user password; a client name is set with CLIENT SETNAME (a
// user that may not is let through unnamed). With Sentinel, every connect asks the
// sentinels for the master and checks its ROLE, so after a failover the next
// call finds the new master. Lua scripts run with EVALSHA of their SHA1 and
// are loaded only on NOSCRIPT (first use on a server, after a restart).
// Thread-safety: none, but for Interrupt(); use one client per thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "state/redis_socket.h"
#include "state/redis_url.h"

struct redisReader;

namespace tcoder::state {

// A reply, RESP2-shaped. Error replies never get here (they become a Status;
// kError exists only while RedisClient reads a reply).
struct RedisValue {
  enum class Type { kNil, kInteger, kString, kStatus, kArray, kError };
  Type type = Type::kNil;
  std::int64_t integer = 0;
  std::string str;  // kString and kStatus
  std::vector<RedisValue> elements;

  bool is_nil() const { return type == Type::kNil; }
  bool is_array() const { return type == Type::kArray; }
};

// A Lua script embedded from src/state/lua/ (see lua_scripts.h).
struct LuaScript {
  std::string_view name;
  std::string_view source;
};

// The process's TLS settings for rediss:// URLs (the --redis-* flags): set
// once at start, before any connection; every RedisOptions starts from them.
void SetDefaultRedisTls(RedisTlsOptions tls);
const RedisTlsOptions& DefaultRedisTls();
// The name every connection of this process gives itself (CLIENT SETNAME),
// so CLIENT LIST shows which component holds it: "tcoder-control",
// "tcoder-worker-m-…". Empty: none. Set once at start, like the TLS settings.
void SetDefaultRedisClientName(std::string name);
const std::string& DefaultRedisClientName();

struct RedisOptions {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{5000};
  RedisTlsOptions tls = DefaultRedisTls();  // for rediss:// URLs
  std::string client_name = DefaultRedisClientName();
};

using Argv = std::vector<std::string>;

// One command, or one script run with EVALSHA: what RedisClient::Batch sends.
struct RedisCall {
  const LuaScript* script = nullptr;  // null: `argv` is the command
  Argv argv;                          // the command, or the script's keys then its args
  std::size_t keys = 0;               // with a script: how many of `argv` are keys

  static RedisCall Command(Argv argv) { return {nullptr, std::move(argv), 0}; }
  static RedisCall Script(const LuaScript& script, Argv keys, const Argv& args);
};

class RedisClient {
 public:
  // Parses `url` and connects (AUTH and SELECT included). kInvalidArgument for
  // a bad URL, kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<RedisClient>> Connect(std::string_view url, RedisOptions options = {});
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command. Reconnects first when the last call lost the connection.
  Result<RedisValue> Command(const Argv& argv);
  // A command that may block on the server up to `block` (BLPOP, XREADGROUP
  // BLOCK): the socket timeout is widened by `block` for this call.
  Result<RedisValue> BlockingCommand(const Argv& argv, std::chrono::milliseconds block);
  // Sends all commands, then reads all replies (one round trip). Fails as a
  // whole on a connection error or the first error reply.
  Result<std::vector<RedisValue>> Pipeline(const std::vector<Argv>& commands);
  // Sends all calls, then reads all replies (one round trip); each call gets
  // its own result, an error reply failing only its call. A connection error
  // fails every call not yet answered. Scripts the server does not know
  // (NOSCRIPT) are loaded and run again, one by one, after the batch.
  std::vector<Result<RedisValue>> Batch(const std::vector<RedisCall>& calls);
  // Reads one more reply without sending anything: the messages a SUBSCRIBE
  // pushes. kDeadlineExceeded after `timeout` (the connection is then dropped;
  // subscribe again).
  Result<RedisValue> Receive(std::chrono::milliseconds timeout);
  // Runs a script with EVALSHA, loading it on NOSCRIPT.
  Result<RedisValue> Eval(const LuaScript& script, const Argv& keys, const Argv& args);
  // After a transition that must survive a failover: with Sentinel, WAIT
  // until one replica has it (up to `timeout`; kUnavailable if none did in
  // time, the write itself stands); without Sentinel, nothing.
  Status Replicate(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));
  // From any thread: a BlockingCommand under way ends at once (kUnavailable;
  // the connection is dropped), or else the next one returns kCancelled
  // without being sent. What a stopping component calls to end a long wait.
  void Interrupt();

  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  RedisClient(RedisEndpoint endpoint, RedisOptions options) : endpoint_(std::move(endpoint)), options_(options) {}
  Status EnsureConnected();
  Status Open();
  // Sentinel: the master's address from the first sentinel that knows it.
  Status FindMaster();
  Status CheckIsMaster();
  void Drop();
  Status Append(const Argv& argv);
  Status Flush();
  Result<RedisValue> ReadReply(std::chrono::milliseconds timeout);
  // The replies of `n` commands just sent; after a lost connection (or when
  // `s`, the sending, failed) the rest are that error.
  std::vector<Result<RedisValue>> ReadReplies(size_t n, Status s);
  // One command on the open connection; its reply may take `extra` beyond the command timeout.
  Result<RedisValue> Roundtrip(const Argv& argv, std::chrono::milliseconds extra = std::chrono::milliseconds(0));
  Result<std::string> LoadScript(const LuaScript& script);
  const std::string& Sha(const LuaScript& script);
  Argv EvalshaArgv(const RedisCall& call);

  RedisEndpoint endpoint_;
  RedisOptions options_;
  std::unique_ptr<RedisSocket> socket_;  // null: not connected; swapped under socket_mu_
  std::mutex socket_mu_;                 // socket_'s lifetime against Interrupt()
  std::atomic<bool> interrupted_{false};
  int connect_failures_ = 0;  // in a row; the backoff grows with them
  std::chrono::steady_clock::time_point retry_at_{};
  Status connect_error_;
  redisReader* reader_ = nullptr;
  std::string out_;                                         // commands formatted, not yet sent
  bool answered_ = false;                                   // this connection has read a reply
  std::unordered_map<std::string_view, std::string> shas_;  // script name -> SHA1
};

}  // namespace tcoder::state
