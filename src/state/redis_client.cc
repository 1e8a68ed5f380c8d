#include "state/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <random>

namespace tcoder::state {
namespace {

// An error reply as a Status, by its class (its first word). A refusal is
// the deployment's fault, never the caller's: credentials refused (a rotated
// password, a server restarted with other users) are kUnavailable, retried
// like an outage until fixed; a command the ACL user may not run is
// kInternal. Connect() reports a refused AUTH as kUnauthenticated instead.
Status ErrorReply(const std::string& message) {
  const std::string_view kind = std::string_view(message).substr(0, message.find(' '));
  if (kind == "NOAUTH" || kind == "WRONGPASS")
    return Unavailable("redis: " + message + " (the server refuses tcoder's credentials)");
  if (kind == "NOPERM")
    return Internal("redis: " + message + " (tcoder's Redis user lacks a permission: docs/operations.md)");
  for (std::string_view busy : {"LOADING", "READONLY", "MASTERDOWN", "TRYAGAIN", "BUSY"}) {
    if (kind == busy) return Unavailable("redis: " + message);
  }
  return Internal("redis: " + message);
}

// hiredis's reader builds every reply through these, straight into a
// RedisValue tree (no redisReply tree to copy): the root is allocated, each
// element lives in its parent's `elements`, which createArray sizes.
RedisValue* Slot(const redisReadTask* task) {
  if (task->parent == nullptr) return new RedisValue;
  return &static_cast<RedisValue*>(task->parent->obj)->elements[static_cast<size_t>(task->idx)];
}

void* CreateString(const redisReadTask* task, char* str, size_t len) {
  RedisValue* v = Slot(task);
  v->type = task->type == REDIS_REPLY_ERROR    ? RedisValue::Type::kError
            : task->type == REDIS_REPLY_STATUS ? RedisValue::Type::kStatus
                                               : RedisValue::Type::kString;
  v->str.assign(str, len);
  return v;
}

void* CreateArray(const redisReadTask* task, int elements) {
  RedisValue* v = Slot(task);
  v->type = RedisValue::Type::kArray;
  v->elements.resize(static_cast<size_t>(std::max(elements, 0)));
  return v;
}

void* CreateInteger(const redisReadTask* task, long long value) {
  RedisValue* v = Slot(task);
  v->type = RedisValue::Type::kInteger;
  v->integer = value;
  return v;
}

void* CreateNil(const redisReadTask* task) { return Slot(task); }

void FreeValue(void* root) { delete static_cast<RedisValue*>(root); }

redisReplyObjectFunctions kValueFunctions = {CreateString, CreateArray, CreateInteger, CreateNil, FreeValue};

// The first error reply anywhere in `v` (an EXEC or script reply may nest one).
const RedisValue* FindError(const RedisValue& v) {
  if (v.type == RedisValue::Type::kError) return &v;
  for (const RedisValue& e : v.elements) {
    if (const RedisValue* found = FindError(e)) return found;
  }
  return nullptr;
}

// The one place a reply becomes a RedisValue (or a Status for error replies).
Result<RedisValue> Convert(std::unique_ptr<RedisValue> reply) {
  if (const RedisValue* error = FindError(*reply)) return ErrorReply(error->str);
  return std::move(*reply);
}

// A call past its deadline has lost its connection (ReadReply dropped it): retryable.
Status Retryable(const Status& s) { return s.code() == Code::kDeadlineExceeded ? Unavailable(s.message()) : s; }

// A script's SHA1 as Redis names it (lowercase hex), so EVALSHA needs no SCRIPT LOAD first.
std::string ScriptSha(std::string_view source) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(source.data(), source.size(), md, &n, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

bool IsNoScript(const Status& s) { return s.message().starts_with("redis: NOSCRIPT"); }
bool IsReadOnly(const Status& s) { return s.message().starts_with("redis: READONLY"); }

std::optional<int> ParsePort(const std::string& text) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) return std::nullopt;
  return port;
}

RedisTlsOptions& ProcessTls() {
  static RedisTlsOptions tls;
  return tls;
}

std::string& ProcessClientName() {
  static std::string name;
  return name;
}

}  // namespace

void SetDefaultRedisTls(RedisTlsOptions tls) { ProcessTls() = std::move(tls); }
const RedisTlsOptions& DefaultRedisTls() { return ProcessTls(); }
void SetDefaultRedisClientName(std::string name) { ProcessClientName() = std::move(name); }
const std::string& DefaultRedisClientName() { return ProcessClientName(); }

Result<std::unique_ptr<RedisClient>> RedisClient::Connect(std::string_view url, RedisOptions options) {
  auto endpoint = ParseRedisUrl(url);
  if (!endpoint.ok()) return endpoint.status();
  std::unique_ptr<RedisClient> client(new RedisClient(std::move(*endpoint), options));
  if (Status s = client->Open(); !s.ok()) return s;
  return client;
}

RedisClient::~RedisClient() { Drop(); }

void RedisClient::Drop() {
  {
    std::lock_guard lock(socket_mu_);
    socket_.reset();
  }
  if (reader_ != nullptr) redisReaderFree(reader_);
  reader_ = nullptr;
  out_.clear();
  answered_ = false;
}

Status RedisClient::FindMaster() {
  Status last = Unavailable("redis: no sentinel");
  for (const RedisEndpoint::HostPort& at : endpoint_.sentinels) {
    RedisEndpoint sentinel;
    sentinel.host = at.host;
    sentinel.port = at.port;
    sentinel.tls = endpoint_.tls;
    RedisClient client(sentinel, options_);
    const Status opened = client.Open();
    auto reply = opened.ok() ? client.Command({"SENTINEL", "get-master-addr-by-name", endpoint_.master_name})
                             : Result<RedisValue>(opened);
    if (!reply.ok()) {
      last = reply.status();
      continue;
    }
    if (reply->elements.size() != 2) {
      last = Unavailable("sentinel " + at.host + ":" + std::to_string(at.port) + " knows no master " +
                         endpoint_.master_name);
      continue;
    }
    auto port = ParsePort(reply->elements[1].str);
    if (!port) {
      last = Unavailable("sentinel " + at.host + ": bad master port");
      continue;
    }
    endpoint_.host = reply->elements[0].str;
    endpoint_.port = *port;
    return Status::Ok();
  }
  return last.WithContext("redis " + endpoint_.Describe() + ": finding the master");
}

Status RedisClient::CheckIsMaster() {
  auto role = Roundtrip({"ROLE"});
  if (!role.ok()) return role.status();
  if (role->elements.empty() || role->elements[0].str != "master") {
    return Unavailable("redis " + endpoint_.Describe() + " is not the master (yet)");
  }
  return Status::Ok();
}

Status RedisClient::Open() {
  Drop();
  if (!endpoint_.sentinels.empty()) {
    if (Status s = FindMaster(); !s.ok()) return s;
  }
  auto socket = RedisSocket::Open(endpoint_.host, endpoint_.port, endpoint_.unix_path,
                                  endpoint_.tls ? &options_.tls : nullptr, options_.connect_timeout);
  if (!socket.ok()) return socket.status();
  {
    std::lock_guard lock(socket_mu_);
    socket_ = std::move(*socket);
  }
  reader_ = redisReaderCreateWithFunctions(&kValueFunctions);
  if (reader_ == nullptr) {
    Drop();
    return Internal("redis: out of memory");
  }
  if (!endpoint_.password.empty()) {
    Argv auth =
        endpoint_.user.empty() ? Argv{"AUTH", endpoint_.password} : Argv{"AUTH", endpoint_.user, endpoint_.password};
    auto r = Roundtrip(auth);
    if (!r.ok()) {
      const bool refused = socket_ != nullptr;  // an error reply, not a lost connection
      Drop();
      const std::string who = endpoint_.user.empty() ? "the default user" : "user " + endpoint_.user;
      if (!refused) return r.status();
      return Status(Code::kUnauthenticated,
                    "redis AUTH as " + who + " at " + endpoint_.Describe() + " refused: " + r.status().message());
    }
  }
  if (endpoint_.db != 0) {
    auto r = Roundtrip({"SELECT", std::to_string(endpoint_.db)});
    if (!r.ok()) {
      Drop();
      return r.status().WithContext("redis SELECT");
    }
  }
  if (!options_.client_name.empty()) {
    auto r = Roundtrip({"CLIENT", "SETNAME", options_.client_name});
    if (!r.ok() && r.status().code() == Code::kUnavailable) {
      Drop();
      return r.status();
    }
  }
  if (!endpoint_.sentinels.empty()) {
    if (Status s = CheckIsMaster(); !s.ok()) {
      Drop();
      return s;
    }
  }
  return Status::Ok();
}

// Reconnects, backing off after failures: a failed connect is not tried
// again before a random point within 100 ms, 200 ms, ... up to 2 s (full
// jitter), so a fleet that lost Redis does not reconnect in lockstep; calls
// meanwhile fail at once with the last connect error.
Status RedisClient::EnsureConnected() {
  if (socket_ != nullptr) return Status::Ok();
  const auto now = std::chrono::steady_clock::now();
  if (now < retry_at_) return connect_error_;
  Status s = Open();
  if (s.ok()) {
    connect_failures_ = 0;
    return s;
  }
  if (s.code() == Code::kUnauthenticated) s = Unavailable(s.message());  // see ErrorReply
  constexpr std::chrono::milliseconds kFirst{100}, kMax{2000};
  const auto ceiling = std::min<std::chrono::milliseconds>(kMax, kFirst * (1 << std::min(connect_failures_, 5)));
  ++connect_failures_;
  thread_local std::minstd_rand rng{std::random_device{}()};
  retry_at_ = now + std::chrono::milliseconds(std::uniform_int_distribution<long>(0, ceiling.count())(rng));
  connect_error_ = s;
  return s;
}

Status RedisClient::Append(const Argv& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const std::string& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  char* command = nullptr;
  const long long n = redisFormatCommandArgv(&command, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  if (n < 0 || command == nullptr) return Internal("redis: cannot format a command");
  out_.append(command, static_cast<std::size_t>(n));
  redisFreeCommand(command);
  return Status::Ok();
}

Status RedisClient::Flush() {
  Status s = socket_->Write(out_, options_.command_timeout);
  out_.clear();
  if (!s.ok()) Drop();
  return Retryable(s);
}

// Feeds the reader from the socket until it holds one whole reply.
Result<RedisValue> RedisClient::ReadReply(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<char, 16384> buffer;
  while (true) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
      const std::string why = reader_->errstr;
      Drop();
      return Unavailable("redis " + endpoint_.Describe() + ": protocol error: " + why);
    }
    if (raw != nullptr) {
      answered_ = true;
      auto value = Convert(std::unique_ptr<RedisValue>(static_cast<RedisValue*>(raw)));
      if (!value.ok() && IsReadOnly(value.status())) Drop();  // a replica now: find the master again
      return value;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto n = socket_->Read(buffer.data(), buffer.size(), std::max(left, std::chrono::milliseconds(0)));
    if (!n.ok()) {
      // A TLS port closes a plaintext connection at its first bytes.
      const bool hint = !endpoint_.tls && !answered_ && n.status().code() == Code::kUnavailable;
      Drop();
      return hint ? Unavailable(n.status().message() + " (is it a TLS port? rediss:// is TLS)") : n.status();
    }
    if (redisReaderFeed(reader_, buffer.data(), *n) != REDIS_OK) {
      Drop();
      return Unavailable("redis " + endpoint_.Describe() + ": protocol error");
    }
  }
}

Result<RedisValue> RedisClient::Roundtrip(const Argv& argv, std::chrono::milliseconds extra) {
  if (Status s = Append(argv); !s.ok()) return s;
  if (Status s = Flush(); !s.ok()) return s;
  auto r = ReadReply(options_.command_timeout + extra);
  if (!r.ok()) return Retryable(r.status());
  return r;
}

Result<RedisValue> RedisClient::Command(const Argv& argv) {
  if (argv.empty()) return InvalidArgument("redis: empty command");
  if (Status s = EnsureConnected(); !s.ok()) return s;
  return Roundtrip(argv);
}

Result<RedisValue> RedisClient::BlockingCommand(const Argv& argv, std::chrono::milliseconds block) {
  if (argv.empty()) return InvalidArgument("redis: empty command");
  if (interrupted_.exchange(false)) return Status(Code::kCancelled, "redis: interrupted");
  if (Status s = EnsureConnected(); !s.ok()) return s;
  return Roundtrip(argv, block);
}

Result<RedisValue> RedisClient::Receive(std::chrono::milliseconds timeout) {
  if (socket_ == nullptr) return Unavailable("redis: not connected");
  auto r = ReadReply(timeout);
  if (!r.ok() && r.status().code() == Code::kDeadlineExceeded) {
    return Status(Code::kDeadlineExceeded, "redis: nothing received in time");  // dropped: subscribe again
  }
  return r;
}

Result<std::vector<RedisValue>> RedisClient::Pipeline(const std::vector<Argv>& commands) {
  Status s = EnsureConnected();
  for (size_t i = 0; s.ok() && i < commands.size(); ++i) s = Append(commands[i]);
  if (s.ok()) s = Flush();
  if (!s.ok()) return s;
  auto replies = ReadReplies(commands.size(), s);
  if (socket_ == nullptr && !replies.empty() && !replies.back().ok()) return replies.back().status();  // lost
  std::vector<RedisValue> out;
  out.reserve(replies.size());
  for (auto& r : replies) {
    if (!r.ok()) return r.status();  // the first error reply
    out.push_back(std::move(*r));
  }
  return out;
}

std::vector<Result<RedisValue>> RedisClient::ReadReplies(size_t n, Status s) {
  std::vector<Result<RedisValue>> out;
  out.reserve(n);
  while (s.ok() && out.size() < n) {
    auto r = ReadReply(options_.command_timeout);
    if (socket_ == nullptr)
      s = r.ok() ? Unavailable("redis " + endpoint_.Describe() + ": connection lost") : Retryable(r.status());
    else
      out.push_back(std::move(r));
  }
  while (out.size() < n) out.emplace_back(s);
  return out;
}

Status RedisClient::Replicate(std::chrono::milliseconds timeout) {
  if (endpoint_.sentinels.empty()) return Status::Ok();
  auto r = BlockingCommand({"WAIT", "1", std::to_string(timeout.count())}, timeout);
  if (!r.ok()) return r.status();
  if (r->integer < 1)
    return Unavailable("redis: no replica acknowledged the write within " + std::to_string(timeout.count()) + " ms");
  return Status::Ok();
}

void RedisClient::Interrupt() {
  interrupted_.store(true);
  std::lock_guard lock(socket_mu_);
  if (socket_ != nullptr) socket_->Shutdown();
}

Result<std::string> RedisClient::LoadScript(const LuaScript& script) {
  auto r = Command({"SCRIPT", "LOAD", std::string(script.source)});
  if (!r.ok()) return r.status().WithContext("loading script " + std::string(script.name));
  return r->str;
}

// EVALSHA first: the script is loaded only when the server does not know it
// (first run on this server, a restart, SCRIPT FLUSH).
RedisCall RedisCall::Script(const LuaScript& script, Argv keys, const Argv& args) {
  RedisCall call{&script, std::move(keys), 0};
  call.keys = call.argv.size();
  call.argv.insert(call.argv.end(), args.begin(), args.end());
  return call;
}

const std::string& RedisClient::Sha(const LuaScript& script) {
  auto it = shas_.find(script.name);
  if (it == shas_.end()) it = shas_.emplace(script.name, ScriptSha(script.source)).first;
  return it->second;
}

Argv RedisClient::EvalshaArgv(const RedisCall& call) {
  Argv argv{"EVALSHA", Sha(*call.script), std::to_string(call.keys)};
  argv.insert(argv.end(), call.argv.begin(), call.argv.end());
  return argv;
}

Result<RedisValue> RedisClient::Eval(const LuaScript& script, const Argv& keys, const Argv& args) {
  const Argv argv = EvalshaArgv(RedisCall::Script(script, keys, args));
  auto r = Command(argv);
  if (r.ok() || !IsNoScript(r.status())) return r;
  auto loaded = LoadScript(script);
  if (!loaded.ok()) return loaded.status();
  if (*loaded != argv[1]) return Internal("redis: SCRIPT LOAD of " + std::string(script.name) + " gave another SHA1");
  return Command(argv);
}

std::vector<Result<RedisValue>> RedisClient::Batch(const std::vector<RedisCall>& calls) {
  Status s = EnsureConnected();
  for (size_t i = 0; s.ok() && i < calls.size(); ++i)
    s = calls[i].script ? Append(EvalshaArgv(calls[i])) : Append(calls[i].argv);  // no copy of a command's argv
  if (s.ok()) s = Flush();
  auto out = ReadReplies(calls.size(), s);
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].script == nullptr || out[i].ok() || !IsNoScript(out[i].status())) continue;
    const RedisCall& c = calls[i];
    out[i] = Eval(*c.script, Argv(c.argv.begin(), c.argv.begin() + static_cast<std::ptrdiff_t>(c.keys)),
                  Argv(c.argv.begin() + static_cast<std::ptrdiff_t>(c.keys), c.argv.end()));
  }
  return out;
}

}  // namespace tcoder::state
