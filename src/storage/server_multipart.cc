// Multipart upload requests: create, upload part, complete, abort, list parts.
#include <algorithm>
#include <charconv>

#include "common/duration.h"
#include "storage/s3_errors.h"
#include "storage/s3_xml.h"
#include "storage/server_call.h"
#include "storage/server_xml.h"

namespace tcoder::storage::server {
namespace {

std::optional<int> ParseInt(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  int v = 0;
  const auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || ptr != s->data() + s->size()) return std::nullopt;
  return v;
}

http::Task<Status> Create(S3Call& call) {
  auto id = call.ctx.uploads->Create(call.bucket, call.key, std::string(call.req().Get("content-type")),
                                     UserMetaFrom(call.req()));
  if (!id.ok()) co_return id.status();
  std::string xml = std::string(kXmlHead) + "<InitiateMultipartUploadResult xmlns=\"" + std::string(kS3Namespace) +
                    "\">" + XmlElement("Bucket", call.bucket) + XmlElement("Key", call.key) +
                    XmlElement("UploadId", *id) + "</InitiateMultipartUploadResult>";
  co_return co_await SendXml(call, std::move(xml));
}

http::Task<Status> UploadPart(S3Call& call, const UploadInfo& upload) {
  if (call.req().Find("x-amz-copy-source")) co_return S3Status("NotImplemented", "UploadPartCopy is not implemented.");
  const auto number = ParseInt(call.Param("partNumber"));
  if (!number || *number < 1 || *number > MultipartStore::kMaxParts) {
    co_return S3Status("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.");
  }
  auto writer = co_await ReceiveBody(call, "part");
  if (!writer.ok()) co_return writer.status();
  auto part = call.ctx.uploads->PutPart(upload, *number, std::move(*writer));
  if (!part.ok()) co_return part.status();
  http::Headers h{{"ETag", "\"" + part->etag + "\""}};
  co_return co_await SendEmpty(call, 200, std::move(h));
}

http::Task<Status> Complete(S3Call& call, const UploadInfo& upload) {
  auto body = co_await ReadSmallBody(call, 4 << 20);
  if (!body.ok()) co_return body.status();
  auto parts = ParseCompleteRequest(*body);
  if (!parts.ok()) co_return parts.status();
  auto info = call.ctx.uploads->Complete(upload, *parts);
  if (!info.ok()) co_return info.status();
  if (Status s = EmitCreated(call, *info, "ObjectCreated:CompleteMultipartUpload"); !s.ok()) co_return s;
  std::string xml = std::string(kXmlHead) + "<CompleteMultipartUploadResult xmlns=\"" + std::string(kS3Namespace) +
                    "\">" + XmlElement("Location", call.Resource()) + XmlElement("Bucket", call.bucket) +
                    XmlElement("Key", call.key) + XmlElement("ETag", "\"" + info->etag + "\"") +
                    "</CompleteMultipartUploadResult>";
  co_return co_await SendXml(call, std::move(xml));
}

http::Task<Status> ListParts(S3Call& call, const UploadInfo& upload) {
  const int max_parts = std::clamp(ParseInt(call.Param("max-parts")).value_or(1000), 0, 1000);
  const int marker = ParseInt(call.Param("part-number-marker")).value_or(0);
  auto parts = call.ctx.uploads->ListParts(upload);
  if (!parts.ok()) co_return parts.status();
  std::string items;
  int count = 0;
  int last = marker;
  bool truncated = false;
  for (const PartInfo& p : *parts) {
    if (p.number <= marker) continue;
    if (count == max_parts) {
      truncated = true;
      break;
    }
    ++count;
    last = p.number;
    items += "<Part>" + XmlElement("PartNumber", std::to_string(p.number)) +
             XmlElement("LastModified", IsoTimestamp(p.last_modified_ms)) + XmlElement("ETag", "\"" + p.etag + "\"") +
             XmlElement("Size", std::to_string(p.size)) + "</Part>";
  }
  std::string xml = std::string(kXmlHead) + "<ListPartsResult xmlns=\"" + std::string(kS3Namespace) + "\">" +
                    XmlElement("Bucket", call.bucket) + XmlElement("Key", call.key) +
                    XmlElement("UploadId", upload.id) + XmlElement("PartNumberMarker", std::to_string(marker)) +
                    XmlElement("NextPartNumberMarker", std::to_string(last)) +
                    XmlElement("MaxParts", std::to_string(max_parts)) +
                    XmlElement("IsTruncated", truncated ? "true" : "false") + "<StorageClass>STANDARD</StorageClass>" +
                    items + "</ListPartsResult>";
  co_return co_await SendXml(call, std::move(xml));
}

}  // namespace

http::Task<Status> HandleMultipart(S3Call& call) {
  const std::string& m = call.req().method;
  if (call.Has("uploads")) {
    if (m == "POST") co_return co_await Create(call);
    co_return S3Status("MethodNotAllowed", "The specified method is not allowed against this resource.");
  }
  // Checked before any body is read (and before "100 Continue").
  auto upload = call.ctx.uploads->Get(call.Param("uploadId").value_or(""), call.bucket, call.key);
  if (!upload.ok()) co_return upload.status();
  if (m == "PUT") co_return co_await UploadPart(call, *upload);
  if (m == "POST") co_return co_await Complete(call, *upload);
  if (m == "GET") co_return co_await ListParts(call, *upload);
  if (m == "DELETE") {
    Status s = call.ctx.uploads->Abort(*upload);
    if (!s.ok()) co_return s;
    co_return co_await SendEmpty(call, 204);
  }
  co_return S3Status("MethodNotAllowed", "The specified method is not allowed against this resource.");
}

}  // namespace tcoder::storage::server
