#include "state/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cerrno>

namespace tcoder::state {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  return timeval{.tv_sec = static_cast<time_t>(ms.count() / 1000),
                 .tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

// The one place a hiredis context error becomes a Status.
Status ContextError(const redisContext* c, std::string_view what) {
  if (c == nullptr) return Unavailable(std::string(what) + ": out of memory");
  return Unavailable(std::string(what) + ": " + (c->errstr[0] != '\0' ? c->errstr : "connection error"));
}

// The one place a reply becomes a RedisValue (or a Status for error replies).
Result<RedisValue> Convert(const redisReply* r) {
  RedisValue v;
  switch (r->type) {
    case REDIS_REPLY_ERROR:
      return Status(Code::kInternal, "redis: " + std::string(r->str, r->len));
    case REDIS_REPLY_NIL:
      return v;
    case REDIS_REPLY_INTEGER:
      v.type = RedisValue::Type::kInteger;
      v.integer = r->integer;
      return v;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      v.type = r->type == REDIS_REPLY_STRING ? RedisValue::Type::kString : RedisValue::Type::kStatus;
      v.str.assign(r->str, r->len);
      return v;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::kArray;
      v.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) {
        auto e = Convert(r->element[i]);
        if (!e.ok()) return e.status();
        v.elements.push_back(std::move(*e));
      }
      return v;
    default:
      return Internal("redis: unexpected reply type " + std::to_string(r->type));
  }
}

bool IsNoScript(const Status& s) { return s.message().starts_with("redis: NOSCRIPT"); }

}  // namespace

Result<std::unique_ptr<RedisClient>> RedisClient::Connect(std::string_view url, RedisOptions options) {
  auto endpoint = ParseRedisUrl(url);
  if (!endpoint.ok()) return endpoint.status();
  std::unique_ptr<RedisClient> client(new RedisClient(std::move(*endpoint), options));
  if (Status s = client->Open(); !s.ok()) return s;
  return client;
}

RedisClient::~RedisClient() { Drop(); }

void RedisClient::Drop() {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
}

Status RedisClient::Open() {
  Drop();
  const timeval ct = ToTimeval(options_.connect_timeout);
  ctx_ = endpoint_.unix_path.empty() ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, ct)
                                     : redisConnectUnixWithTimeout(endpoint_.unix_path.c_str(), ct);
  if (ctx_ == nullptr || ctx_->err != 0) {
    Status s = ContextError(ctx_, "redis connect to " + endpoint_.Describe());
    Drop();
    return s;
  }
  if (redisSetTimeout(ctx_, ToTimeval(options_.command_timeout)) != REDIS_OK) {
    Status s = ContextError(ctx_, "redis set timeout");
    Drop();
    return s;
  }
  if (endpoint_.unix_path.empty()) redisEnableKeepAlive(ctx_);
  if (!endpoint_.password.empty()) {
    auto r = Roundtrip({"AUTH", endpoint_.password});
    if (!r.ok()) return Status(Code::kUnauthenticated, "redis AUTH failed");
  }
  if (endpoint_.db != 0) {
    auto r = Roundtrip({"SELECT", std::to_string(endpoint_.db)});
    if (!r.ok()) return r.status().WithContext("redis SELECT");
  }
  return Status::Ok();
}

Status RedisClient::EnsureConnected() { return ctx_ != nullptr ? Status::Ok() : Open(); }

Status RedisClient::Append(const Argv& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const std::string& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs.data(), lens.data()) != REDIS_OK) {
    Status s = ContextError(ctx_, "redis");
    Drop();
    return s;
  }
  return Status::Ok();
}

Result<RedisValue> RedisClient::ReadReply() {
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
    Status s = ContextError(ctx_, "redis " + endpoint_.Describe());
    Drop();
    return s;
  }
  auto* reply = static_cast<redisReply*>(raw);
  auto value = Convert(reply);
  freeReplyObject(reply);
  return value;
}

Result<RedisValue> RedisClient::Roundtrip(const Argv& argv) {
  if (Status s = Append(argv); !s.ok()) return s;
  return ReadReply();
}

Result<RedisValue> RedisClient::Command(const Argv& argv) {
  if (argv.empty()) return InvalidArgument("redis: empty command");
  if (Status s = EnsureConnected(); !s.ok()) return s;
  return Roundtrip(argv);
}

Result<RedisValue> RedisClient::BlockingCommand(const Argv& argv, std::chrono::milliseconds block) {
  if (Status s = EnsureConnected(); !s.ok()) return s;
  redisSetTimeout(ctx_, ToTimeval(options_.command_timeout + block));
  auto r = Roundtrip(argv);
  if (ctx_ != nullptr) redisSetTimeout(ctx_, ToTimeval(options_.command_timeout));
  return r;
}

Result<RedisValue> RedisClient::Receive(std::chrono::milliseconds timeout) {
  if (ctx_ == nullptr) return Unavailable("redis: not connected");
  redisSetTimeout(ctx_, ToTimeval(timeout));
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
    const bool timed_out = ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
    Status s = timed_out ? Status(Code::kDeadlineExceeded, "redis: nothing received in time")
                         : ContextError(ctx_, "redis " + endpoint_.Describe());
    Drop();
    return s;
  }
  redisSetTimeout(ctx_, ToTimeval(options_.command_timeout));
  auto* reply = static_cast<redisReply*>(raw);
  auto value = Convert(reply);
  freeReplyObject(reply);
  return value;
}

Result<std::vector<RedisValue>> RedisClient::Pipeline(const std::vector<Argv>& commands) {
  if (Status s = EnsureConnected(); !s.ok()) return s;
  for (const Argv& argv : commands) {
    if (Status s = Append(argv); !s.ok()) return s;
  }
  std::vector<RedisValue> out;
  out.reserve(commands.size());
  Status first_error;
  for (size_t i = 0; i < commands.size(); ++i) {
    auto r = ReadReply();
    if (ctx_ == nullptr) return r.status();  // connection lost: nothing more to read
    if (!r.ok() && first_error.ok()) first_error = r.status();
    if (r.ok()) out.push_back(std::move(*r));
  }
  if (!first_error.ok()) return first_error;
  return out;
}

Result<std::string> RedisClient::LoadScript(const LuaScript& script) {
  auto r = Command({"SCRIPT", "LOAD", std::string(script.source)});
  if (!r.ok()) return r.status().WithContext("loading script " + std::string(script.name));
  shas_[script.name] = r->str;
  return r->str;
}

Result<RedisValue> RedisClient::Eval(const LuaScript& script, const Argv& keys, const Argv& args) {
  auto it = shas_.find(script.name);
  std::string sha;
  if (it != shas_.end()) {
    sha = it->second;
  } else {
    auto loaded = LoadScript(script);
    if (!loaded.ok()) return loaded.status();
    sha = *loaded;
  }
  Argv argv{"EVALSHA", sha, std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = Command(argv);
  if (r.ok() || !IsNoScript(r.status())) return r;
  auto reloaded = LoadScript(script);  // the server lost its script cache (restart, SCRIPT FLUSH)
  if (!reloaded.ok()) return reloaded.status();
  argv[1] = *reloaded;
  return Command(argv);
}

}  // namespace tcoder::state
