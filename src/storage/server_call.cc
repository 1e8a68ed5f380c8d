#include "storage/server_call.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "common/duration.h"
#include "common/log.h"
#include "http/http_date.h"
#include "storage/s3_errors.h"
#include "storage/server_body.h"

namespace tcoder::storage::server {

bool S3Call::Has(std::string_view name) const {
  return std::any_of(query.begin(), query.end(), [&](const auto& p) { return p.first == name; });
}

std::optional<std::string> S3Call::Param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string S3Call::Resource() const {
  if (bucket.empty()) return "/";
  return "/" + bucket + (key.empty() ? "" : "/" + key);
}

http::Headers BaseHeaders(const S3Call& call) {
  http::Headers h{{"x-amz-request-id", call.request_id}, {"Server", "tcoder-s3"}};
  if (!call.ctx.options.cors_origin.empty() && call.req().Find("origin")) {
    h.push_back({"Access-Control-Allow-Origin", call.ctx.options.cors_origin});
    h.push_back({"Access-Control-Expose-Headers", "ETag, x-amz-request-id, x-amz-version-id, Content-Length"});
    if (call.ctx.options.cors_origin != "*") h.push_back({"Vary", "Origin"});
  }
  return h;
}

http::Task<Status> SendXml(S3Call& call, std::string xml, int status) {
  http::Headers h = BaseHeaders(call);
  h.push_back({"Content-Type", "application/xml"});
  co_return co_await call.ex.Respond(status, std::move(h), std::move(xml));
}

http::Task<Status> SendEmpty(S3Call& call, int status, http::Headers extra) {
  http::Headers h = BaseHeaders(call);
  h.insert(h.end(), extra.begin(), extra.end());
  co_return co_await call.ex.Respond(status, std::move(h), std::string());
}

http::Task<void> SendError(S3Call& call, const Status& status) {
  const S3Failure f = FailureOf(status);
  if (f.http_status >= 500) {
    log::Error("s3 request failed", {{"error", status.message()}, {"method", call.req().method}});
  } else {
    log::Debug("s3 request refused", {{"code", f.code}, {"method", call.req().method}});
  }
  if (call.ex.head_sent()) co_return;  // too late for an answer: the connection closes
  http::Headers h = BaseHeaders(call);
  h.push_back({"Content-Type", "application/xml"});
  // HEAD answers carry no body; S3 puts the code in a header instead.
  std::string body = call.req().method == "HEAD" ? std::string() : ErrorXml(f, call.Resource(), call.request_id);
  Status s = co_await call.ex.Respond(f.http_status, std::move(h), std::move(body));
  (void)s;
}

UserMeta UserMetaFrom(const http::Request& req) {
  UserMeta meta;
  for (const http::Header& h : req.headers) {
    std::string name = h.name;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name.starts_with("x-amz-meta-") && name.size() > 11) meta.emplace_back(name.substr(11), h.value);
  }
  return meta;
}

void AddObjectHeaders(const ObjectInfo& info, http::Headers& headers) {
  headers.push_back({"ETag", "\"" + info.etag + "\""});
  headers.push_back({"Last-Modified", http::HttpDate(info.last_modified_ms / 1000)});
  headers.push_back({"Content-Type", info.content_type});
  headers.push_back({"Accept-Ranges", "bytes"});
  for (const auto& [k, v] : info.user_meta) headers.push_back({"x-amz-meta-" + k, v});
}

Status EmitCreated(S3Call& call, const ObjectInfo& info, std::string_view event_name) {
  if (!call.ctx.events) return Status::Ok();
  const auto& scope = call.ctx.options.event_buckets;
  if (!scope.empty() && std::find(scope.begin(), scope.end(), call.bucket) == scope.end()) return Status::Ok();
  ObjectEvent e;
  e.bucket = call.bucket;
  e.key = info.key;
  e.size = info.size;
  e.etag = info.etag;
  e.event_name = std::string(event_name);
  e.event_time = IsoTimestamp(info.last_modified_ms);
  Status s = call.ctx.events->Add(std::move(e));
  if (!s.ok()) {
    log::Error("object stored but its event could not be spooled", {{"error", s.message()}});
    return S3Status("InternalError", "the object was stored but its event could not be recorded");
  }
  return s;
}

http::Task<Result<std::string>> ReadSmallBody(S3Call& call, std::size_t limit) {
  auto reader = BodyReader::Create(call.ex, call.auth, limit);
  if (!reader.ok()) co_return reader.status();
  std::string body;
  std::string piece;
  while (true) {
    Status s = co_await (*reader)->Next(piece);
    if (!s.ok()) co_return s;
    if (piece.empty()) break;
    body += piece;
  }
  co_return body;
}

}  // namespace tcoder::storage::server
