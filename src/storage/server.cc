#include "storage/server.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/log.h"
#include "http/url.h"
#include "storage/presign.h"
#include "storage/s3_errors.h"
#include "storage/server_call.h"

namespace tcoder::storage {

using server::S3Call;
using server::S3Context;
using server::S3Status;

struct S3Server::Impl {
  std::unique_ptr<S3Context> ctx;
  std::unique_ptr<http::Server> http;
};

namespace {

// Answers a CORS preflight (no auth: browsers send none).
http::Task<Status> Preflight(S3Call& call) {
  const std::string& origin = call.ctx.options.cors_origin;
  if (origin.empty()) co_return S3Status("AccessDenied", "CORS is not enabled on this server.");
  http::Headers h{{"x-amz-request-id", call.request_id},
                  {"Access-Control-Allow-Origin", origin},
                  {"Access-Control-Allow-Methods", "GET, PUT, POST, DELETE, HEAD"},
                  {"Access-Control-Expose-Headers", "ETag, x-amz-request-id, x-amz-version-id, Content-Length"},
                  {"Access-Control-Max-Age", "3600"}};
  const std::string_view asked = call.req().Get("access-control-request-headers");
  h.push_back({"Access-Control-Allow-Headers", asked.empty() ? "*" : std::string(asked)});
  if (origin != "*") h.push_back({"Vary", "Origin"});
  co_return co_await call.ex.Respond(200, std::move(h), std::string());
}

// Splits "/bucket/key..." (raw) into decoded bucket and key.
Status ParsePath(S3Call& call) {
  std::string_view raw = call.req().path;
  if (!raw.starts_with('/')) return S3Status("InvalidURI", "Couldn't parse the specified URI.");
  raw.remove_prefix(1);
  const auto slash = raw.find('/');
  auto bucket = http::PercentDecode(raw.substr(0, slash));
  auto key = http::PercentDecode(slash == std::string_view::npos ? std::string_view{} : raw.substr(slash + 1));
  auto query = http::ParseQuery(call.req().query);
  if (!bucket || !key || !query) return S3Status("InvalidURI", "Couldn't parse the specified URI.");
  call.bucket = std::move(*bucket);
  call.key = std::move(*key);
  call.query = std::move(*query);
  if (call.key.size() > 1024) return S3Status("KeyTooLongError", "Your key is too long.");
  if (!server::IsUtf8(call.key) || call.key.find('\0') != std::string::npos) {
    return S3Status("InvalidArgument", "Object keys must be UTF-8 without NUL characters.");
  }
  return Status::Ok();
}

Status Authenticate(S3Call& call) {
  const http::Request& req = call.req();
  sigv4::Request sreq{req.method, req.path, req.query, {}};
  for (const http::Header& h : req.headers) sreq.headers.emplace_back(h.name, h.value);
  const ServerOptions& o = call.ctx.options;
  auto lookup = [&o](std::string_view access_key) -> std::optional<std::string> {
    if (crypto::ConstantTimeEquals(access_key, o.access_key)) return o.secret_key;
    return std::nullopt;
  };
  auto verified = sigv4::Verify(sreq, lookup, std::chrono::system_clock::now(), o.region);
  if (!verified.ok()) {
    const std::string code = sigv4::S3ErrorCode(verified.status());
    const std::string& m = verified.status().message();
    const auto colon = m.find(": ");
    return S3Status(code, colon == std::string::npos ? m : m.substr(colon + 2));
  }
  call.auth = std::move(*verified);
  return Status::Ok();
}

http::Task<Status> Route(S3Call& call) {
  if (call.req().method == "OPTIONS") co_return co_await Preflight(call);
  Status s = ParsePath(call);
  if (s.ok()) s = Authenticate(call);
  if (!s.ok()) co_return s;
  if (call.bucket.empty()) co_return co_await server::HandleService(call);
  if (!ValidBucketName(call.bucket) && !(call.key.empty() && call.req().method == "PUT")) {
    co_return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  }
  if (call.key.empty()) {
    if (call.req().method == "POST" && call.Has("delete")) co_return co_await server::HandleDeleteObjects(call);
    co_return co_await server::HandleBucket(call);
  }
  if (call.Has("uploads") || call.Has("uploadId")) co_return co_await server::HandleMultipart(call);
  co_return co_await server::HandleObject(call);
}

http::Task<void> Handle(S3Context& ctx, http::Exchange& ex) {
  std::string id = crypto::Hex(crypto::RandomBytes(8));
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::toupper(c); });
  S3Call call{ex, ctx, {}, {}, {}, {}, std::move(id)};
  Status s = co_await Route(call);
  if (!s.ok()) co_await server::SendError(call, s);
}

Status CheckOptions(const ServerOptions& o) {
  if (o.access_key.empty() || o.secret_key.empty())
    return InvalidArgument("an S3 access key and secret key are required");
  if (o.region.empty()) return InvalidArgument("the region must not be empty");
  if (o.threads < 1 || o.threads > 256) return InvalidArgument("threads must be 1..256");
  return Status::Ok();
}

}  // namespace

S3Server::S3Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

S3Server::~S3Server() { Stop(); }

int S3Server::port() const { return impl_->http->port(); }

void S3Server::Stop() {
  if (impl_->http) impl_->http->Stop();
  if (impl_->ctx) impl_->ctx->events.reset();
}

Result<std::unique_ptr<S3Server>> S3Server::Start(ServerOptions options) {
  if (Status s = CheckOptions(options); !s.ok()) return s;
  auto impl = std::make_unique<Impl>();
  impl->ctx = std::make_unique<S3Context>();
  S3Context& ctx = *impl->ctx;
  ctx.options = std::move(options);
  const auto root = ctx.options.data_dir / "s3";
  auto objects = server::ObjectStore::Open(root);
  if (!objects.ok()) return objects.status();
  ctx.objects = std::move(*objects);
  auto uploads = server::MultipartStore::Open(root / "uploads", *ctx.objects,
                                              std::chrono::seconds(ctx.options.multipart_max_age_s));
  if (!uploads.ok()) return uploads.status();
  ctx.uploads = std::move(*uploads);
  if (ctx.options.events) {
    auto spool = server::EventSpool::Open(root, ctx.options.events, std::chrono::seconds(1));
    if (!spool.ok()) return spool.status();
    ctx.events = std::move(*spool);
  }
  for (const std::string& b : ctx.options.buckets) {
    Status s = ctx.objects->CreateBucket(b);
    if (!s.ok() && server::FailureOf(s).code != "BucketAlreadyOwnedByYou") return s.WithContext("bucket " + b);
  }
  http::ServerOptions ho;
  ho.bind = ctx.options.bind;
  ho.port = ctx.options.port;
  ho.threads = ctx.options.threads;
  ho.header_limit = 64 * 1024;  // S3 allows 8 KiB of user metadata; presigned URLs are long
  ho.io_timeout = std::chrono::seconds(60);
  ho.idle_timeout = std::chrono::seconds(60);
  ho.shutdown_grace = std::chrono::seconds(10);
  S3Context* raw = &ctx;
  auto listener = http::Server::Start(ho, [raw](http::Exchange& ex) { return Handle(*raw, ex); });
  if (!listener.ok()) return listener.status();
  impl->http = std::move(*listener);
  log::Info("s3 server listening", {{"bind", ctx.options.bind},
                                    {"port", impl->http->port()},
                                    {"data_dir", root.string()},
                                    {"events", ctx.events != nullptr}});
  return std::unique_ptr<S3Server>(new S3Server(std::move(impl)));
}

}  // namespace tcoder::storage
