#include "edge/edge_handler.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/json_text.h"
#include "common/log.h"
#include "common/media_type.h"
#include "edge/cache_control.h"
#include "edge/jwt.h"
#include "edge/key_path.h"
#include "edge/preconditions.h"
#include "edge/range.h"
#include "http/http_date.h"

namespace tcoder::edge {

using http::Exchange;
using http::Headers;
using http::Response;
using http::Task;

struct EdgeHandler::Found {
  ObjectMeta meta;
  std::shared_ptr<const CachedObject> cached;  // null: the body comes from storage
};

namespace {

constexpr std::string_view kAllow = "GET, HEAD, OPTIONS";

// CORS: on every response (X-Via is added by the server to all of them,
// its own errors included; see EdgeServer::Start).
Headers Common() {
  return {{"Access-Control-Allow-Origin", "*"},
          {"Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified"}};
}

Headers PreflightHeaders() {
  Headers h = Common();
  h.push_back({"Allow", std::string(kAllow)});
  h.push_back({"Access-Control-Allow-Methods", std::string(kAllow)});
  h.push_back({"Access-Control-Allow-Headers",
               "Range, Authorization, X-TCoder-Token, If-None-Match, If-Modified-Since, If-Range"});
  h.push_back({"Access-Control-Max-Age", "86400"});
  return h;
}

// A small JSON error body; `message` is ours, never a token or a store's reply.
Task<int> ReplyError(Exchange& ex, int status, std::string_view error, std::string_view message, Headers h = Common()) {
  h.push_back({"Content-Type", "application/json"});
  h.push_back({"Cache-Control", "no-store"});
  const nlohmann::json body = {{"error", error}, {"message", message}};
  Status s = co_await ex.Respond(status, std::move(h), JsonText(body) + "\n");
  (void)s;  // a failed write closes the connection; nothing else to do
  co_return status;
}

Task<int> ReplyStoreError(Exchange& ex, const Status& status, std::string_view path) {
  switch (status.code()) {
    case Code::kNotFound:
      co_return co_await ReplyError(ex, 404, "not_found", "no such object");
    case Code::kInvalidArgument:
      co_return co_await ReplyError(ex, 400, "bad_request", "the path does not name an object");
    default:
      break;
  }
  log::Warn("storage read failed", {{"path", path}, {"error", status.ToString()}});
  co_return co_await ReplyError(ex, 503, "unavailable", "storage is unavailable; retry later");
}

// The path as logged: before '?', so tokens in the query never reach the log.
std::string_view LogPath(const http::Request& req) { return std::string_view(req.path).substr(0, 512); }

Headers ObjectHeaders(const std::string& key, bool premium, const ObjectMeta& meta) {
  Headers h = Common();
  std::string_view type = MediaTypeFor(key);
  if (type.empty()) type = meta.content_type.empty() ? "application/octet-stream" : meta.content_type;
  h.push_back({"Content-Type", std::string(type)});
  h.push_back({"Cache-Control", CacheControlFor(FreshnessFor(key), premium)});
  h.push_back({"Accept-Ranges", "bytes"});
  h.push_back({"X-Content-Type-Options", "nosniff"});
  if (!meta.etag.empty()) h.push_back({"ETag", meta.etag});
  if (meta.last_modified) h.push_back({"Last-Modified", http::HttpDate(*meta.last_modified)});
  return h;
}

}  // namespace

Task<void> EdgeHandler::Serve(Exchange& ex) {
  const auto start = std::chrono::steady_clock::now();
  const int status = co_await Dispatch(ex);
  metrics_.CountResponse(status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (log::Enabled(log::Level::kDebug)) {
    const http::Request& req = ex.request();
    log::Debug("request", {{"method", req.method}, {"path", LogPath(req)}, {"status", status}});
  }
}

Task<int> EdgeHandler::Dispatch(Exchange& ex) {
  const http::Request& req = ex.request();
  if (req.method == "OPTIONS") {
    Status s = co_await ex.Respond(204, PreflightHeaders(), "");
    (void)s;
    co_return 204;
  }
  if (req.method == "GET" && req.path == "/metrics") {
    Headers h = Common();
    h.push_back({"Content-Type", "text/plain; version=0.0.4; charset=utf-8"});
    h.push_back({"Cache-Control", "no-store"});
    Status s = co_await ex.Respond(200, std::move(h), metrics_.Render());
    (void)s;
    co_return 200;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    Headers h = Common();
    h.push_back({"Allow", std::string(kAllow)});
    co_return co_await ReplyError(ex, 405, "method_not_allowed", "the edge serves GET, HEAD and OPTIONS", h);
  }
  Result<std::string> key = KeyFromPath(req.path);
  if (!key.ok()) {
    const bool root = key.status().code() == Code::kNotFound;
    co_return co_await ReplyError(ex, root ? 404 : 400, root ? "not_found" : "bad_request", key.status().message());
  }
  const Verdict verdict = AuthorizeRequest(req.path, req.query, req.Get("Authorization"), req.Get("X-TCoder-Token"),
                                           options_.jwt_secret, std::time(nullptr));
  if (!verdict.allowed) {
    log::Info("premium request denied", {{"path", LogPath(req)}, {"reason", verdict.reason}});
    co_return co_await ReplyError(ex, 403, "forbidden", verdict.reason);
  }
  Result<Found> found = co_await Find(*key, req.method == "GET");
  if (!found.ok()) co_return co_await ReplyStoreError(ex, found.status(), LogPath(req));
  co_return co_await SendObject(ex, *key, NeedsToken(req.path), *found);
}

Task<Result<EdgeHandler::Found>> EdgeHandler::Find(const std::string& key, bool want_body) {
  if (auto hit = cache_.Get(key, std::chrono::steady_clock::now())) {
    metrics_.cache_hits.fetch_add(1, std::memory_order_relaxed);
    co_return Found{hit->meta, hit};
  }
  metrics_.cache_misses.fetch_add(1, std::memory_order_relaxed);
  Result<ObjectMeta> meta = co_await source_.Head(key);
  if (!meta.ok()) co_return meta.status();
  if (!want_body || !cache_.Admits(meta->size)) co_return Found{*meta, nullptr};
  co_return co_await Fill(key, *meta);
}

// Reads a small object whole and keeps it in the cache.
Task<Result<EdgeHandler::Found>> EdgeHandler::Fill(const std::string& key, const ObjectMeta& meta) {
  Result<std::string> body = co_await source_.Read(key, std::nullopt, meta.size);
  if (!body.ok()) co_return body.status();
  if (body->size() != meta.size) co_return Unavailable("the object changed while it was read");
  auto object = std::make_shared<CachedObject>();
  object->meta = meta;
  object->body = std::move(*body);
  object->head_lines = http::FormatHeaders(ObjectHeaders(key, /*premium=*/false, meta));
  const Freshness freshness = FreshnessFor(key);
  if (freshness != Freshness::kImmutable) {
    const auto ttl = freshness == Freshness::kShort ? options_.short_ttl : options_.default_ttl;
    object->expires = std::chrono::steady_clock::now() + ttl;
  }
  cache_.Put(key, object);
  co_return Found{object->meta, std::move(object)};
}

Task<int> EdgeHandler::SendObject(Exchange& ex, const std::string& key, bool premium, const Found& found) {
  const http::Request& req = ex.request();
  const ObjectMeta& meta = found.meta;
  // A cached object's public headers were rendered when it was cached;
  // premium ones (private caching) are made per request.
  const bool rendered = found.cached && !premium;
  Headers h = rendered ? Headers{} : ObjectHeaders(key, premium, meta);
  const std::string_view formatted = rendered ? std::string_view(found.cached->head_lines) : std::string_view{};
  if (NotModified(req.Get("If-None-Match"), req.Get("If-Modified-Since"), meta.etag, meta.last_modified)) {
    Response head{304, std::move(h), std::nullopt, formatted};
    Status s = co_await ex.WriteHead(std::move(head));
    if (s.ok()) s = co_await ex.Finish();
    co_return 304;
  }
  RangeDecision range;
  if (IfRangeHolds(req.Get("If-Range"), meta.etag, meta.last_modified))
    range = DecideRange(req.Get("Range"), meta.size);
  if (range.kind == RangeDecision::Kind::kUnsatisfiable) {
    Headers e = Common();
    e.push_back({"Content-Range", UnsatisfiedContentRange(meta.size)});
    co_return co_await ReplyError(ex, 416, "range_not_satisfiable", "the range is past the object's end", e);
  }
  const bool partial = range.kind == RangeDecision::Kind::kPartial;
  const ByteSpan span = partial ? range.span : ByteSpan{0, meta.size == 0 ? 0 : meta.size - 1};
  const std::uint64_t length = partial ? span.length() : meta.size;
  if (partial) h.push_back({"Content-Range", ContentRange(span, meta.size)});
  const int status = partial ? 206 : 200;
  Response head{status, std::move(h), length, formatted};
  Status s = co_await ex.WriteHead(std::move(head));
  if (s.ok() && req.method == "GET" && length > 0) s = co_await WriteSpan(ex, key, found, span);
  if (!s.ok()) log::Debug("response cut short", {{"path", LogPath(req)}, {"error", s.ToString()}});
  Status finished = co_await ex.Finish();  // a short body closes the connection
  (void)finished;
  co_return status;
}

// The body bytes [span.first, span.last]: from the cached copy, or streamed
// from storage one chunk at a time (memory: one chunk per response).
Task<Status> EdgeHandler::WriteSpan(Exchange& ex, const std::string& key, const Found& found, ByteSpan span) {
  if (found.cached) {
    Status s = co_await ex.WriteBody(std::string_view(found.cached->body).substr(span.first, span.length()));
    if (s.ok()) metrics_.bytes_out.fetch_add(span.length(), std::memory_order_relaxed);
    co_return s;
  }
  for (std::uint64_t pos = span.first; pos <= span.last;) {
    const std::uint64_t end = std::min<std::uint64_t>(span.last, pos + options_.chunk_bytes - 1);
    const std::uint64_t want = end - pos + 1;
    const ByteSpan chunk{pos, end};
    Result<std::string> part = co_await source_.Read(key, chunk, want);
    if (!part.ok()) {
      log::Warn("storage read failed mid-body", {{"key_bytes", key.size()}, {"error", part.status().ToString()}});
      co_return part.status();
    }
    if (part->size() != want) co_return Unavailable("the object changed while it was streamed");
    if (Status s = co_await ex.WriteBody(*part); !s.ok()) co_return s;
    metrics_.bytes_out.fetch_add(want, std::memory_order_relaxed);
    pos = end + 1;
  }
  co_return Status::Ok();
}

}  // namespace tcoder::edge
