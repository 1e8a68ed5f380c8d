// The state of one S3 request inside the built-in server (S3Call) and the
// server-wide parts it uses (S3Context), with the helpers every handler shares:
// common response headers, XML and error answers, user metadata.
//
// Internal to the storage server. Thread-safety: an S3Call belongs to one
// request's coroutine; S3Context's members are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/server.h"
#include "storage/event_spool.h"
#include "storage/multipart.h"
#include "storage/object_store.h"
#include "storage/server.h"
#include "storage/sigv4.h"

namespace tcoder::storage::server {

struct S3Context {
  ServerOptions options;
  std::unique_ptr<ObjectStore> objects;
  std::unique_ptr<MultipartStore> uploads;
  std::unique_ptr<EventSpool> events;  // null without --redis-url
};

struct S3Call {
  http::Exchange& ex;
  S3Context& ctx;
  std::string bucket;                                      // "" for service-level requests
  std::string key;                                         // decoded; "" for bucket-level requests
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  sigv4::Verified auth;
  std::string request_id;

  const http::Request& req() const { return ex.request(); }
  bool Has(std::string_view name) const;
  std::optional<std::string> Param(std::string_view name) const;
  // "/bucket/key" for error bodies.
  std::string Resource() const;
};

// Headers every response carries: request id, server, CORS.
http::Headers BaseHeaders(const S3Call& call);
// A 200 (or `status`) XML response.
http::Task<Status> SendXml(S3Call& call, std::string xml, int status = 200);
// An empty response with extra headers.
http::Task<Status> SendEmpty(S3Call& call, int status, http::Headers extra = {});
// The S3 error response for a failed Status (codes: s3_errors.h).
http::Task<void> SendError(S3Call& call, const Status& status);

// x-amz-meta-* request headers as stored user metadata (names lower-case).
UserMeta UserMetaFrom(const http::Request& req);
// Response headers of an object: ETag, Last-Modified, Content-Type, x-amz-meta-*.
void AddObjectHeaders(const ObjectInfo& info, http::Headers& headers);
// Records an object-created event (when events are on). Errors: the spool's disk failed.
[[nodiscard]] Status EmitCreated(S3Call& call, const ObjectInfo& info, std::string_view event_name);

// Handlers, one group per file. Each answers the request or returns an error
// Status for the dispatcher to answer.
http::Task<Status> HandleService(S3Call& call);
http::Task<Status> HandleBucket(S3Call& call);
http::Task<Status> HandleObject(S3Call& call);
http::Task<Status> HandleMultipart(S3Call& call);  // requests with ?uploads or ?uploadId
http::Task<Status> HandleDeleteObjects(S3Call& call);
http::Task<Status> HandleList(S3Call& call);  // ListObjects V1 and V2

// Streams the verified request body into a new temp file (PutObject, UploadPart).
http::Task<Result<ObjectWriter>> ReceiveBody(S3Call& call, std::string_view purpose);
// Reads a small (≤ limit) verified request body, e.g. an XML document.
http::Task<Result<std::string>> ReadSmallBody(S3Call& call, std::size_t limit);

}  // namespace tcoder::storage::server
