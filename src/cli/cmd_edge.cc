// `tcoder edge`: serves the output bucket over HTTP (Range, conditional
// requests, cache headers, CORS, an in-memory cache of hot objects), with the
// /premium/ JWT rule, until SIGINT or SIGTERM. Storage keys and the JWT secret
// default to the data dir's secrets.
#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/stop_signals.h"
#include "common/duration.h"
#include "common/log.h"
#include "common/secrets.h"
#include "edge/edge_server.h"

namespace tcoder::cli {
namespace {

struct EdgeFlags {
  edge::EdgeOptions options;
  edge::S3SourceConfig source;
  std::string access_key;
  std::string secret_key;
  std::string cache_size = "256MiB";
  std::string cache_object_size = "4MiB";
};

// Secrets not given as flags come from the data dir (read, never created here).
Status FillSecrets(EdgeFlags& f, const std::string& data_dir) {
  if (f.access_key.empty() != f.secret_key.empty()) {
    return InvalidArgument("give both --s3-access-key and --s3-secret-key, or neither");
  }
  if (!f.access_key.empty() && !f.options.jwt_secret.empty()) return Status::Ok();
  Result<Secrets> secrets = LoadSecrets(data_dir);
  if (!secrets.ok()) {
    return Status(secrets.status().code(), secrets.status().message() + " (run `tcoder up` once, or give the keys " +
                                               "and --jwt-secret as flags)");
  }
  if (f.access_key.empty()) {
    f.access_key = secrets->s3_access_key;
    f.secret_key = secrets->s3_secret_key;
  }
  if (f.options.jwt_secret.empty()) f.options.jwt_secret = secrets->jwt_secret;
  return Status::Ok();
}

Status Finish(EdgeFlags& f, const std::string& data_dir) {
  Result<std::uint64_t> cache = ParseSize(f.cache_size);
  if (!cache.ok()) return InvalidArgument("--cache-size: " + cache.status().message());
  Result<std::uint64_t> object = ParseSize(f.cache_object_size);
  if (!object.ok()) return InvalidArgument("--cache-object-size: " + object.status().message());
  f.options.cache_bytes = *cache;
  f.options.cache_object_bytes = *object;
  if (f.source.client.endpoint.empty()) return InvalidArgument("--s3-endpoint is required");
  if (Status s = FillSecrets(f, data_dir); !s.ok()) return s;
  f.source.client.credentials.access_key = f.access_key;
  f.source.client.credentials.secret_key = f.secret_key;
  f.source.connections = f.options.storage_threads;
  return Status::Ok();
}

}  // namespace

int RunEdge(int argc, char** argv) {
  FlagSet flags("edge", "Delivery server for outputs; /premium/ paths need a JWT");
  EdgeFlags f;
  f.source.client.endpoint = "http://127.0.0.1:9000";
  flags.Add("port", f.options.port, "Port to listen on");
  flags.Add("bind", f.options.bind, "Address to listen on");
  flags.Add("threads", f.options.threads, "I/O threads");
  flags.Add("storage-threads", f.options.storage_threads, "Storage reads in flight at once");
  flags.Add("s3-endpoint", f.source.client.endpoint, "S3 endpoint of the output bucket");
  flags.Add("s3-path-style", f.source.client.path_style,
            "Path-style S3 URLs (true) or virtual-hosted bucket.host ones (false)");
  flags.Add("s3-access-key", f.access_key, "SigV4 access key (default: the data dir's)");
  flags.Add("s3-secret-key", f.secret_key, "SigV4 secret key (default: the data dir's)");
  flags.Add("region", f.source.client.region, "The region requests are signed for");
  flags.Add("bucket", f.source.bucket, "The bucket served");
  flags.Add("jwt-secret", f.options.jwt_secret, "HS256 secret for /premium/ (default: the data dir's)");
  flags.Add("cache-size", f.cache_size, "In-memory cache of hot objects (0: off), e.g. 256MiB");
  flags.Add("cache-object-size", f.cache_object_size, "Largest object kept in the cache");
  if (auto code = flags.Parse(argc, argv)) return *code;
  if (Status s = log::Init("edge", flags.common().log_level); !s.ok()) {
    std::cerr << "tcoder edge: " << s.message() << "\n";
    return 2;
  }
  if (Status s = Finish(f, flags.common().data_dir); !s.ok()) {
    std::cerr << "tcoder edge: " << s.message() << "\n";
    return s.code() == Code::kInvalidArgument ? 2 : 1;
  }
  const sigset_t stop_signals = BlockStopSignals();
  auto source = edge::MakeS3Source(f.source);
  if (!source.ok()) {
    std::cerr << "tcoder edge: " << source.status().message() << "\n";
    return 2;
  }
  auto server = edge::EdgeServer::Start(f.options, std::move(source).value());
  if (!server.ok()) {
    std::cerr << "tcoder edge: " << server.status().message() << "\n";
    return 1;
  }
  WaitForStopSignal(stop_signals);
  (*server)->Stop();
  return 0;
}

}  // namespace tcoder::cli
