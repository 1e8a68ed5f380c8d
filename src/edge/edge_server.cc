#include "edge/edge_server.h"

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace tcoder::edge {
namespace {

Status CheckOptions(const EdgeOptions& o) {
  if (o.threads < 1 || o.threads > 256) return InvalidArgument("--threads must be 1..256");
  if (o.storage_threads < 1 || o.storage_threads > 1024) return InvalidArgument("storage threads must be 1..1024");
  if (o.chunk_bytes < 4096) return InvalidArgument("the streaming chunk must be at least 4 KiB");
  if (o.short_ttl.count() < 0 || o.default_ttl.count() < 0) return InvalidArgument("cache TTLs must not be negative");
  return Status::Ok();
}

}  // namespace

EdgeServer::EdgeServer(const EdgeOptions& options, std::unique_ptr<ObjectSource> source)
    : cache_(options.cache_bytes, options.cache_object_bytes),
      source_(std::move(source), options.storage_threads),
      handler_(options, source_, cache_) {}

Result<std::unique_ptr<EdgeServer>> EdgeServer::Start(EdgeOptions options, std::unique_ptr<ObjectSource> source) {
  if (Status s = CheckOptions(options); !s.ok()) return s;
  if (!source) return InvalidArgument("the edge needs an object source");
  if (options.jwt_secret.empty()) log::Warn("no JWT secret: every /premium/ request will be denied");
  std::unique_ptr<EdgeServer> edge(new EdgeServer(options, std::move(source)));
  http::ServerOptions so;
  so.bind = options.bind;
  so.port = options.port;
  so.threads = options.threads;
  so.default_headers = {{"X-Via", "tcoder-edge"}};  // also on the HTTP layer's own 400/408/431/500
  EdgeHandler* handler = &edge->handler_;
  auto server = http::Server::Start(so, [handler](http::Exchange& ex) { return handler->Serve(ex); });
  if (!server.ok()) return server.status();
  edge->server_ = std::move(server).value();
  log::Info("edge listening", {{"bind", options.bind},
                               {"port", edge->server_->port()},
                               {"threads", options.threads},
                               {"cache_bytes", options.cache_bytes}});
  return edge;
}

EdgeServer::~EdgeServer() { Stop(); }

int EdgeServer::port() const { return server_ ? server_->port() : -1; }

void EdgeServer::Stop() {
  if (server_) server_->Stop();
  source_.Stop();
}

}  // namespace tcoder::edge
