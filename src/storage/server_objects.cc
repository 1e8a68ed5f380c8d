// Object-level requests: Put (and Copy), Get and Head (ranges, conditions),
// Delete, and the bucket-level DeleteObjects.
#include <unistd.h>

#include <charconv>

#include "common/duration.h"
#include "common/log.h"
#include "http/http_date.h"
#include "http/url.h"
#include "storage/s3_errors.h"
#include "storage/s3_xml.h"
#include "storage/server_body.h"
#include "storage/server_call.h"
#include "storage/server_xml.h"

namespace tcoder::storage::server {
namespace {

struct Range {
  std::uint64_t start = 0;
  std::uint64_t length = 0;
  bool partial = false;
};

std::optional<std::uint64_t> ParseU64(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// A single "bytes=" range against `size`. Unparseable or multi-range headers
// are ignored (the whole object is sent), as RFC 9110 allows.
Result<Range> ParseRange(std::string_view header, std::uint64_t size) {
  Range whole{0, size, false};
  if (!header.starts_with("bytes=") || header.find(',') != std::string_view::npos) return whole;
  const std::string_view spec = header.substr(6);
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const auto first = ParseU64(spec.substr(0, dash));
  const auto last = ParseU64(spec.substr(dash + 1));
  const Status unsatisfiable = S3Status("InvalidRange", "The requested range is not satisfiable");
  if (!first) {  // "-N": the last N bytes
    if (!last || (spec.substr(0, dash).size() != 0)) return whole;
    if (*last == 0 || size == 0) return unsatisfiable;
    const std::uint64_t n = std::min(*last, size);
    return Range{size - n, n, true};
  }
  if (!last && dash + 1 != spec.size()) return whole;
  if (last && *last < *first) return whole;
  if (*first >= size) return unsatisfiable;
  const std::uint64_t end = last ? std::min(*last, size - 1) : size - 1;
  return Range{*first, end - *first + 1, true};
}

bool EtagMatches(std::string_view header, std::string_view etag) {
  std::size_t pos = 0;
  while (pos <= header.size()) {
    auto comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = header.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') item = item.substr(1, item.size() - 2);
    if (item == "*" || item == etag) return true;
    pos = comma + 1;
  }
  return false;
}

// 0 to go on, else the status (304 or 412) the conditions call for.
int CheckConditions(const http::Request& req, const ObjectInfo& info) {
  const std::int64_t modified = info.last_modified_ms / 1000;
  if (auto m = req.Find("if-match")) {
    if (!EtagMatches(*m, info.etag)) return 412;
  } else if (auto since = http::ParseHttpDate(req.Get("if-unmodified-since"))) {
    if (modified > *since) return 412;
  }
  if (auto m = req.Find("if-none-match")) {
    if (EtagMatches(*m, info.etag)) return 304;
  } else if (auto since = http::ParseHttpDate(req.Get("if-modified-since"))) {
    if (modified <= *since) return 304;
  }
  return 0;
}

// response-* query parameters of (usually presigned) GETs override headers.
void ApplyOverrides(const S3Call& call, http::Headers& h) {
  static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
      {"response-content-type", "Content-Type"},         {"response-content-disposition", "Content-Disposition"},
      {"response-cache-control", "Cache-Control"},       {"response-content-encoding", "Content-Encoding"},
      {"response-content-language", "Content-Language"}, {"response-expires", "Expires"}};
  for (const auto& [param, header] : kOverrides) {
    auto v = call.Param(param);
    if (!v) continue;
    std::erase_if(h, [&](const http::Header& x) { return x.name == header; });
    h.push_back({std::string(header), *v});
  }
}

http::Task<Status> GetObject(S3Call& call) {
  const bool head = call.req().method == "HEAD";
  auto reader = call.ctx.objects->Read(call.bucket, call.key);
  if (!reader.ok()) co_return reader.status();
  const ObjectInfo& info = reader->info;
  http::Headers h = BaseHeaders(call);
  AddObjectHeaders(info, h);
  if (const int cond = CheckConditions(call.req(), info); cond == 412) {
    co_return S3Status("PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
  } else if (cond == 304) {
    co_return co_await call.ex.Respond(304, std::move(h), std::string());
  }
  auto range = ParseRange(call.req().Get("range"), info.size);
  if (!range.ok()) {
    if (!head) {
      h = BaseHeaders(call);
      h.push_back({"Content-Range", "bytes */" + std::to_string(info.size)});
      h.push_back({"Content-Type", "application/xml"});
      const S3Failure f = FailureOf(range.status());
      co_return co_await call.ex.Respond(416, std::move(h), ErrorXml(f, call.Resource(), call.request_id));
    }
    co_return range.status();
  }
  if (range->partial) {
    h.push_back({"Content-Range", "bytes " + std::to_string(range->start) + "-" +
                                      std::to_string(range->start + range->length - 1) + "/" +
                                      std::to_string(info.size)});
  }
  ApplyOverrides(call, h);
  http::Response resp{range->partial ? 206 : 200, std::move(h), range->length};
  Status s = co_await call.ex.WriteHead(std::move(resp));
  if (s.ok()) s = co_await call.ex.WriteFile(reader->fd.get(), range->start, range->length);
  if (s.ok()) s = co_await call.ex.Finish();
  if (!s.ok()) log::Debug("s3 GET cut short", {{"error", s.message()}});
  co_return Status::Ok();  // the response has started: a failure only closes the connection
}

http::Task<Status> CopyObject(S3Call& call) {
  auto source = http::PercentDecode(call.req().Get("x-amz-copy-source"));
  if (!source)
    co_return S3Status("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  std::string_view src = *source;
  if (src.starts_with('/')) src.remove_prefix(1);
  if (const auto q = src.find("?versionId="); q != std::string_view::npos) src = src.substr(0, q);
  const auto slash = src.find('/');
  if (slash == std::string_view::npos || slash + 1 == src.size()) {
    co_return S3Status("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
  const std::string src_bucket(src.substr(0, slash));
  const std::string src_key(src.substr(slash + 1));
  const bool replace = call.req().Get("x-amz-metadata-directive") == "REPLACE";
  if (!replace && src_bucket == call.bucket && src_key == call.key) {
    co_return S3Status("InvalidRequest",
                       "This copy request is illegal because it is trying to copy an object to itself without changing "
                       "the object's metadata.");
  }
  if (!call.ctx.objects->BucketExists(call.bucket))
    co_return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  auto reader = call.ctx.objects->Read(src_bucket, src_key);
  if (!reader.ok()) co_return reader.status();
  auto writer = call.ctx.objects->NewWriter("copy");
  if (!writer.ok()) co_return writer.status();
  std::string buf(1 << 20, '\0');
  for (std::uint64_t off = 0; off < reader->info.size;) {
    const ssize_t n = ::pread(reader->fd.get(), buf.data(), buf.size(), static_cast<off_t>(off));
    if (n <= 0) co_return S3Status("InternalError", "reading the copy source failed");
    Status s = writer->Write(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    if (!s.ok()) co_return s;
    off += static_cast<std::uint64_t>(n);
  }
  PutOptions o{reader->info.content_type, reader->info.user_meta, std::nullopt};
  if (replace) o = PutOptions{std::string(call.req().Get("content-type")), UserMetaFrom(call.req()), std::nullopt};
  auto info = call.ctx.objects->Commit(std::move(*writer), call.bucket, call.key, std::move(o));
  if (!info.ok()) co_return info.status();
  if (Status s = EmitCreated(call, *info, "ObjectCreated:Copy"); !s.ok()) co_return s;
  std::string xml = std::string(kXmlHead) + "<CopyObjectResult><LastModified>" + IsoTimestamp(info->last_modified_ms) +
                    "</LastModified><ETag>&quot;" + info->etag + "&quot;</ETag></CopyObjectResult>";
  co_return co_await SendXml(call, std::move(xml));
}

http::Task<Status> PutObject(S3Call& call) {
  if (call.req().Find("x-amz-copy-source")) co_return co_await CopyObject(call);
  // Refuse before "100 Continue", so a refused client never sends the body.
  if (!call.ctx.objects->BucketExists(call.bucket))
    co_return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  auto writer = co_await ReceiveBody(call, "put");
  if (!writer.ok()) co_return writer.status();
  PutOptions o{std::string(call.req().Get("content-type")), UserMetaFrom(call.req()), std::nullopt};
  auto info = call.ctx.objects->Commit(std::move(*writer), call.bucket, call.key, std::move(o));
  if (!info.ok()) co_return info.status();
  if (Status s = EmitCreated(call, *info, "ObjectCreated:Put"); !s.ok()) co_return s;
  http::Headers h{{"ETag", "\"" + info->etag + "\""}};
  co_return co_await SendEmpty(call, 200, std::move(h));
}

http::Task<Status> DeleteObject(S3Call& call) {
  Status s = call.ctx.objects->Delete(call.bucket, call.key);
  if (!s.ok()) co_return s;
  co_return co_await SendEmpty(call, 204);
}

bool UnsupportedSubresource(const S3Call& call) {
  for (const char* name : {"acl", "tagging", "retention", "legal-hold", "torrent", "restore", "select", "attributes"}) {
    if (call.Has(name)) return true;
  }
  return false;
}

}  // namespace

http::Task<Result<ObjectWriter>> ReceiveBody(S3Call& call, std::string_view purpose) {
  auto body = BodyReader::Create(call.ex, call.auth, call.ctx.options.max_object_size);
  if (!body.ok()) co_return body.status();
  auto writer = call.ctx.objects->NewWriter(purpose);
  if (!writer.ok()) co_return writer.status();
  std::string piece;
  while (true) {
    Status s = co_await (*body)->Next(piece);
    if (!s.ok()) co_return s;  // the writer's temp file goes with it
    if (piece.empty()) break;
    s = writer->Write(piece);
    if (!s.ok()) co_return s;
  }
  co_return std::move(*writer);
}

http::Task<Status> HandleObject(S3Call& call) {
  const std::string& m = call.req().method;
  if (UnsupportedSubresource(call)) co_return S3Status("NotImplemented", "This object subresource is not implemented.");
  if (m == "GET" || m == "HEAD") co_return co_await GetObject(call);
  if (m == "PUT") co_return co_await PutObject(call);
  if (m == "DELETE") co_return co_await DeleteObject(call);
  co_return S3Status("MethodNotAllowed", "The specified method is not allowed against this resource.");
}

http::Task<Status> HandleDeleteObjects(S3Call& call) {
  if (!call.ctx.objects->BucketExists(call.bucket))
    co_return S3Status("NoSuchBucket", "The specified bucket does not exist.");
  auto body = co_await ReadSmallBody(call, 2 << 20);
  if (!body.ok()) co_return body.status();
  auto request = ParseDeleteRequest(*body);
  if (!request.ok()) co_return request.status();
  std::string xml = std::string(kXmlHead) + "<DeleteResult xmlns=\"" + std::string(kS3Namespace) + "\">";
  for (const std::string& key : request->keys) {
    Status s = key.empty() || key.size() > 1024 ? S3Status("InvalidArgument", "bad key")
                                                : call.ctx.objects->Delete(call.bucket, key);
    if (s.ok()) {
      if (!request->quiet) xml += "<Deleted><Key>" + XmlEscape(key) + "</Key></Deleted>";
    } else {
      const S3Failure f = FailureOf(s);
      xml += "<Error><Key>" + XmlEscape(key) + "</Key><Code>" + f.code + "</Code><Message>" + XmlEscape(f.message) +
             "</Message></Error>";
    }
  }
  xml += "</DeleteResult>";
  co_return co_await SendXml(call, std::move(xml));
}

}  // namespace tcoder::storage::server
