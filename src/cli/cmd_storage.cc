// `tcoder storage`: the built-in S3-compatible object store, until SIGINT or
// SIGTERM (then a graceful shutdown). Keys: --s3-access-key/--s3-secret-key,
// else the data dir's secrets (created on first use).
#include <csignal>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/redis_flags.h"
#include "cli/stop_signals.h"
#include "common/log.h"
#include "common/secrets.h"
#include "state/event_log.h"
#include "state/keys.h"
#include "state/redis_client.h"
#include "storage/server.h"

namespace tcoder::cli {
namespace {

// Object-created events into the state store's event stream ({tcoder}:events).
class RedisEventSink : public storage::server::EventSink {
 public:
  explicit RedisEventSink(std::unique_ptr<state::RedisClient> client)
      : client_(std::move(client)), log_(*client_, state::Keys()) {}
  Status Append(const ObjectEvent& event) override { return log_.Append(event); }

 private:
  std::unique_ptr<state::RedisClient> client_;
  state::EventLog log_;
};

storage::server::SinkFactory RedisEventSinkFactory(std::string url) {
  return [url = std::move(url)]() -> Result<std::unique_ptr<storage::server::EventSink>> {
    auto client = state::RedisClient::Connect(url);
    if (!client.ok()) return client.status();
    return std::unique_ptr<storage::server::EventSink>(new RedisEventSink(std::move(*client)));
  };
}

}  // namespace

int RunStorage(int argc, char** argv) {
  FlagSet flags("storage", "Built-in S3-compatible object storage server");
  storage::ServerOptions o;
  std::string access_key;
  std::string secret_key;
  std::string redis_url;
  flags.Add("port", o.port, "Port to listen on");
  flags.Add("bind", o.bind, "Address to listen on");
  flags.Add("redis-url", redis_url, "Redis for object-created events (none: no events)");
  flags.Add("events-bucket", o.event_buckets, "Send events for this bucket only (repeat for more; none: every bucket)");
  flags.Add("s3-access-key", access_key, "SigV4 access key (default: the data dir's)");
  flags.Add("s3-secret-key", secret_key, "SigV4 secret key (default: the data dir's)");
  flags.Add("region", o.region, "The region clients sign for");
  flags.Add("cors-origin", o.cors_origin, "Access-Control-Allow-Origin for browsers (empty: no CORS)");
  flags.Add("threads", o.threads, "I/O threads");
  state::RedisTlsOptions redis_tls;
  AddRedisTlsFlags(flags, redis_tls);
  if (auto code = flags.Parse(argc, argv)) return *code;
  if (Status s = log::Init("storage", flags.common().log_level); !s.ok()) {
    std::cerr << "tcoder storage: " << s.message() << "\n";
    return 2;
  }
  ApplyRedisTls(redis_tls);
  state::SetDefaultRedisClientName("tcoder-storage");
  o.data_dir = flags.common().data_dir;
  if (access_key.empty() != secret_key.empty()) {
    std::cerr << "tcoder storage: give both --s3-access-key and --s3-secret-key, or neither\n";
    return 2;
  }
  if (access_key.empty()) {
    auto secrets = LoadOrCreateSecrets(o.data_dir);
    if (!secrets.ok()) {
      std::cerr << "tcoder storage: " << secrets.status().message() << "\n";
      return 1;
    }
    access_key = secrets->s3_access_key;
    secret_key = secrets->s3_secret_key;
  }
  o.access_key = access_key;
  o.secret_key = secret_key;
  if (!redis_url.empty()) o.events = RedisEventSinkFactory(redis_url);

  const sigset_t stop_signals = BlockStopSignals();
  auto server = storage::S3Server::Start(o);
  if (!server.ok()) {
    std::cerr << "tcoder storage: " << server.status().message() << "\n";
    return 1;
  }
  WaitForStopSignal(stop_signals);
  (*server)->Stop();
  return 0;
}

}  // namespace tcoder::cli
